"""Render stage, text of the flowchart: wrapping, width estimates, and which
characters the bundled engine can draw (the ``unsupported-script`` warning
and the switch to a system ``dot``). Used by ``dot.py``.

The layout engine sizes each box from its own estimate of the text's width.
graphviz-pure knows Helvetica's widths for ASCII only and counts every byte of
a non-ASCII character as a space (it says so on stderr), so "Ö" gets 0.56 em
instead of 0.78 em and a CJK character 0.83 em instead of 1 em. ``dot.py``
compares that guess (``engine_width``) with a better one (``text_width``) and
widens the label where the engine would make the box too narrow.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

from ..procedure import Item, NumberedProcedure

# Helvetica and Helvetica-Bold advance widths (1/1000 em) for ASCII 32..126,
# from Adobe's AFM files: the metrics Graphviz and graphviz-pure size text by.
_REGULAR = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584)
_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584)
# Letters that do not decompose to an ASCII base, and common punctuation.
_SPECIAL = {"ß": 611, "æ": 889, "Æ": 1000, "ø": 611, "Ø": 778, "œ": 944, "Œ": 1000,
            "ð": 556, "Ð": 722, "þ": 556, "Þ": 667, "ł": 222, "Ł": 556, "đ": 556,
            "ı": 278, "€": 556, "£": 556, "©": 737, "®": 737, "°": 400, "–": 556,
            "—": 1000, "…": 1000, "•": 350, "«": 556, "»": 556, "\u00a0": 278}
_SPACE = 278

# Code points graphviz-pure 0.2.2 draws in PNG with its bundled fonts (Arimo,
# Tinos, Cousine), inclusive ranges. Found by drawing every code point of the
# candidate blocks and comparing with the empty box it draws for a missing one.
_DRAWABLE = (
    (0x20, 0x7E), (0xA0, 0x52F), (0x591, 0x5F4), (0x1E00, 0x1FFE), (0x2000, 0x2071),
    (0x2074, 0x209C), (0x20A0, 0x20BE), (0x2100, 0x214F), (0x2153, 0x2154),
    (0x215B, 0x215E), (0x2190, 0x2195), (0x21A8, 0x21A8), (0x2202, 0x2202),
    (0x2206, 0x2206), (0x220F, 0x220F), (0x2211, 0x2212), (0x2215, 0x2215),
    (0x2219, 0x221A), (0x221E, 0x221F), (0x2229, 0x2229), (0x222B, 0x222B),
    (0x2248, 0x2249), (0x2260, 0x2262), (0x2264, 0x2265), (0x2302, 0x2302),
    (0x2310, 0x2310), (0x2320, 0x2321), (0x2500, 0x2502), (0x250C, 0x256C),
    (0x2580, 0x2593), (0x25A0, 0x25A1), (0x25AA, 0x25AC), (0x25B2, 0x25B2),
    (0x25BA, 0x25BA), (0x25BC, 0x25BC), (0x25C4, 0x25C4), (0x25CA, 0x25CC),
    (0x25CF, 0x25CF), (0x25D8, 0x25D9), (0x25E6, 0x25E6), (0x263A, 0x263C),
    (0x2640, 0x2642), (0x2660, 0x266F), (0xFB01, 0xFB04), (0xFB1D, 0xFB4F))
_DRAWABLE_STARTS = [lo for lo, _ in _DRAWABLE]
# Spaces, controls and format characters draw nothing, with or without a font.
_INVISIBLE = ("Zs", "Zl", "Zp", "Cc", "Cf")


@dataclass(frozen=True)
class Line:
    """One line of a label: runs of (text, bold), a font size, a colour."""

    runs: tuple[tuple[str, bool], ...]
    size: int
    color: str | None = None

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.runs)


def check_text_support(numbered: NumberedProcedure,
                       engine: str = "graphviz-pure") -> list[TextWarning]:
    """Warnings (rule ``unsupported-script``) for characters that the bundled
    engine draws as empty boxes in PNG (CJK, Arabic, Indic scripts, emoji, most
    symbols). Nothing for ``dot``, which uses the system's fonts. When a
    system ``dot`` is installed, ``choose_engine`` switches to it."""
    if engine != "graphviz-pure":
        return []
    found: dict[str, None] = {}
    first: Item | None = None
    for item in numbered.items:
        chars = unsupported_chars(_chart_text(item))
        if chars and first is None:
            first = item
        found.update(dict.fromkeys(chars))
    if not found:
        return []
    from .engine import system_dot_available

    sample = "".join(list(found)[:10]) + ("…" if len(found) > 10 else "")
    if system_dot_available():
        action = "the system Graphviz `dot` is used instead"
    else:
        action = "install Graphviz and render with `--engine dot` for PNG charts"
    return [TextWarning(first.line if first else 1,
                        f"the bundled layout engine cannot draw {len(found)} "
                        f"character{'s' if len(found) > 1 else ''} of this procedure ({sample}): "
                        "its PNG chart shows them as empty boxes",
                        action)]


@dataclass(frozen=True)
class TextWarning:
    """One ``unsupported-script`` warning: where, what, and what to do."""

    line: int
    message: str
    hint: str


def choose_engine(numbered: NumberedProcedure, requested: str) -> str:
    """The requested engine, except that text the bundled engine cannot draw
    is laid out by a system ``dot`` when one is installed."""
    from .engine import system_dot_available

    if requested == "graphviz-pure" and system_dot_available() and any(
            unsupported_chars(_chart_text(item)) for item in numbered.items):
        return "dot"
    return requested


def _chart_text(item: Item) -> str:
    """Everything the chart draws for ``item``: text, warnings, branch labels, lane."""
    return " ".join([item.label, *item.warnings, *(n.label or "" for n in item.next),
                     item.lane or ""])


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap at ``width`` cells (East Asian wide characters take
    two); a word longer than a line is cut. Deterministic, whitespace collapsed."""
    lines: list[str] = []
    current, used = "", 0
    for word in text.split():
        w = cells(word)
        while w > width:  # cut an over-long word (a URL, a CJK sentence)
            if current:
                lines.append(current)
                current, used = "", 0
            head, word = _cut(word, width)
            lines.append(head)
            w = cells(word)
        if not word:
            continue
        if current and used + 1 + w > width:
            lines.append(current)
            current, used = "", 0
        current, used = (f"{current} {word}", used + 1 + w) if current else (word, w)
    if current or not lines:
        lines.append(current)
    return lines


