"""Numbering stage: model + graph → the renderer-neutral numbered procedure.

Computed once and read by every renderer (flowchart, written SOP, checklist,
CSV, Mermaid), so the chart and the text cannot disagree: they show the same
numbers, the same "go to step N" sentences and the same outcomes. Phrases are
plain text; a renderer adds its own markup and escaping.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from .model import KINDS, Kind, Meta, Node, Procedure, next_review
from .core.durations import format_minutes, read_duration


@dataclass(frozen=True)
class Segment:
    """A piece of a node's text; ``term`` is set where a glossary term is used
    for the first time in the procedure (renderers link it to the glossary)."""

    text: str
    term: str | None = None


@dataclass(frozen=True)
class Next:
    """One way forward from a node, as the written SOP says it."""

    label: str | None          # the branch label, None for plain flow
    target: str                # node ID
    number: int | None         # the target's step number (None for start/end)
    kind: str                  # the target's kind
    phrase: str                # "continue with step 3", "go to step 4", "the procedure ends: …"
    outcome: str | None = None # the end's text, when the target is an end
    implicit: bool = False     # the next node in file order, nothing written

    @property
    def info(self) -> Kind:
        """The target's row of ``model.KINDS``."""
        return KINDS[self.kind]


@dataclass(frozen=True)
class Item:
    """One node of the procedure, in file order, with everything to render it."""

    id: str
    anchor: str                # HTML anchor, from the ID: survives renumbering
    kind: str
    number: int | None
    text: str
    segments: tuple[Segment, ...]
    lane: str | None
    notes: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    duration: str | None = None        # as written
    minutes: float | None = None       # None when absent or unreadable
    next: tuple[Next, ...] = ()
    call_id: str | None = None         # for a call: the called procedure's id
    call_title: str | None = None
    reachable: bool = True
    line: int = 0

    @property
    def info(self) -> Kind:
        """This item's row of ``model.KINDS``."""
        return KINDS[self.kind]

    @property
    def label(self) -> str:
        """What the chart shows on the node: "4. Book the next free slot"."""
        if self.info.calls:
            return f"{self.number}. {self.call_title or self.call_id}"
        return f"{self.number}. {self.text}" if self.number else self.text

    @property
    def sentences(self) -> list[str]:
        """The flow sentences after the step's text, as plain text."""
        out = []
        if self.info.branches:
            for n in self.next:
                out.append(f"If {n.label}, {n.phrase}.")
        else:
            for n in self.next:
                if not n.implicit:
                    out.append(f"Then {n.phrase}.")
        return out


@dataclass(frozen=True)
class NumberedProcedure:
    id: str
    title: str
    meta: Meta
    path: str
    items: tuple[Item, ...]
    lanes: tuple[str, ...]
    next_review: _dt.date | None
    #: (source id, target id, label or None) for every edge of the graph, in file order.
    edges: tuple[tuple[str, str, str | None], ...] = ()
    calls: tuple[str, ...] = ()
    total_minutes: float | None = None
    #: (source id, target id) → the role of the arrows behind that edge
    #: ("branch", "stream", "outcome", "timeout"; absent for plain flow).
    edge_roles: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def triggers(self) -> list[Item]:
        return [i for i in self.items if i.info.entry]

    @property
    def steps(self) -> list[Item]:
        return [i for i in self.items if i.number is not None]

    @property
    def outcomes(self) -> list[Item]:
        return [i for i in self.items if i.info.terminal]

    @property
    def total_duration(self) -> str | None:
        return format_minutes(self.total_minutes) if self.total_minutes else None

    def item(self, node_id: str) -> Item:
        return self._by_id[node_id]

    @property
    def _by_id(self) -> dict[str, Item]:
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = {i.id: i for i in self.items}
            object.__setattr__(self, "_cache", cache)
        return cache


