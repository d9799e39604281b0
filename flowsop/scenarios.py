"""Scenarios stage: the numbered procedure → every path from a trigger to an
outcome, for reviewing and testing a procedure scenario by scenario.

Reads the renderer-neutral ``NumberedProcedure`` (as the renderers do), so a
scenario names steps by the numbers of the written SOP. A path starts at a
``start``, follows one way forward from each node (one branch of each
decision, in file order) and stops at an ``end``. A loop's *back edge* is an
edge into a node that is still open in a depth-first search from the starts
(in file order, iterative; every cycle holds one). Each back edge is taken at
most once per path *as a loop*, that is, back to a node the path has already
passed, so every loop is followed around at most once and the number of
paths is finite. Taking it into a node not yet on the path is plain flow: in
dispatch-onsite, "book -> parts" is both the way into the parts check for a
non-urgent ticket and the back edge of the order-parts loop, and the
scenario "not urgent, parts missing, order, book again" must still exist.
Two labelled branches of one decision are two scenarios, even where they
lead to the same node; they share that edge's single pass round a loop.

A parallel is one unit: a walk goes from the fork through every stream, one
after the other in the order written, to the join, never through an
interleaving of their steps (the order in which work done at the same time
is done says nothing a reviewer tests). The walk keeps a *context*, the
stack of (parallel, stream) it is inside; arriving at the stream's join
starts the next stream, and the last one goes on from the join. A
scenario's choices inside the streams multiply like decisions in a row; its
time counts the longest stream of each parallel, not their sum.

Counting needs no listing: paths are counted over states (node; back edges
whose target the path has passed; back edges taken as a loop), keeping only
back edges whose source can still be reached, so that loops the path has
left behind drop out of the state. The states form no cycle (each back edge
adds a bit that stays), so one memo per state counts them. Listing walks the
same states and skips those from which no path reaches an outcome, so the
count always equals the number listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import networkx as nx

from .core.durations import format_minutes
from .procedure import Item, NumberedProcedure

#: How many (node, loops taken) states a count may visit before giving up
#: (about two seconds): loops nested in a loop multiply them.
STATE_BUDGET = 500_000


class TooComplex(Exception):
    """The loops combine in more ways than ``STATE_BUDGET`` states."""


#: The roles of arrows that are a choice of the scenario (which of them was taken).
CHOICES = ("branch", "outcome", "timeout")


@dataclass(frozen=True)
class Move:
    """One node of a walk: the item, the label of the arrow taken out of it
    (None for plain flow and for the outcome), which visit to it this is,
    that arrow's role, and the streams the node is in: (parallel id, stream
    index) from the outermost parallel in."""

    item: Item
    label: str | None
    visit: int = 1
    role: str | None = None
    streams: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Scenario:
    number: int
    moves: tuple[Move, ...]

    @property
    def trigger(self) -> Item:
        return self.moves[0].item

    @property
    def outcome(self) -> Item:
        return self.moves[-1].item

    @property
    def decisions(self) -> list[Move]:
        """The choices that make this scenario: a decision's branch, a call's
        outcome, a wait's timeout."""
        return [m for m in self.moves if m.item.info.branches
                or (m.label is not None and m.role in CHOICES)]

    @property
    def steps(self) -> list[Move]:
        return [m for m in self.moves if m.item.number is not None]

    @property
    def minutes(self) -> float | None:
        """The time to plan: the steps' durations added up, except that the
        streams of a parallel run at the same time, so a parallel counts as
        its longest stream."""
        return _minutes(self.moves, 0)

    @property
    def timed_steps(self) -> int:
        return sum(1 for m in self.steps if m.item.minutes)


