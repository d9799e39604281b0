"""The fall-through figure: delete each graph-changing `-> TARGET` of a
corpus of real procedures, one at a time, and count the deletions that no
diagnostic reveals. Prints figures; asserts nothing.

    .venv/bin/python bench/fallthrough.py [FOLDER ...]   # default: tests/corpus/real/flow

A deletion is graph-changing when the arrow's target is not the node that
the flow would reach anyway (the next line's node). It is "silent" when the
file with the line deleted has no diagnostic (rule, message) that the
original did not have. Each figure is given with and without the
implicit-fallthrough rule.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    from flowsop.checks import RULES
    from flowsop.pipeline import load_text

    folders = [Path(a) for a in argv] or [ROOT / "tests" / "corpus" / "real" / "flow"]
    files = sorted(f for folder in folders for f in folder.glob("*.flow"))
    without = [r for r in RULES if r != "implicit-fallthrough"]
    cases = silent_all = silent_without = 0
    by_rule: Counter = Counter()
    for path in files:
        text = path.read_text(encoding="utf-8")
        base = load_text(text, path.name, default_id=path.stem)
        base_without = load_text(text, path.name, default_id=path.stem, rules=without)
        lines = text.split("\n")
        for node in base.procedure.nodes:
            arrow = node.goto
            if arrow is None or arrow.label is not None:
                continue
            nxt = base.procedure.nodes[node.index + 1].id \
                if node.index + 1 < len(base.procedure.nodes) else None
            if arrow.target == nxt:
                continue  # deleting it changes nothing
            cases += 1
            cut = "\n".join(lines[:arrow.span.line - 1] + lines[arrow.span.line:])
            new_all = _new(base, load_text(cut, path.name, default_id=path.stem))
            new_without = _new(base_without, load_text(cut, path.name, default_id=path.stem,
                                                      rules=without))
            silent_all += not new_all
            silent_without += not new_without
            by_rule.update({r for r, _ in new_all})
    print(f"files: {len(files)} from {', '.join(str(f) for f in folders)}")
    print(f"graph-changing '-> TARGET' deleted one at a time: {cases}")
    print(f"silent without implicit-fallthrough: {silent_without} of {cases}")
    print(f"silent with every rule:              {silent_all} of {cases}")
    print("rules that revealed a deletion: " +
          ", ".join(f"{r} {n}" for r, n in by_rule.most_common()))
    return 0


def _new(before, after) -> set[tuple[str, str]]:
    """Diagnostics of ``after`` that ``before`` did not have (by rule and
    message: line numbers move when a line is deleted)."""
    old = Counter((d.rule, d.message) for d in before.diagnostics)
    new = Counter((d.rule, d.message) for d in after.diagnostics)
    return set(new - old)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
