"""Shared helpers for the tests: a pinned "today" and small loaders.

Everything that depends on the calendar (review-overdue) runs with TODAY, so
no test turns red as time passes.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

import pytest

from flowsop.api import load_text

REPO = Path(__file__).resolve().parents[1]
DIAGRAMS = REPO / "diagrams"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
TODAY = _dt.date(2026, 11, 26)
TODAY_ARG = TODAY.isoformat()

def check_golden(name: str, got: str) -> None:
    """Compare ``got`` with ``tests/golden/<name>``. A mismatch writes the
    git-ignored ``<stem>.got.<ext>`` beside it for review; after reviewing,
    ``FLOWSOP_UPDATE_GOLDEN=1`` accepts it."""
    golden = GOLDEN / name
    stem, ext = name.rsplit(".", 1)
    got_path = GOLDEN / f"{stem}.got.{ext}"
    if os.environ.get("FLOWSOP_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got, encoding="utf-8", newline="")
        got_path.unlink(missing_ok=True)
    expected = golden.read_text(encoding="utf-8") if golden.exists() else None
    if got != expected:
        got_path.write_text(got, encoding="utf-8", newline="")
        pytest.fail(f"{name} differs (see {got_path.name}); review it, then accept with "
                    "FLOWSOP_UPDATE_GOLDEN=1")
    got_path.unlink(missing_ok=True)


#: The title page every SOP should carry, so that tests about the body are not
#: also about missing-metadata.
FRONT = """\
---
title: A test procedure
version: 1.0.0
owner: Test Lead
created: 2026-01-10
modified: 2026-11-02
purpose: Exercise one reading of the language.
scope:
  begins: A test starts.
  ends: The test ends.
---
"""


#: The rules of issue 2 (the structural checks). Tests about cascades compare
#: exact lists of these, so that rules added later (style, library) do not
#: change what those tests are about.
STRUCTURE_RULES = ("syntax", "front-matter", "duplicate-id", "undefined-target",
                   "missing-start", "missing-end", "dead-end", "unreachable", "no-exit",
                   "decision-branches", "duplicate-branch", "end-has-next")


def load(text: str, path: str = "t.flow", **kwargs):
    """``api.load_text`` with today pinned."""
    kwargs.setdefault("today", TODAY)
    return load_text(text, path, **kwargs)


def found(text: str, **kwargs) -> list[tuple[str, int, int]]:
    """(rule, line, column) of every diagnostic, in report order."""
    return [(d.rule, d.line, d.column) for d in load(text, **kwargs).diagnostics]


def rules_found(text: str, **kwargs) -> list[str]:
    return [d.rule for d in load(text, **kwargs).diagnostics]


def file_lines(text: str) -> list[str]:
    """The file's lines as flowsop counts them: LF, CRLF and lone CR end a line;
    a byte order mark is not a character."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@pytest.fixture
def outside_cwd(tmp_path, monkeypatch):
    """Run from a temporary folder outside the repository."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
