"""The ``config`` rule, and the ``# flowsop: ignore[RULE]`` comments that the
runner applies after the rules have run (per node, on the line below)."""

from __future__ import annotations

import re
from difflib import get_close_matches
from typing import Iterable

from ...diagnostics import Diagnostic, Severity
from ...model import Procedure
from ..base import parse_rule

CONFIG = parse_rule("config", """
    The configuration, or an ignore comment, cannot be read.

    What it finds: in `flowsop.yaml` or `[tool.flowsop]` of a `pyproject.toml`
    (the nearest one above the checked path, or the file `--config` names):
    invalid YAML or TOML, an unknown key or rule name (with a did-you-mean), a
    severity other than off, warning or error, a rule that cannot be
    re-graded, a sentence length that is not a whole number, a similarity
    threshold outside 0 to 1, a `defaults.review_every` that is not a period.
    These are errors, and `flowsop check` exits with status 2. In a `.flow`
    file, an ignore comment that names an unknown rule is a warning.

    Why it matters: a setting flowsop cannot read would silently check the
    library with other rules than the team agreed on.

    Incorrect:
        [tool.flowsop]
        rules = {pasive-voice = "off"}
        max-sentence-words = "twenty"

    Correct:
        [tool.flowsop]
        rules = {passive-voice = "off", long-sentence = "error"}
        max-sentence-words = 25
        similarity-threshold = 0.6
        terms = ["MSP", "RMM"]

        [tool.flowsop.defaults]
        owner = "Service Desk Lead"
        review_every = "6 months"
        glossary = {PSA = "Professional services automation tool."}

    How to silence: correct the configuration; this rule cannot be turned off.
    A single node is exempt from a rule with a comment on the line above it:
    `# flowsop: ignore[passive-voice]` (several: `ignore[passive-voice, long-sentence]`).
    """)

_IGNORE = re.compile(r"flowsop:\s*ignore\b\s*(?:\[([^\]]*)\])?", re.IGNORECASE)
#: Rules read by the parser itself: an ignore comment cannot hide them.
_FIXED = ("syntax", "front-matter", "config")


def apply_ignores(procedure: Procedure, diagnostics: Iterable[Diagnostic],
                  known: Iterable[str], report: bool = True) -> list[Diagnostic]:
    """Drop the diagnostics that an ignore comment silences, and add a
    ``config`` warning for each ignore comment naming an unknown rule.

    A comment applies to the node on the first non-comment line below it
    (comments directly above a node form one block), and to the lines of that
    node: its attributes and branches, up to the next node.
    """
    diagnostics = list(diagnostics)
    if not procedure.comments or not any("flowsop" in c.text for c in procedure.comments):
        return diagnostics
    known = set(known)
    problems: list[Diagnostic] = []  # kept only when ``report``: once per file
    by_line: dict[int, set[str]] = {}
    for comment in procedure.comments:
        m = _IGNORE.match(comment.text)
        if not m:
            continue
        names = [n.strip() for n in (m.group(1) or "").split(",") if n.strip()]
        if not names:
            problems.append(Diagnostic(procedure.path, comment.span, Severity.WARNING, "config",
                                       "an ignore comment must name the rules it silences",
                                       "such as '# flowsop: ignore[passive-voice]'"))
        for name in names:
            if name not in known:
                close = get_close_matches(name, sorted(known), n=1, cutoff=0.6)
                problems.append(Diagnostic(
                    procedure.path, comment.span, Severity.WARNING, "config",
                    f"unknown rule '{name}' in the ignore comment",
                    f"did you mean '{close[0]}'?" if close else "'flowsop rules' lists them"))
        by_line[comment.span.line] = set(names) - set(_FIXED)
    comment_lines = {c.span.line for c in procedure.comments}
    regions = []  # (first line, last line, silenced rules)
    nodes = procedure.nodes
    for i, node in enumerate(nodes):
        silenced: set[str] = set()
        line = node.span.line - 1
        while line in comment_lines:
            silenced |= by_line.get(line, set())
            line -= 1
        if silenced:
            last = nodes[i + 1].span.line - 1 if i + 1 < len(nodes) else procedure.line_count
            regions.append((node.span.line, last, silenced))
    if not regions:
        return diagnostics + problems * report
    kept = [d for d in diagnostics
            if not any(lo <= d.span.line <= hi and d.rule in rules for lo, hi, rules in regions)]
    return kept + problems * report
