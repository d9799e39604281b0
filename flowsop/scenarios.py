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


@dataclass(frozen=True)
class Move:
    """One node of a walk: the item, the branch label taken out of it (None
    for plain flow and for the outcome), and which visit to it this is."""

    item: Item
    label: str | None
    visit: int = 1


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
        return [m for m in self.moves if m.item.info.branches]

    @property
    def steps(self) -> list[Move]:
        return [m for m in self.moves if m.item.number is not None]

    @property
    def minutes(self) -> float | None:
        timed = [m.item.minutes for m in self.steps if m.item.minutes]
        return sum(timed) if timed else None

    @property
    def timed_steps(self) -> int:
        return sum(1 for m in self.steps if m.item.minutes)


class Paths:
    """The paths of one numbered procedure: ``count()`` and ``walks()``."""

    def __init__(self, numbered: NumberedProcedure):
        self.items = {i.id: i for i in numbered.items}
        self.out: dict[str, list[tuple[str | None, str]]] = {
            i.id: [(n.label, n.target) for n in i.next if n.target in self.items]
            for i in numbered.items}
        self.starts = [i.id for i in numbered.items if i.info.entry]
        self.back = _back_edges(self.starts, self.out)
        self.live = _live_masks(self.out, self.back)
        self.into: dict[str, int] = {}       # node → bits of the back edges into it
        for (_, target), bit in self.back.items():
            self.into[target] = self.into.get(target, 0) | bit
        self.memo: dict[tuple, int] = {}

    def count(self) -> int:
        """The number of paths from every start to an outcome."""
        return sum(self._count(self._first(start)) for start in self.starts)

    def walks(self) -> Iterator[list[tuple[str, str | None]]]:
        """Every path as [(node id, label taken out of it)], starts in file
        order, branches in file order."""
        for start in self.starts:
            first = self._first(start)
            if not self._count(first):
                continue
            path: list[tuple[str, str | None]] = [(start, None)]
            stack = [iter(self._children(first))]
            while stack:
                node = path[-1][0]
                if self.items[node].info.terminal:
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
                memo[s] = 1 if self.items[s[0]].info.terminal else \
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
            if not self.items[s[0]].info.terminal:
                stack.extend((c, False) for _, c in self._children(s) if c not in memo)
        return memo[state]


def scenarios(numbered: NumberedProcedure, limit: int | None = None) -> Iterator[Scenario]:
    """The scenarios in order; at most ``limit`` of them when given."""
    paths = Paths(numbered)
    for n, walk in enumerate(paths.walks(), 1):
        if limit is not None and n > limit:
            return
        visits: dict[str, int] = {}
        moves = []
        for node, label in walk:
            visits[node] = visits.get(node, 0) + 1
            moves.append(Move(paths.items[node], label, visits[node]))
        yield Scenario(n, tuple(moves))


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
              "and tick its lines as you go.", ""]
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
        for m in s.moves:
            # The role is named where it changes, as a reader hands the work on.
            role = m.item.lane if m.item.lane != lane else None
            lane = m.item.lane
            lines.append(f"- [ ] {_line(m, role, md_escape)}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


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
    if m.label is not None and item.info.branches:
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
