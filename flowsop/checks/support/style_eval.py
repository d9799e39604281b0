"""Measure the style rules on the labelled corpus (``tests/style_corpus.tsv``).

Each corpus row becomes a one-node procedure that the real rule functions
check, so the figures are those of the rules as ``flowsop check`` runs them.

    python -m flowsop.checks.support.style_eval [CORPUS] [--errors]

prints precision and recall per rule (``--errors`` also lists every
disagreement). ``tests/test_style_corpus.py`` asserts the targets.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ...diagnostics import Span
from ...model import Meta, Node, Procedure
from ..rules import style
from ..base import Context

#: rule name → corpus column it is measured against
MEASURED = {"long-sentence": "long", "passive-voice": "passive",
            "multiple-actions": "multi", "undefined-term": "undefined"}
DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "tests" / "style_corpus.tsv"


@dataclass(frozen=True)
class Row:
    line: int
    kind: str
    text: str
    labels: dict


@dataclass
class Score:
    rule: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def read_corpus(path: str | Path = DEFAULT_CORPUS) -> tuple[list[Row], list[str]]:
    """The rows and the glossary of the corpus file."""
    rows, glossary, header = [], [], None
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("# glossary:"):
            glossary = line.split(":", 1)[1].split()
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        values = dict(zip(header, cells))
        undefined = values["undefined"].strip()
        labels = {"passive": values["passive"] == "y", "multi": values["multi"] == "y",
                  "long": values["long"] == "y",
                  "undefined": frozenset() if undefined == "-" else
                  frozenset(t.strip() for t in undefined.split(","))}
        rows.append(Row(number, values["kind"], values["text"], labels))
    return rows, glossary


def predict(row: Row, glossary: list[str], settings: dict | None = None) -> dict:
    """What each measured rule says about one row."""
    procedure = _procedure(row, glossary)
    ctx = Context(procedure, None, settings=settings or {})
    out = {}
    for name, column in MEASURED.items():
        findings = list(getattr(style, name.replace("-", "_"))(ctx))
        if column == "undefined":
            out[column] = frozenset(f.message.split("'")[1] for f in findings)
        else:
            out[column] = bool(findings)
    return out


def evaluate(path: str | Path = DEFAULT_CORPUS) -> tuple[dict[str, Score], int]:
    rows, glossary = read_corpus(path)
    scores = {name: Score(name) for name in MEASURED}
    for row in rows:
        got = predict(row, glossary)
        for name, column in MEASURED.items():
            score, want, have = scores[name], row.labels[column], got[column]
            if column == "undefined":
                score.tp += len(want & have)
                score.fp += len(have - want)
                score.fn += len(want - have)
                if want != have:
                    score.errors.append((row, sorted(want), sorted(have)))
                continue
            key = {(True, True): "tp", (False, True): "fp", (True, False): "fn",
                   (False, False): "tn"}[(want, have)]
            setattr(score, key, getattr(score, key) + 1)
            if want != have:
                score.errors.append((row, want, have))
    return scores, len(rows)


def table(scores: dict[str, Score], count: int) -> str:
    lines = [f"{count} labelled sentences", "",
             "| rule | precision | recall | true pos. | false pos. | false neg. |",
             "|---|---:|---:|---:|---:|---:|"]
    for s in scores.values():
        lines.append(f"| `{s.rule}` | {s.precision:.2f} | {s.recall:.2f} | {s.tp} | {s.fp} "
                     f"| {s.fn} |")
    return "\n".join(lines)


def _procedure(row: Row, glossary: list[str]) -> Procedure:
    node = Node(span=Span(row.line, 1), kind=row.kind, id="n", text=row.text, lane=None,
                number=1, index=0, text_span=Span(row.line, len(row.kind) + 3))
    meta = Meta(glossary=tuple((t, t) for t in glossary))
    return Procedure(path="corpus", id="corpus", meta=meta, nodes=(node,))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m flowsop.checks.support.style_eval",
                                description="Precision and recall of the style rules.")
    p.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    p.add_argument("--errors", action="store_true", help="list every disagreement")
    args = p.parse_args(argv)
    scores, count = evaluate(args.corpus)
    print(table(scores, count))
    if args.errors:
        for s in scores.values():
            for row, want, have in s.errors:
                print(f"{s.rule}\tline {row.line}\twant {want}\tgot {have}\t{row.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
