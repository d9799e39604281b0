"""Property tests at the API level: whatever the text, ``load_text`` returns
diagnostics (it never raises), and every diagnostic points inside the file.

"Inside" means: 1 <= line <= the number of lines, and 1 <= column <= the
length of that line + 1 (one past the end: where a missing token would go).
Lines are counted as flowsop counts them (LF, CRLF or a lone CR; a BOM is not a
character).
"""

from __future__ import annotations

import datetime as _dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DIAGRAMS, file_lines
from flowsop.api import load_text

TODAY = _dt.date(2026, 11, 26)
BUDGET = settings(max_examples=200, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Pieces of the language and of YAML, so that random text often looks like a
# procedure and reaches deep into the parser and the checks.
PIECES = ["start", "step", "decide", "call", "end", "lane", "link", "note", "duration",
          "warning", ":", "->", "-", ">", "#", " ", "  ", "\t", "\n", "\r\n", "\r", "a", "b_c",
          "x-y", "yes", "no", "\"", "'", "---", "---\n", "title: ", "scope:\n  begins: ",
          "- ", "[", "]", "{", "}", "!!python/object:x ", "&a ", "*a", "é", "日本", "\ufeff",
          "\x00", "\x85", "\u2028", "\x0b", "\x0c", "1.10", "2026-13-01", "javascript:x"]

pieces_text = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
any_text = st.text(max_size=300)
DIAGRAM_TEXTS = sorted((p.name, p.read_text(encoding="utf-8")) for p in DIAGRAMS.glob("*.flow"))


def assert_inside(text: str) -> None:
    loaded = load_text(text, "prop.flow", today=TODAY)
    lines = file_lines(text)
    for d in loaded.diagnostics:
        assert 1 <= d.line <= len(lines), (d, len(lines))
        assert 1 <= d.column <= len(lines[d.line - 1]) + 1, (d, lines[d.line - 1])
        assert d.message and d.rule


@BUDGET
@given(st.one_of(any_text, pieces_text))
def test_random_text_never_raises_and_points_inside(text):
    assert_inside(text)


@BUDGET
@given(st.lists(st.one_of(pieces_text, any_text), min_size=1, max_size=8).map("\n".join))
def test_random_lines_never_raise_and_point_inside(text):
    assert_inside(text)


@st.composite
def mutated_diagram(draw):
    """A real procedure with a few lines deleted or duplicated and characters inserted."""
    _, text = draw(st.sampled_from(DIAGRAM_TEXTS))
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "swap"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            at = draw(st.integers(0, len(lines[i])))
            extra = draw(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)))
            lines[i] = lines[i][:at] + extra + lines[i][at:]
    return "\n".join(lines)


@BUDGET
@given(mutated_diagram())
def test_mutated_diagrams_never_raise_and_point_inside(text):
    assert_inside(text)


def test_the_examples_are_clean():
    # The starting point of the mutations: every example checks clean.
    for name, text in DIAGRAM_TEXTS:
        assert load_text(text, name, today=TODAY).diagnostics == [], name