def number_procedure(procedure: Procedure, graph, *, titles: dict[str, str] | None = None,
                     reachable: set[str] | None = None,
                     defaults: dict | None = None) -> NumberedProcedure:
    """Number the procedure. ``titles`` maps library procedure ids to titles,
    so a call can name the procedure it runs."""
    titles = titles or {}
    nodes = list(procedure.by_id.values())
    first_use = _first_uses(procedure.meta, nodes)
    items = []
    for position, node in enumerate(nodes):
        following = nodes[position + 1] if position + 1 < len(nodes) else None
        items.append(_item(node, graph, procedure, following, first_use, titles, reachable))
    lanes = tuple(dict.fromkeys(n.lane for n in nodes if n.lane))
    edges = tuple((u, v, d.get("label")) for u, v, d in graph.edges(data=True))
    minutes = [i.minutes for i in items if i.minutes]
    return NumberedProcedure(
        id=procedure.id, title=procedure.title, meta=procedure.meta, path=procedure.path,
        items=tuple(items), lanes=lanes, next_review=next_review(procedure.meta, defaults),
        edges=edges, edge_roles={(u, v): r for u, v, d in graph.edges(data=True)
                                 for r in [next((x for x in d.get("roles", ()) if x), None)] if r},
        calls=tuple(dict.fromkeys(n.text for n in nodes if n.info.calls)),
        total_minutes=sum(minutes) if minutes else None)


def _item(node: Node, graph, procedure: Procedure, following: Node | None,
          first_use: dict[str, list[tuple[str, str]]], titles, reachable) -> Item:
    duration = node.attr("duration")
    nexts = []
    if node.id in graph and not node.info.terminal:
        for _, target, data in graph.out_edges(node.id, data=True):
            tnode = graph.nodes[target]["node"]
            implicit = data.get("label") is None and data.get("spans") == (None,)
            for label in (data.get("labels") or (None,)):
                nexts.append(_next(node, tnode, label, following, implicit))
    return Item(
        id=node.id, anchor=anchor(node), kind=node.kind, number=node.number,
        text=node.text, segments=_segments(node.text, first_use.get(node.id, [])), lane=node.lane,
        notes=tuple(node.attrs("note")), links=tuple(node.attrs("link")),
        warnings=tuple(node.attrs("warning")), duration=duration,
        minutes=_planned_minutes(duration), next=tuple(nexts),
        call_id=node.text if node.info.calls else None,
        call_title=titles.get(node.text) if node.info.calls else None,
        reachable=reachable is None or node.id in reachable, line=node.span.line)


def _next(node: Node, target: Node, label: str | None, following: Node | None,
          implicit: bool) -> Next:
    if target.info.terminal:
        phrase = f"the procedure ends: {target.text.rstrip('.')}"
    elif target.info.entry:
        phrase = f"go back to the start ({target.text})"
    elif node.number is not None and target.number == node.number + 1:
        phrase = f"continue with step {target.number}"
    else:
        phrase = f"go to step {target.number}"
    # Flow into the very next line needs no sentence unless the text would skip
    # an outcome or a trigger on the way.
    silent = implicit and following is not None and following.id == target.id
    return Next(label, target.id, target.number, target.kind, phrase,
                outcome=target.text if target.info.terminal else None, implicit=silent)


def anchor(node: Node) -> str:
    """The HTML anchor of a node: ``step-<ID>`` for an author's ID; a generated
    ID (``step-4``, ``decide-2``) is its own anchor. An author's ID never starts
    with a digit, so the two kinds cannot collide."""
    return node.id if node.auto_id else f"step-{node.id}"


def _first_uses(meta: Meta, nodes: list[Node]) -> dict[str, list[tuple[str, str]]]:
    """For each node ID, the glossary terms first used in its text, with the
    matched spelling."""
    out: dict[str, list[tuple[str, str]]] = {}
    for term, _ in meta.glossary:
        pattern = term_pattern(term)
        for node in nodes:
            if node.info.calls:
                continue
            m = pattern.search(node.text)
            if m:
                out.setdefault(node.id, []).append((term, m.group(0)))
                break
    return out


def term_pattern(term: str) -> re.Pattern:
    """Whole-word match; abbreviations (all capitals) match case-sensitively."""
    flags = 0 if term.isupper() else re.IGNORECASE
    return re.compile(r"(?<![\w-])" + re.escape(term) + r"s?(?![\w-])", flags)


def _segments(text: str, terms: list[tuple[str, str]]) -> tuple[Segment, ...]:
    if not terms:
        return (Segment(text),)
    spans = []
    for term, _ in terms:
        m = term_pattern(term).search(text)
        if m:
            spans.append((m.start(), m.end(), term))
    spans.sort()
    out, pos = [], 0
    for start, end, term in spans:
        if start < pos:
            continue  # overlapping terms: the first one wins
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], term))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return tuple(out)


def _planned_minutes(duration: str | None) -> float | None:
    """The time to plan for a ``duration:``: the longer end of a range ("3 to
    5 days" plans 5 days), so that a total never promises too little."""
    read = read_duration(duration) if duration else None
    return read.maximum if read is not None else None
