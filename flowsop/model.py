"""The parsed model: what ``parse`` hands to ``graph`` and the checks.

Plain frozen dataclasses, span first, so every later stage can point back at
the author's line and column. Nothing here knows about Lark or networkx.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from .core.periods import add_period, parse_period
from .diagnostics import Span



@dataclass(frozen=True)
class Kind:
    """What a node kind is, for every stage: one row per keyword. Renderers add
    only its shape; everything else reads these fields, never the name."""

    name: str
    numbered: bool = True     # gets a step number, in file order
    branches: bool = False    # its arrows are labelled branches, one of which is taken
    streams: bool = False     # every arrow is taken at once: parallel work begins here
    joins: bool = False       # continues only when every stream of its parallel has arrived
    waits: bool = False       # waits for an event; may take a `timeout: DURATION -> TARGET`
    terminal: bool = False    # the flow stops here: no arrow leaves it
    entry: bool = False       # the procedure begins here
    calls: bool = False       # its text is the id of another procedure, which it runs;
                              # arrows named by that procedure's end ids branch on its outcome
    empty_text: bool = False  # may be written without text (a warning, not an error)

    @property
    def fans_out(self) -> bool:
        """Its arrows are several, each written as its own line under it."""
        return self.branches or self.streams


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("start", numbered=False, entry=True, empty_text=True),
    Kind("step"),
    Kind("decide", branches=True),
    Kind("parallel", streams=True),
    Kind("join", joins=True),
    Kind("wait", waits=True),
    Kind("call", calls=True),
    Kind("end", numbered=False, terminal=True, empty_text=True),
)}
NODE_KINDS = tuple(KINDS)
#: Kinds that get a step number (in file order); starts and ends do not.
NUMBERED_KINDS = tuple(k.name for k in KINDS.values() if k.numbered)
ATTRIBUTE_KEYS = ("link", "note", "duration", "warning", "timeout")
#: Attributes that may appear more than once under one node.
REPEATABLE_ATTRIBUTES = ("link", "note")


@dataclass(frozen=True)
class Attribute:
    span: Span
    key: str
    value: str


@dataclass(frozen=True)
class Arrow:
    """A ``-> TARGET`` (label None) or a ``LABEL -> TARGET``: a decide's
    branch, a parallel's stream, a call's outcome (the label is an end id of
    the called procedure), a labelled arrow under a node with one next node
    (the label is a condition), or a wait's ``timeout:``."""

    span: Span            # the whole line, from its first character
    target: str
    target_span: Span
    label: str | None = None
    #: "branch", "stream", "outcome", "timeout", or None for a node's one next arrow.
    role: str | None = None


@dataclass(frozen=True)
class Node:
    span: Span            # the statement's keyword
    kind: str             # one of NODE_KINDS
    id: str
    text: str             # for a call: the called procedure's id
    lane: str | None
    number: int | None    # step number shown in chart and text; None for start/end
    index: int            # position among all nodes, in file order
    auto_id: bool = False # the ID was generated, not written by the author
    id_span: Span | None = None
    text_span: Span | None = None
    attributes: tuple[Attribute, ...] = ()
    branches: tuple[Arrow, ...] = ()
    goto: Arrow | None = None
    timeout: Arrow | None = None   # a wait's `timeout: DURATION -> TARGET`

    @property
    def info(self) -> Kind:
        """This node's row of ``KINDS``."""
        return KINDS[self.kind]

    @property
    def arrows(self) -> tuple[Arrow, ...]:
        """Every arrow written under the node, in file order of kind:
        branches (or streams, outcomes), its one next arrow, its timeout."""
        return (*self.branches, *((self.goto,) if self.goto else ()),
                *((self.timeout,) if self.timeout else ()))

    def attrs(self, key: str) -> list[str]:
        return [a.value for a in self.attributes if a.key == key]

    def attr(self, key: str) -> str | None:
        values = self.attrs(key)
        return values[0] if values else None


@dataclass(frozen=True)
class Lane:
    span: Span
    name: str


@dataclass(frozen=True)
class Comment:
    span: Span
    text: str             # without the leading "#", stripped


@dataclass(frozen=True)
class Change:
    span: Span
    version: str | None = None
    date: str | None = None
    by: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Meta:
    """The title page (front matter). Values are kept as written; ``spans``
    gives the line of each key (dotted for nested keys: ``scope.begins``)."""

    title: str | None = None
    id: str | None = None
    version: str | None = None
    owner: str | None = None
    created: str | None = None
    modified: str | None = None
    reviewed: str | None = None
    review_every: str | None = None
    purpose: str | None = None
    scope_begins: str | None = None
    scope_ends: str | None = None
    has_scope: bool = False
    glossary: tuple[tuple[str, str], ...] = ()
    equipment: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()
    spans: dict[str, Span] = field(default_factory=dict, compare=False, hash=False)

    def span_of(self, key: str) -> Span:
        return self.spans.get(key, Span(1, 1))


@dataclass(frozen=True)
class Procedure:
    """One ``.flow`` file: title page and body, as written."""

    path: str
    id: str
    meta: Meta
    nodes: tuple[Node, ...]
    lanes: tuple[Lane, ...] = ()
    comments: tuple[Comment, ...] = ()
    line_count: int = 0
    #: False when the body could not be located (an unclosed front matter), so
    #: that body rules do not pile up cascading diagnostics.
    body_found: bool = True
    #: Lines the parser dropped, with its best guess of what was meant:
    #: (the syntax error's span, the keyword to read instead, or None when the
    #: node's text was missing). The pipeline uses them to tell which other
    #: diagnostics only follow from the dropped node.
    repairs: tuple[tuple[Span, str | None], ...] = field(default=(), compare=False)

    @property
    def title(self) -> str:
        return self.meta.title or self.id

    def node(self, node_id: str) -> Node | None:
        return self.by_id.get(node_id)

    @property
    def by_id(self) -> dict[str, Node]:
        # First declaration wins; a second is a duplicate-id diagnostic.
        cache = self.__dict__.get("_by_id")
        if cache is None:
            cache = {}
            for n in self.nodes:
                cache.setdefault(n.id, n)
            object.__setattr__(self, "_by_id", cache)
        return cache

    def successors(self, node: Node) -> list[tuple[Arrow | None, str]]:
        """Where the flow goes after ``node``, as written: (arrow, target id).

        The arrow is None for the implicit "next node in file order". A
        target may not exist (that is the undefined-target rule's business).
        """
        info = node.info
        if info.terminal:
            return []
        if info.fans_out or node.branches:   # a call's outcomes are branches too
            out = [(b, b.target) for b in node.branches]
        elif node.goto is not None:
            out = [(node.goto, node.goto.target)]
        elif node.index + 1 < len(self.nodes):
            out = [(None, self.nodes[node.index + 1].id)]
        else:
            out = []
        if node.timeout is not None:
            out.append((node.timeout, node.timeout.target))
        return out


def parse_date(value: str | None) -> _dt.date | None:
    """An ISO date (YYYY-MM-DD), or None when absent or not a date."""
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def any_value(value: Any) -> str:
    return "" if value is None else str(value)


def last_review(meta: Meta) -> _dt.date | None:
    dates = [d for d in (parse_date(meta.modified), parse_date(meta.reviewed)) if d]
    return max(dates) if dates else None


def next_review(meta: Meta, defaults: dict | None = None) -> _dt.date | None:
    """The date of the next review, or None when it cannot be computed."""
    period = parse_period(meta.review_every or (defaults or {}).get("review_every"))
    last = last_review(meta)
    return add_period(last, period) if period and last else None
