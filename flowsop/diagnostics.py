"""Diagnostics: the one value every stage produces and the CLI prints.

A stage never prints and never raises for a mistake in the author's file: it
returns diagnostics, and the run goes on with a partial result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, NamedTuple


class Span(NamedTuple):
    """A place in a source file.

    Lines and columns are 1-based, and columns count characters (Unicode code
    points), not bytes. ``end_line``/``end_column`` point just past the last
    character; 0 means a point span. (A NamedTuple: spans are made for every
    token of a 100,000-line file, and tuples are cheap.)
    """

    line: int = 1
    column: int = 1
    end_line: int = 0
    end_column: int = 0

    @classmethod
    def of_token(cls, token) -> "Span":
        """The span of a Lark token (Lark counts lines and columns from 1 too)."""
        return cls(token.line, token.column, token.end_line, token.end_column)


FILE_START = Span(1, 1)


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Diagnostic:
    path: str
    span: Span
    severity: Severity
    rule: str
    message: str
    hint: str | None = field(default=None, compare=False)
    #: Where the syntax error is that this diagnostic only follows from (a
    #: dropped node): it is listed right after that error, and marked so.
    consequence_of: Span | None = field(default=None, compare=False)

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def sort_key(self) -> tuple:
        # A consequence sorts right after the error it follows from.
        cause = self.consequence_of or self.span
        return (self.path, cause.line, cause.column, self.consequence_of is not None,
                self.span.line, self.span.column, self.rule, self.message)

    def to_json(self) -> dict:
        out = {
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "severity": self.severity.value,
            "rule": self.rule,
            "message": self.message,
        }
        if self.hint:
            out["hint"] = self.hint
        if self.consequence_of is not None:
            out["consequence_of"] = {"line": self.consequence_of.line,
                                     "column": self.consequence_of.column}
        return out


def tidy(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by place, with exact repeats removed."""
    seen: set = set()
    out = []
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        key = (d.path, d.span.line, d.span.column, d.rule, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    return any(d.severity is Severity.ERROR or strict for d in diagnostics)


# ------------------------------------------------------------------ output

_COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m", "bold": "\033[1m",
            "hint": "\033[36m", "caret": "\033[1;32m", "reset": "\033[0m"}


def format_text(d: Diagnostic, source_lines: list[str] | None = None,
                colour: bool = False) -> str:
    """``path:line:col: severity[rule]: message``, then the source line with a
    caret under the column, then the hint."""
    c = _COLOURS if colour else {k: "" for k in _COLOURS}
    sev = d.severity.value
    head = (f"{c['bold']}{d.path}:{d.line}:{d.column}:{c['reset']} "
            f"{c[sev]}{sev}[{d.rule}]{c['reset']}: {d.message}")
    lines = [head]
    if source_lines is not None and 1 <= d.line <= len(source_lines):
        text = source_lines[d.line - 1].expandtabs(1)
        if len(text) > 200:
            # A 1 MB line helps nobody: show a window around the column.
            lo = max(0, d.column - 100)
            text, col = text[lo:lo + 200], d.column - lo
        else:
            col = d.column
        width = 1
        if d.span.end_line == d.line and d.span.end_column > d.column:
            width = min(d.span.end_column - d.column, max(1, len(text) - col + 1))
        lines.append(f"  {d.line:>4} | {text}")
        lines.append(f"       | {' ' * (col - 1)}{c['caret']}{'^' * width}{c['reset']}")
    if d.hint:
        lines.append(f"       = {c['hint']}hint{c['reset']}: {d.hint}")
    if d.consequence_of is not None:
        lines.append(f"       = note: this follows from the error on line "
                     f"{d.consequence_of.line}; fix that one first")
    return "\n".join(lines)


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2, ensure_ascii=False)
