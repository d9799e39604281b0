"""Diagnostics → SARIF 2.1.0, for code-scanning views in CI (GitHub, GitLab,
Azure DevOps) and editors' SARIF viewers. ``flowsop check --format sarif``.

An output format of the diagnostics, beside ``diagnostics.format_text`` and
``format_json``: it reads diagnostics and the rule registry, nothing else.
Every rule id is stable: every diagnostic flowsop makes, the parse and render
stages' included, has a rule in ``checks.RULES``, whose docstring becomes the
rule's help; all are declared in ``tool.driver.rules``.
Columns count Unicode code points, as flowsop's spans do
(``columnKind: unicodeCodePoints``). Paths are written relative to where
flowsop ran (normally the repository root), so the log is the same on every
machine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable
from urllib.parse import quote

from .. import __version__
from ..diagnostics import Diagnostic

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/flowsop/flowsop"
#: Relative paths are relative to where flowsop ran (a CI job's checkout).
URI_BASE = "%SRCROOT%"

def to_sarif(diagnostics: Iterable[Diagnostic]) -> dict:
    """A SARIF log (as a dict) with one run holding every diagnostic."""
    diagnostics = list(diagnostics)
    descriptors = rule_descriptors(d.rule for d in diagnostics)
    index = {r["id"]: n for n, r in enumerate(descriptors)}
    results = [_result(d, index[d.rule]) for d in diagnostics]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "flowsop", "version": __version__,
                                "semanticVersion": __version__,
                                "informationUri": INFORMATION_URI, "rules": descriptors}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def format_sarif(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps(to_sarif(diagnostics), indent=2, ensure_ascii=False)


def rule_descriptors(extra: Iterable[str] = ()) -> list[dict]:
    """Every rule flowsop can report, in the registry's order, then any other
    name found in ``extra`` (a diagnostic of a plug-in, say)."""
    from ..checks import RULES

    out = []
    for name, rule in RULES.items():
        out.append(_descriptor(name, rule.summary, rule.doc, rule.severity.value,
                               _section(rule.doc, "What it finds")))
    known = {r["id"] for r in out}
    for name in sorted(set(extra) - known):
        out.append(_descriptor(name, f"flowsop rule {name}.", f"flowsop rule {name}.", "warning"))
    return out


def artifact_location(path: str) -> dict:
    """Where a diagnostic's file is: a URI relative to where flowsop ran
    (``%SRCROOT%``), so the log is the same on every machine; a file given by
    an absolute path outside that folder gets a ``file://`` URI."""
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path)
        except ValueError:  # another drive (Windows)
            relative = None
        if relative is None or relative.startswith(".."):
            return {"uri": Path(path).as_uri()}
        path = relative
    return {"uri": artifact_uri(path), "uriBaseId": URI_BASE}


def artifact_uri(path: str) -> str:
    """A relative path as a URI reference (``\\`` → ``/``, spaces and other
    characters percent-encoded)."""
    return quote(path.replace("\\", "/"), safe="/-._~!$&'()*+,;=:@")


# ------------------------------------------------------------------ helpers

def _descriptor(name: str, summary: str, doc: str, level: str,
                finds: str | None = None) -> dict:
    return {
        "id": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": finds or summary},
        "help": {"text": doc.strip() or summary},
        "defaultConfiguration": {"level": level},
    }


def _section(doc: str, heading: str) -> str | None:
    """The paragraph of a rule's docstring that starts with ``heading:``."""
    for paragraph in doc.split("\n\n"):
        if paragraph.startswith(heading + ":"):
            return " ".join(paragraph[len(heading) + 1:].split())
    return None


def _result(d: Diagnostic, rule_index: int) -> dict:
    region = {"startLine": max(1, d.span.line), "startColumn": max(1, d.span.column)}
    if d.span.end_line >= d.span.line and d.span.end_column >= 1 and d.span.end_line:
        if (d.span.end_line, d.span.end_column) > (d.span.line, d.span.column):
            region["endLine"] = d.span.end_line
            region["endColumn"] = d.span.end_column
    text = d.message if not d.hint else f"{d.message}\nHint: {d.hint}"
    return {
        "ruleId": d.rule,
        "ruleIndex": rule_index,
        "level": d.severity.value,
        "message": {"text": text},
        "locations": [{"physicalLocation": {
            "artifactLocation": artifact_location(d.path),
            "region": region,
        }}],
    }