def cells(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_width(line: Line) -> float:
    """Our estimate of the drawn width of ``line`` in points."""
    return sum(char_width(c, bold) for t, bold in line.runs for c in t) * line.size / 1000


def engine_width(line: Line) -> float:
    """graphviz-pure's estimate of the same width (non-ASCII: a space per byte)."""
    total = 0
    for t, bold in line.runs:
        table = _BOLD if bold else _REGULAR
        for c in t:
            o = ord(c)
            total += table[o - 32] if 32 <= o <= 126 else _SPACE * len(c.encode("utf-8"))
    return total * line.size / 1000


def char_width(c: str, bold: bool = False) -> int:
    table = _BOLD if bold else _REGULAR
    o = ord(c)
    if 32 <= o <= 126:
        return table[o - 32]
    if c in _SPECIAL:
        return _SPECIAL[c]
    if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(c) in "WF":
        return 1000
    base = unicodedata.normalize("NFD", c)[0]
    if 32 <= ord(base) <= 126:
        return table[ord(base) - 32]
    # Greek, Cyrillic, Hebrew and the rest: a generous average letter.
    return 722 if unicodedata.category(c) == "Lu" else 611


def drawable(c: str) -> bool:
    """Whether graphviz-pure's bundled fonts have a glyph for ``c``."""
    o = ord(c)
    i = bisect_right(_DRAWABLE_STARTS, o) - 1
    return i >= 0 and o <= _DRAWABLE[i][1]


def unsupported_chars(text: str) -> list[str]:
    """The distinct characters of ``text`` the bundled engine cannot draw, in order."""
    out: dict[str, None] = {}
    for c in text:
        if c > "~" and not drawable(c) and unicodedata.category(c) not in _INVISIBLE:
            out[c] = None
    return list(out)


def _cut(word: str, width: int) -> tuple[str, str]:
    used = 0
    for i, c in enumerate(word):
        used += 2 if unicodedata.east_asian_width(c) in "WF" else 1
        if used > width:
            return word[:max(i, 1)], word[max(i, 1):]
    return word, ""
