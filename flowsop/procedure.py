"""Numbering stage: model + graph → the renderer-neutral numbered procedure.

Computed once and read by every renderer (flowchart, written SOP, checklist,
CSV, Mermaid), so the chart and the text cannot disagree: they show the same
numbers, the same "go to step N" sentences and the same outcomes. Phrases are
plain text; a renderer adds its own markup and escaping.

Every flow sentence is worded here, once: a decision's "If yes, …", a
labelled arrow's condition ("When the client confirms the date, …"), a
wait's timeout ("If it has not happened after 3 days, …"), a call's outcomes
("If order-parts ends with 'delivered', …") and a parallel's block ("Do
steps 5–7 and steps 8–9 in any order or at the same time. When both are
done, continue with step 10."). A ``Sentence`` is a run of ``Part``s, so a
renderer can link the parts that name a step without re-reading the words.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from dataclasses import dataclass, field

import networkx as nx

from .model import KINDS, Kind, Meta, Node, Procedure, next_review
from .core.durations import format_minutes, read_duration


@dataclass(frozen=True)
class Segment:
    """A piece of a node's text; ``term`` is set where a glossary term is used
    for the first time in the procedure (renderers link it to the glossary)."""

    text: str
    term: str | None = None


@dataclass(frozen=True)
class Part:
    """A piece of a flow sentence; ``target`` is the node ID it names ("step 3",
    an outcome's text), which a renderer may link."""

    text: str
    target: str | None = None


@dataclass(frozen=True)
class Sentence:
    """One flow sentence, as parts; ``text`` is the plain sentence."""

    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts)

    def __str__(self) -> str:
        return self.text


def sentence(*pieces: str | Part) -> Sentence:
    """A sentence from strings and parts; neighbouring plain text is merged."""
    out: list[Part] = []
    for piece in pieces:
        part = Part(piece) if isinstance(piece, str) else piece
        if not part.text:
            continue
        if out and part.target is None and out[-1].target is None:
            out[-1] = Part(out[-1].text + part.text)
        else:
            out.append(part)
    return Sentence(tuple(out))


#: A labelled arrow whose label begins with one of these is a full condition
#: ("when the client confirms the date") and leads its sentence as written.
CONDITION_WORDS = ("when", "whenever", "if", "once", "after", "as soon as", "unless", "before")
ENDS = "the procedure ends"
#: The lead of a wait's way on when it also has a timeout.
WAITED = "When it has happened, "


@dataclass(frozen=True)
class Next:
    """One way forward from a node, as the written SOP says it."""

    label: str | None          # the arrow's label, None for plain flow
    target: str                # node ID
    number: int | None         # the target's step number (None for start/end)
    kind: str                  # the target's kind
    phrase: str                # "continue with step 3", "go to step 4", "the procedure ends: …"
    outcome: str | None = None # the end's text, when the target is an end
    implicit: bool = False     # the next node in file order, nothing written
    #: the arrow's role: "branch", "stream", "outcome", "timeout", or None
    role: str | None = None
    #: what the sentence begins with: "If yes, ", "When the client confirms
    #: the date, ", "If it has not happened after 3 days, ", or "" for plain flow
    lead: str = ""

    @property
    def info(self) -> Kind:
        """The target's row of ``model.KINDS``."""
        return KINDS[self.kind]

    @property
    def phrase_parts(self) -> tuple[Part, ...]:
        """The phrase with the words that name the target marked: "step 3",
        the outcome's text, or the whole phrase."""
        tail = f"step {self.number}"
        if self.number is not None and self.phrase.endswith(tail):
            return (Part(self.phrase[:-len(tail)]), Part(tail, self.target))
        ends = ENDS + ": "
        if self.phrase.startswith(ends):
            return (Part(ends), Part(self.phrase[len(ends):], self.target))
        return (Part(self.phrase, self.target),)

    @property
    def sentence(self) -> Sentence:
        """The sentence after the node's text: its lead, or "Then "."""
        return sentence(self.lead or "Then ", *self.phrase_parts, ".")

    @property
    def standalone(self) -> Sentence:
        """The sentence read on its own (a spreadsheet cell): its lead, or the
        phrase with a capital ("Go to step 4.")."""
        if self.lead:
            return self.sentence
        first, *rest = self.phrase_parts
        return sentence(Part(_capital(first.text), first.target), *rest, ".")


