"""Finds and loads the one grammar file, in a checkout or an installed wheel."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

GRAMMAR_NAME = "flowsop.lark"


def grammar_path() -> Path:
    """The wheel carries the grammar as ``flowsop/grammar/flowsop.lark``
    (hatchling force-include); a source checkout has it in ``grammar/``."""
    packaged = resources.files("flowsop") / "grammar" / GRAMMAR_NAME
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "grammar" / GRAMMAR_NAME


@lru_cache(maxsize=None)
def lark_parser(transformer_cls):
    # Imported here so that importing flowsop stays cheap.
    from lark import Lark

    # No cache=True: Lark would load a pickle from a predictable shared path.
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr",
                lexer="contextual", transformer=transformer_cls(),
                maybe_placeholders=False)