class Paths:
    """The paths of one numbered procedure: ``count()`` and ``walks()``.

    A node of the walk is a key (node id, context), the context being the
    stack of (parallel id, stream index) it is inside; a procedure without a
    parallel has only empty contexts."""

    def __init__(self, numbered: NumberedProcedure):
        self.items = {i.id: i for i in numbered.items}
        self.starts = [(i.id, ()) for i in numbered.items if i.info.entry]
        self.out = _expand(self.items, self.starts)
        self.back = _back_edges(self.starts, self.out)
        self.live = _live_masks(self.out, self.back)
        self.into: dict = {}                 # node → bits of the back edges into it
        for (_, target), bit in self.back.items():
            self.into[target] = self.into.get(target, 0) | bit
        self.memo: dict[tuple, int] = {}

    def terminal(self, key) -> bool:
        return self.items[key[0]].info.terminal

    def count(self) -> int:
        """The number of paths from every start to an outcome."""
        return sum(self._count(self._first(start)) for start in self.starts)

    def walks(self) -> Iterator[list[tuple[str, str | None]]]:
        """Every path as [(node id, label taken out of it)], starts in file
        order, branches in file order, streams one after the other."""
        for walk in self.keyed_walks():
            yield [(key[0], label) for key, label in walk]

    def keyed_walks(self) -> Iterator[list[tuple[tuple, str | None]]]:
        """Every path as [((node id, context), label taken out of it)]."""
        for start in self.starts:
            first = self._first(start)
            if not self._count(first):
                continue
            path: list[tuple[tuple, str | None]] = [(start, None)]
            stack = [iter(self._children(first))]
            while stack:
                node = path[-1][0]
                if self.terminal(node):
                    yield list(path)
                    stack.pop()
                    path.pop()
                    continue
                for label, child in stack[-1]:
                    if self.memo[child]:
                        path[-1] = (node, label)
                        path.append((child[0], None))
                        stack.append(iter(self._children(child)))
                        break
                else:
                    stack.pop()
                    path.pop()

    # -- states

    def _first(self, start: str) -> tuple[str, int, int]:
        return (start, self.into.get(start, 0) & self.live[start], 0)

    def _children(self, state: tuple) -> Iterator[tuple[str | None, tuple]]:
        node, passed, looped = state
        for label, target in self.out[node]:
            bit = self.back.get((node, target), 0)
            if bit & passed:  # back to a node already on the path: a loop
                if bit & looped:
                    continue  # this loop was already followed around once
                new_looped = looped | bit
            else:
                new_looped = looped
            live = self.live[target]
            yield label, (target, (passed | self.into.get(target, 0)) & live, new_looped & live)

    def _count(self, state: tuple) -> int:
        """Paths from ``state`` to an outcome, memoised; iterative, since a
        procedure may be thousands of nodes long."""
        memo = self.memo
        if state in memo:
            return memo[state]
        on_path: set = set()
        stack = [(state, False)]
        while stack:
            s, expanded = stack.pop()
            if expanded:
                on_path.discard(s)
                memo[s] = 1 if self.terminal(s[0]) else \
                    sum(memo[c] for _, c in self._children(s))
                continue
            if s in memo:
                continue
            if s in on_path:  # pragma: no cover - the states form no cycle (see module doc)
                raise RuntimeError("scenario states form a cycle")
            if len(memo) + len(on_path) > STATE_BUDGET:
                raise TooComplex(f"its loops combine in more than {STATE_BUDGET:,} ways")
            on_path.add(s)
            stack.append((s, True))
            if not self.terminal(s[0]):
                stack.extend((c, False) for _, c in self._children(s) if c not in memo)
        return memo[state]


def scenarios(numbered: NumberedProcedure, limit: int | None = None) -> Iterator[Scenario]:
    """The scenarios in order; at most ``limit`` of them when given."""
    paths = Paths(numbered)
    for n, walk in enumerate(paths.keyed_walks(), 1):
        if limit is not None and n > limit:
            return
        visits: dict[str, int] = {}
        moves = []
        for (node, context), label in walk:
            visits[node] = visits.get(node, 0) + 1
            item = paths.items[node]
            role = next((x.role for x in item.next if x.label == label), None) \
                if label is not None else None
            moves.append(Move(item, label, visits[node], role, context))
        yield Scenario(n, tuple(moves))


def _minutes(moves, depth: int) -> float | None:
    """The planned time of ``moves``, all inside the same ``depth`` streams:
    the moves at this depth add up; a parallel met here counts as its longest
    stream (its moves follow it, stream by stream)."""
    total, timed, i = 0.0, False, 0
    while i < len(moves):
        m = moves[i]
        if len(m.streams) <= depth:
            if m.item.number is not None and m.item.minutes:
                total += m.item.minutes
                timed = True
            i += 1
            continue
        fork = m.streams[depth][0]
        streams: dict[int, list[Move]] = {}
        while i < len(moves) and len(moves[i].streams) > depth \
                and moves[i].streams[depth][0] == fork:
            streams.setdefault(moves[i].streams[depth][1], []).append(moves[i])
            i += 1
        longest = [t for t in (_minutes(ms, depth + 1) for ms in streams.values())
                   if t is not None]
        if longest:
            total += max(longest)
            timed = True
    return total if timed else None


