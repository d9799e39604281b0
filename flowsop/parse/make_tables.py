"""``python -m flowsop.parse.make_tables``: rewrite ``lalr_tables.py`` after
the grammar (or the pinned Lark) changed. See ``flowsop/parse/grammar.py``."""

from .grammar import TABLES_FILE, tables_source

if __name__ == "__main__":
    TABLES_FILE.write_text(tables_source(), encoding="utf-8")
    print(f"wrote {TABLES_FILE}")