@dataclass(frozen=True)
class Stream:
    """One stream of a parallel: work done at the same time as the others,
    from its first node up to (not including) its join."""

    label: str | None
    first: str                     # the stream's first node (its arrow's target)
    nodes: tuple[str, ...] = ()    # the stream's nodes, in file order
    numbers: tuple[int, ...] = ()  # the step numbers among them, ascending
    join: str | None = None        # the join it reaches; None when it reaches none
    ends: tuple[str, ...] = ()     # outcomes (end IDs) reached inside the stream
    lead_in: str | None = None     # the ID of its lowest-numbered node

    @property
    def steps(self) -> str:
        """"steps 5–7", "step 5", "steps 5–6, 9"; "" for a stream without steps."""
        return step_ranges(self.numbers)

    @property
    def plural(self) -> bool:
        return len(self.numbers) != 1

    @property
    def name(self) -> str:
        """How the parallel's sentence names it: "steps 5–7 (accounts)"."""
        return "".join(p.text for p in self.name_parts)

    @property
    def name_parts(self) -> tuple[Part, ...]:
        if self.numbers:
            label = f" ({self.label})" if self.label else ""
            return tuple(p for p in (Part(self.steps, self.lead_in), Part(label)) if p.text)
        if self.label:
            return (Part(f'the stream "{self.label}"'),)
        return (Part("a stream without steps"),)


def step_ranges(numbers) -> str:
    """Step numbers as a reader says them: "step 5", "steps 5–7", "steps 5–6, 9"."""
    numbers = sorted(set(numbers))
    if not numbers:
        return ""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    said = ", ".join(f"{r[0]}" if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)
    return ("step " if len(numbers) == 1 else "steps ") + said


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
    #: the flow sentences written after the text, in order (see ``sentences``)
    flow: tuple[Sentence, ...] = ()
    #: every way forward, the next line's node included, each sentence readable
    #: on its own: what a spreadsheet row says
    ways: tuple[Sentence, ...] = ()
    #: for a parallel: its streams, in the order written
    streams: tuple[Stream, ...] = ()
    #: for a parallel: the join where every stream arrives, when they share one
    join: str | None = None

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
        return [f.text for f in self.flow]


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
    dominated = _Dominance(graph)
    items = []
    for position, node in enumerate(nodes):
        following = nodes[position + 1] if position + 1 < len(nodes) else None
        items.append(_item(node, graph, procedure, following, first_use, titles, reachable,
                           dominated))
    items = _joins_name_their_streams(items)
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
          first_use: dict[str, list[tuple[str, str]]], titles, reachable,
          dominated: "_Dominance") -> Item:
    duration = node.attr("duration")
    call_title = titles.get(node.text) if node.info.calls else None
    call_name = (f'"{call_title}"' if call_title else node.text) if node.info.calls else None
    nexts = []
    if node.id in graph and not node.info.terminal:
        for _, target, data in graph.out_edges(node.id, data=True):
            tnode = graph.nodes[target]["node"]
            labels = data.get("labels") or (None,)
            roles = data.get("roles") or (None,) * len(labels)
            spans = data.get("spans") or (None,) * len(labels)
            for label, role, span in zip(labels, roles, spans):
                nexts.append(_next(node, tnode, label, role, following, span is None, call_name))
    if any(n.role == "timeout" for n in nexts):
        # A wait that may time out says both ways: when it happens, and when not.
        nexts = [dataclasses.replace(n, lead=WAITED) if n.label is None else n for n in nexts]
    streams: tuple[Stream, ...] = ()
    join = None
    if node.info.streams and node.id in graph:
        streams = tuple(_stream(graph, node, n.label, n.target, dominated) for n in nexts)
        joins = {s.join for s in streams}
        join = joins.pop() if len(joins) == 1 else None
    flow, ways = _flow_sentences(node, tuple(nexts), streams, graph)
    return Item(
        id=node.id, anchor=anchor(node), kind=node.kind, number=node.number,
        text=node.text, segments=_segments(node.text, first_use.get(node.id, [])), lane=node.lane,
        notes=tuple(node.attrs("note")), links=tuple(node.attrs("link")),
        warnings=tuple(node.attrs("warning")), duration=duration,
        minutes=_planned_minutes(duration), next=tuple(nexts),
        call_id=node.text if node.info.calls else None, call_title=call_title,
        reachable=reachable is None or node.id in reachable, line=node.span.line,
        flow=flow, ways=ways, streams=streams, join=join)