def count_scenarios(numbered: NumberedProcedure) -> int:
    return Paths(numbered).count()


def say_count(n: int) -> str:
    """A count for a sentence: exact up to a trillion, then its magnitude."""
    if n < 10 ** 12:
        return f"{n:,}"
    digits = str(n)
    return f"about {digits[0]}.{digits[1]} × 10^{len(digits) - 1}"


# ------------------------------------------------------------------ Markdown

def render_scenarios(numbered: NumberedProcedure, found: list[Scenario], total: int) -> str:
    """The review sheet: a summary table, then one checklist per scenario."""
    from .render.links import md_escape

    lines = ["<!-- Generated by flowsop scenarios from the procedure's .flow source. -->",
             f"# Scenarios: {md_escape(numbered.title)}", ""]
    version = f", version {md_escape(numbered.meta.version)}" if numbered.meta.version else ""
    lines += [f"{total} scenario{'s' * (total != 1)} of `{numbered.id}`{version}: every way "
              "from a trigger to an outcome, with each loop followed around at most once. "
              "Step numbers are those of the written SOP. Test each scenario in a sandbox "
              "and tick its lines as you go." +
              (" Work done at the same time is listed stream by stream; its time is that "
               "of the longest stream." if any(i.streams for i in numbered.items) else ""), ""]
    triggers = len(numbered.triggers) > 1
    if found:
        lines += ["| scenario |" + (" trigger |" if triggers else "") +
                  " decisions | outcome | expected time |",
                  "|---:|" + ("---|" if triggers else "") + "---|---|---|"]
        for s in found:
            decisions = ", ".join(f"{m.item.number}: {md_escape(m.label)}" for m in s.decisions)
            trigger = f" {md_escape(s.trigger.text)} |" if triggers else ""
            lines.append(f"| [{s.number}](#scenario-{s.number}) |{trigger} "
                         f"{decisions or '(none)'} | {md_escape(s.outcome.text)} "
                         f"| {_time(s, short=True)} |")
        lines.append("")
    for s in found:
        lines += [f"## Scenario {s.number}", "",
                  f"Outcome: {md_escape(s.outcome.text)}  ",
                  f"Expected time: {_time(s)}", ""]
        lane = None
        context: tuple = ()
        for m in s.moves:
            lines += _stream_headings(numbered, context, m.streams, md_escape)
            context = m.streams
            # The role is named where it changes, as a reader hands the work on.
            role = m.item.lane if m.item.lane != lane else None
            lane = m.item.lane
            lines.append(f"{INDENT * 2 * len(context)}- [ ] {_line(m, role, md_escape)}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


INDENT = "    "   # a nested list in CommonMark and Python-Markdown alike


def _stream_headings(numbered: NumberedProcedure, before: tuple, now: tuple,
                     md_escape) -> list[str]:
    """The lines that open the streams a move is in and the move before was
    not: "- At the same time:" for a parallel, then "- Stream 1 (accounts):"."""
    same = 0
    while same < min(len(before), len(now)) and before[same] == now[same]:
        same += 1
    out = []
    for depth in range(same, len(now)):
        fork, index = now[depth]
        if depth >= len(before) or before[depth][0] != fork:
            out.append(f"{INDENT * 2 * depth}- At the same time:")
        label = numbered.item(fork).streams[index].label
        named = f" ({md_escape(label)})" if label else ""
        out.append(f"{INDENT * (2 * depth + 1)}- Stream {index + 1}{named}:")
    return out


def _line(m: Move, role: str | None, md_escape) -> str:
    item = m.item
    if item.info.entry:
        text = f"Trigger: {md_escape(item.text)}"
    elif item.info.terminal:
        text = f"Outcome reached: {md_escape(item.text)}"
    elif item.info.calls:
        name = item.call_title or item.call_id
        text = f"{item.number}. Follow the procedure \"{md_escape(name)}\" (`{item.call_id}`)"
    else:
        text = f"{item.number}. {md_escape(item.text)}"
    if m.label is not None and (item.info.branches or m.role in CHOICES):
        text += f" → {md_escape(m.label)}"
    notes = [md_escape(role)] if role else []
    if item.duration and item.number is not None:
        notes.append(md_escape(item.duration))
    if m.visit > 1:
        notes.append(f"{_ordinal(m.visit)} time")
    return text + (f" ({', '.join(notes)})" if notes else "")


def _time(s: Scenario, short: bool = False) -> str:
    if s.minutes is None:
        return "—" if short else "no step on this path gives a duration"
    total = format_minutes(s.minutes)
    steps = len(s.steps)
    if short or s.timed_steps == steps:
        return total
    return f"{total} (only {s.timed_steps} of the {steps} steps give a duration)"


def _ordinal(n: int) -> str:
    return f"{n}{'tsnrhtdd'[(n // 10 % 10 != 1) * (n % 10 < 4) * n % 10::4]}"


# ------------------------------------------------------------------ graph helpers

def _expand(items: dict[str, Item], starts: list[tuple]) -> dict[tuple, list]:
    """The walk's graph over (node id, context) keys, from the starts: a
    parallel leads into its first stream; arriving at a stream's join leads
    into the next stream, and from the last one on to the join; an arrow
    back to a parallel the walk is inside leaves that parallel's streams."""
    forks = {i.id: i.streams for i in items.values() if i.info.streams and i.streams}

    def enter(fork: str, index: int, context: tuple) -> tuple | None:
        streams = forks[fork]
        while index < len(streams) and streams[index].first == streams[index].join:
            index += 1                      # a stream with nothing in it
        if index == len(streams):
            join = streams[-1].join
            return (join, context) if join in items else None
        return (streams[index].first, (*context, (fork, index)))

    def step(context: tuple, target: str) -> tuple | None:
        if context:
            fork, index = context[-1]
            if target == forks[fork][index].join:
                if index + 1 < len(forks[fork]):
                    return enter(fork, index + 1, context[:-1])
                return (target, context[:-1])
            for depth, (outer, _) in enumerate(context):
                if target == outer:
                    return (target, context[:depth])
        return (target, context)

    out: dict[tuple, list] = {}
    queue = list(starts)
    while queue:
        key = queue.pop()
        if key in out:
            continue
        node, context = key
        item = items[node]
        if node in forks:
            first = enter(node, 0, context)
            ways = [(None, first)] if first is not None else []
        else:
            ways = [(n.label, step(context, n.target)) for n in item.next if n.target in items]
            ways = [(label, k) for label, k in ways if k is not None]
        out[key] = ways
        queue.extend(k for _, k in ways if k not in out)
    return out


def _back_edges(starts: list[str], out: dict) -> dict[tuple[str, str], int]:
    """Edges into a node still open in a depth-first search from the starts,
    in file order; each gets one bit."""
    back: dict[tuple[str, str], int] = {}
    state: dict[str, int] = {}          # 1 open, 2 done
    for start in starts:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(out[start]))]
        while stack:
            node, it = stack[-1]
            for _, target in it:
                seen = state.get(target)
                if seen == 1 and (node, target) not in back:
                    back[(node, target)] = 1 << len(back)
                elif seen is None:
                    state[target] = 1
                    stack.append((target, iter(out[target])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return back


def _live_masks(out: dict, back: dict[tuple[str, str], int]) -> dict[str, int]:
    """For each node, the back edges whose source it can reach: only those
    may still be taken after it, so only those belong in its state."""
    g = nx.DiGraph()
    g.add_nodes_from(out)
    g.add_edges_from((u, v) for u, targets in out.items() for _, v in targets)
    dag = nx.condensation(g)
    own = {c: 0 for c in dag}
    for (u, _), bit in back.items():
        own[dag.graph["mapping"][u]] |= bit
    reach: dict[int, int] = {}
    for c in reversed(list(nx.topological_sort(dag))):
        mask = own[c]
        for d in dag.successors(c):
            mask |= reach[d]
        reach[c] = mask
    return {node: reach[dag.graph["mapping"][node]] for node in out}
