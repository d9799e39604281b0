"""What every rule shares: the Rule record, the Finding a rule yields, and
the context a procedure rule reads. A rule never prints and never raises for
a problem in the author's file; it yields findings with the model's spans."""

from __future__ import annotations

import datetime as _dt
import inspect
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from ..diagnostics import Severity, Span
from ..model import Node, Procedure


class Finding(NamedTuple):
    span: Span
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    #: "parse" rules are reported by the parse stage; "procedure" rules read one
    #: procedure; "library" rules read the whole library.
    stage: str
    check: Callable | None
    doc: str

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip()


def rule(name: str, severity: Severity, stage: str = "procedure"):
    """Mark a function as a rule. Its docstring is the rule's documentation:
    a one-line summary, then the sections of ``DOC_SECTIONS``."""

    def mark(fn: Callable) -> Callable:
        fn.rule = Rule(name, severity, stage, fn, inspect.cleandoc(fn.__doc__ or ""))
        return fn

    return mark


def parse_rule(name: str, doc: str, severity: Severity = Severity.ERROR) -> Rule:
    """A rule whose diagnostics come from the parse stage (no check function)."""
    return Rule(name, severity, "parse", None, inspect.cleandoc(doc))


def render_rule(name: str, severity: Severity, doc: str) -> Rule:
    """A rule whose diagnostics come from the render stage (no check function):
    what only laying out or exporting a chart can find."""
    return Rule(name, severity, "render", None, inspect.cleandoc(doc))


DOC_SECTIONS = ("What it finds", "Why it matters", "Incorrect", "Correct", "How to silence")


@dataclass
class Context:
    """One procedure as the procedure rules see it. Expensive views of the
    graph are computed once, on first use, and shared between rules."""

    procedure: Procedure
    graph: object                      # networkx.DiGraph from flowsop.graph
    today: _dt.date = field(default_factory=_dt.date.today)
    settings: dict = field(default_factory=dict)

    @cached_property
    def flow(self):
        from .support.flow_analysis import FlowAnalysis
        return FlowAnalysis(self.procedure, self.graph)

    @cached_property
    def streams(self):
        """Where parallel work fails to come together (``support.streams``),
        shared by join-deadlock and lack-of-synchronisation."""
        from .support.streams import analyse
        return analyse(self.graph)


def describe(node: Node) -> str:
    """How a message names a node: its ID, and its number where it has one."""
    if node.auto_id:
        return f"{node.kind} {node.number}" if node.number else f"the {node.kind} on line {node.span.line}"
    if node.number:
        return f"{node.kind} {node.number} '{node.id}'"
    return f"{node.kind} '{node.id}'"


Findings = Iterator[Finding]


@dataclass
class LibraryContext:
    """The whole library as the library rules see it. Procedures not asked
    about may be outlines (nodes with kind, ID, text, number, spans and
    arrows; no attributes; see ``flowsop.parse.outline``). A library rule
    yields ``(procedure, Finding)`` pairs: the procedure says which file the
    finding is reported in."""

    procedures: list                   # every Procedure of the library, in path order
    root: Path | None = None           # the library's folder (absolute), None for stdin alone
    settings: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)    # procedure.path -> its file (absolute)
    #: False when the other procedures are unknown (standard input outside a
    #: library): rules that need them stay quiet rather than guess.
    complete: bool = True

    @cached_property
    def by_id(self) -> dict[str, list[Procedure]]:
        out: dict[str, list[Procedure]] = {}
        for p in self.procedures:
            out.setdefault(p.id, []).append(p)
        return out

    def name(self, procedure: Procedure) -> str:
        """How a message names another procedure's file."""
        return procedure.path


LibraryFindings = Iterator[tuple[Procedure, Finding]]