def _next(node: Node, target: Node, label: str | None, role: str | None,
          following: Node | None, implicit: bool, call_name: str | None) -> Next:
    if target.info.terminal:
        outcome = target.text.strip().rstrip(".")
        phrase = f"{ENDS}: {outcome}" if outcome else ENDS
    elif target.info.entry:
        phrase = f"go back to the start ({target.text})" if target.text.strip() else \
            "go back to the start"
    elif node.number is not None and target.number == node.number + 1:
        phrase = f"continue with step {target.number}"
    else:
        phrase = f"go to step {target.number}"
    # Flow into the very next line needs no sentence unless the text would skip
    # an outcome or a trigger on the way.
    silent = implicit and following is not None and following.id == target.id
    return Next(label, target.id, target.number, target.kind, phrase,
                outcome=target.text if target.info.terminal else None, implicit=silent,
                role=role, lead=_lead(node, label, role, call_name))


def _lead(node: Node, label: str | None, role: str | None, call_name: str | None) -> str:
    """How the sentence of one arrow begins."""
    if label is None or role == "stream":
        return ""           # plain flow ("Then …"); a parallel speaks as a block
    if role == "outcome":
        return f"If {call_name or node.text} ends with '{label}', "
    if role == "timeout":
        return f"If it has not happened {label}, "
    if role == "branch" or node.info.branches:
        return f"If {label}, "
    return condition_lead(label)


def condition_lead(label: str) -> str:
    """A labelled arrow under a node with one next node is a condition:
    "when the client confirms the date" leads as written, with a capital;
    a bare condition ("approved", "date agreed") reads "Once approved, "."""
    label = label.strip().rstrip(",.;:").strip()
    low = label.lower()
    if any(low == w or low.startswith(w + " ") for w in CONDITION_WORDS):
        return _capital(label) + ", "
    return f"Once {label}, "


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# ------------------------------------------------------------------ flow sentences

_COUNT_WORDS = {2: "both", 3: "all three", 4: "all four", 5: "all five", 6: "all six",
                7: "all seven", 8: "all eight", 9: "all nine", 10: "all ten"}


def _flow_sentences(node: Node, nexts: tuple[Next, ...], streams: tuple[Stream, ...],
                    graph) -> tuple[tuple[Sentence, ...], tuple[Sentence, ...]]:
    """(what the SOP writes after the node's text, what a row read on its own
    says): the one place where the flow is put in words."""
    if node.info.streams and streams:
        block = _parallel_sentences(streams, graph)
        return block, block
    if node.info.joins:
        # A join says where the work goes on, even onto the next line: the
        # reader arrives from a stream written further up.
        return tuple(n.sentence for n in nexts), tuple(n.standalone for n in nexts)
    flow = tuple(n.sentence for n in nexts if n.lead or not n.implicit)
    return flow, tuple(n.standalone for n in nexts)


def _parallel_sentences(streams: tuple[Stream, ...], graph) -> tuple[Sentence, ...]:
    """ "Do steps 5–7 (accounts) and steps 8–9 in any order or at the same time.
    When both are done, continue with step 10." """
    listed = [s for s in streams if s.numbers] or list(streams)
    if len(listed) > 1:
        out = [sentence("Do ", *_names(listed), " in any order or at the same time.")]
    else:
        out = [sentence("Do ", *_names(listed), ".")]
    joins = list(dict.fromkeys(s.join for s in streams if s.join is not None))
    for join in joins:
        number = graph.nodes[join]["order"]
        target = Part(f"step {number}", join) if number is not None else Part(join, join)
        group = [s for s in streams if s.join == join]
        if len(group) == len(streams) and len(listed) > 1:
            who: list[str | Part] = [_COUNT_WORDS.get(len(listed), f"all {len(listed)}"), " are"]
        else:
            group = [s for s in group if s in listed] or group
            who = [*_names(group), " are" if len(group) > 1 or group[0].plural else " is"]
        out.append(sentence("When ", *who, " done, continue with ", target, "."))
    for s in streams:
        if s.join is not None:
            continue
        first, *rest = s.name_parts
        name = (Part(_capital(first.text), first.target), *rest)
        verb = "end" if s.plural else "ends"
        if len(s.ends) == 1:
            text = graph.nodes[s.ends[0]]["text"].strip().rstrip(".")
            if text:
                out.append(sentence(*name, f" {verb} the procedure: ",
                                    Part(text, s.ends[0]), "."))
            else:
                out.append(sentence(*name, f" {verb} the procedure."))
        elif s.ends:
            out.append(sentence(*name, f" {verb} the procedure."))
        else:
            out.append(sentence(*name, " reach" + ("" if s.plural else "es") + " no join."))
    return tuple(out)


def _names(streams) -> list[str | Part]:
    """"steps 5–7 (accounts), step 8 and steps 9–10 (phone)", as parts."""
    out: list[str | Part] = []
    for i, stream in enumerate(streams):
        if i:
            out.append(" and " if i == len(streams) - 1 else ", ")
        out.extend(stream.name_parts)
    return out


def _joins_name_their_streams(items: list[Item]) -> list[Item]:
    """A join says what it waits for before it says where to go on: "When
    steps 5–7 (accounts) and steps 8–9 (laptop) are both done, continue with
    step 10." The reader may arrive from one stream only."""
    arriving: dict[str, list[Stream]] = {}
    for item in items:
        for stream in item.streams:
            if stream.join is not None and stream.numbers:
                arriving.setdefault(stream.join, []).append(stream)
    out = []
    for item in items:
        streams = arriving.get(item.id)
        if item.info.joins and streams and item.next:
            who = _names(streams)
            if len(streams) > 1:
                who.append(" are both" if len(streams) == 2 else " are all")
            else:
                who.append(" are" if streams[0].plural else " is")
            first, *others = item.next
            when = sentence("When ", *who, " done, ", *first.phrase_parts, ".")
            item = dataclasses.replace(
                item, flow=(when, *(n.sentence for n in others)),
                ways=(when, *(n.standalone for n in others)))
        out.append(item)
    return out


# ------------------------------------------------------------------ streams

class _Dominance:
    """Which nodes a node dominates (every way from a start to them passes
    through it): a stream holds only nodes its parallel dominates, so a loop
    back to before the parallel does not count as part of the stream."""

    ROOT = object()

    def __init__(self, graph):
        self.graph = graph
        self._children: dict | None = None

    def dominated(self, node_id: str) -> set[str] | None:
        """The nodes ``node_id`` dominates (itself included), or None when no
        start reaches it (then nothing limits a stream)."""
        if self._children is None:
            g = nx.DiGraph(self.graph.edges)
            g.add_nodes_from(self.graph.nodes)
            g.add_edges_from((self.ROOT, n) for n, d in self.graph.nodes(data=True)
                             if d["node"].info.entry)
            idom = nx.immediate_dominators(g, self.ROOT)
            children: dict = {}
            for n, d in idom.items():
                if n is not d:
                    children.setdefault(d, []).append(n)
            self._children = children
            self._reached = set(idom)
        if node_id not in self._reached:
            return None
        out, stack = set(), [node_id]
        while stack:
            n = stack.pop()
            out.add(n)
            stack.extend(self._children.get(n, ()))
        return out


def _stream(graph, fork: Node, label: str | None, first: str, dominance: _Dominance) -> Stream:
    """Walk one stream from its first node to the join of its parallel: a join
    met inside a parallel nested in the stream belongs to that one."""
    inside = dominance.dominated(fork.id)
    limit = sum(1 for _, d in graph.nodes(data=True) if d["node"].info.streams)
    members: set[str] = set()
    joins: list[str] = []
    ends: list[str] = []
    seen: set[tuple[str, int]] = set()
    stack = [(first, 0)]
    while stack:
        node_id, depth = stack.pop()
        if (node_id, depth) in seen or node_id == fork.id:
            continue
        seen.add((node_id, depth))
        node = graph.nodes[node_id]["node"]
        if node.info.joins and depth == 0:
            if node_id not in joins:
                joins.append(node_id)
            continue
        if inside is not None and node_id not in inside:
            continue
        if node.info.joins:
            depth -= 1
        members.add(node_id)
        if node.info.terminal:
            if node_id not in ends:
                ends.append(node_id)
            continue
        if node.info.streams:
            depth = min(depth + 1, limit)
        stack.extend((t, depth) for t in reversed(list(graph.successors(node_id))))
    ordered = sorted(members, key=lambda n: graph.nodes[n]["node"].index)
    numbered = [n for n in ordered if graph.nodes[n]["order"] is not None]
    numbered.sort(key=lambda n: graph.nodes[n]["order"])
    return Stream(label=label, first=first, nodes=tuple(ordered),
                  numbers=tuple(graph.nodes[n]["order"] for n in numbered),
                  join=joins[0] if joins else None,
                  ends=tuple(sorted(ends, key=lambda n: graph.nodes[n]["node"].index)),
                  lead_in=numbered[0] if numbered else None)


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
