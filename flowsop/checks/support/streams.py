"""Whether parallel work comes together again: the analysis behind the
``join-deadlock`` and ``lack-of-synchronisation`` rules.

The model. A token moves along the arrows. A ``parallel`` turns the token that
reaches it into one token per stream; a ``join`` continues once one token of
*every stream of its parallel* has arrived there, whichever arrows they came
by (a decide inside a stream may reach the join along either branch: the
author writes no merge node). Every other node passes the token on along one
arrow; a decide (or a call's outcomes, or a wait's timeout) chooses which, and
any choice can be made (decisions are free choices: nothing but the author's
arrows constrains them). This is a free-choice workflow graph whose joins
synchronise the streams of one parallel, the structure that workflow-net
soundness is defined on (van der Aalst; Favre, Fauser and Völzer, "Diagnostic
information for control-flow analysis of workflow graphs", 2016).

The two ways it goes wrong:

- **join-deadlock**: a join can wait forever: a stream of its parallel can go
  somewhere without reaching it (an end, another join, back up before the
  parallel), or a token from outside any parallel reaches it.
- **lack-of-synchronisation**: work runs on unsynchronised: a stream can reach
  an end while the others still run, can flow past its join into the work
  that follows it (where the joined flow runs too: a step twice at once), or
  can reach its own parallel again (forking it a second time); two streams of
  one parallel that start at the same node run that node twice at once.

The method. Parallels are summarised innermost first: each stream is walked
from its first node, over every choice, until it stops at a join, an end, the
parallel itself or (second walk) the flow after the join; a nested parallel
met on the way is crossed as one unit, from its parallel to its join. A
parallel is sound when all its streams stop at one join and nowhere else.
Every walk is a graph search, and each parallel is summarised once, so the
analysis takes O(S · (V + E)) for S streams: polynomial, and a procedure
without parallels and joins costs nothing.

Exact for that model, block-structured or not (streams may share nodes, cross
into each other's branches, loop inside a stream): because decisions are free
and a stream's token waits for nothing until it reaches a join, every path a
walk finds is one that some run takes. Its limits: a parallel nested in a
stream is judged on its own and crossed at its join even when it is unsound
(its own problems are reported; the outer walk goes on from its join, so one
mistake is not reported at every level); decisions that depend on each other
("if the first check failed, the second one always fails") are not known to
flowsop and are taken as free; a loop that never exits is the ``no-exit``
rule's business, not this one's.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import networkx as nx


@dataclass(frozen=True)
class Problem:
    kind: str                 # "join-deadlock" or "lack-of-synchronisation"
    node: str                 # where it is reported
    parallel: str | None      # the parallel whose streams are concerned
    reason: str               # one sentence for the author
    witness: tuple[str, ...]  # a path that shows it (node ids)


def analyse(graph: nx.DiGraph) -> list[Problem]:
    """Every join-deadlock and lack-of-synchronisation of the procedure,
    sorted by node and kind, each reported once."""
    info = {n: data["node"].info for n, data in graph.nodes(data=True)}
    if not any(k.streams or k.joins for k in info.values()):
        return []
    return _Analysis(graph, info).run()


class _Analysis:
    def __init__(self, graph: nx.DiGraph, info: dict):
        self.graph, self.info = graph, info
        self.joins: dict[str, str | None] = {}     # parallel -> the join its streams meet at
        self.active: set[str] = set()
        self.found: dict[tuple[str, str], Problem] = {}

    def run(self) -> list[Problem]:
        starts = [n for n, k in self.info.items() if k.entry]
        for start in starts:
            stops = self.walk(start, None, frozenset())
            for join, path in stops["join"].items():
                self.report("join-deadlock", join, None,
                            f"join '{join}' is reached from outside any parallel, so it waits "
                            "for streams that never come", path)
        # Only what a run can reach: the rest is reported as unreachable alone.
        # (Without a start, every parallel is judged.)
        reach = set().union(*(nx.descendants(self.graph, s) for s in starts)) if starts \
            else set(self.graph)
        for node, kind in self.info.items():
            if kind.streams and node in reach:
                self.summarise(node)
        order = {n: i for i, n in enumerate(self.graph.nodes)}
        return sorted(self.found.values(), key=lambda p: (order.get(p.node, 0), p.kind))

    def report(self, kind: str, node: str, parallel: str | None, reason: str, path) -> None:
        self.found.setdefault((kind, node), Problem(kind, node, parallel, reason, tuple(path)))

    # ------------------------------------------------------------- parallels

    def summarise(self, parallel: str) -> str | None:
        """The join where the streams of ``parallel`` meet (reporting what
        goes wrong on the way); None when they meet at no join."""
        if parallel in self.joins:
            return self.joins[parallel]
        if parallel in self.active:
            return None  # met again inside its own stream: reported there
        self.active.add(parallel)
        streams = []
        for _, target, data in self.graph.out_edges(parallel, data=True):
            labels = data.get("labels") or (None,)
            if len(labels) > 1 and not self.info[target].joins:   # empty streams may meet
                self.report("lack-of-synchronisation", target, parallel,
                            f"{len(labels)} streams of parallel '{parallel}' start at "
                            f"'{target}', so it runs {len(labels)} times at once",
                            (parallel, target))
            streams.append((labels[0], target))
        walks = [self.walk(target, parallel, frozenset()) for _, target in streams]
        self.shared(parallel, streams, walks)
        reached = [set(w["join"]) for w in walks]
        counts = {j: sum(j in r for r in reached) for r in reached for j in r}
        order = {n: i for i, n in enumerate(self.graph.nodes)}
        join = min(counts, key=lambda j: (-counts[j], order[j])) if counts else None
        after = self.after(join) if join is not None else frozenset()
        for (label, target), stops in zip(streams, walks):
            name = f"stream '{label}'" if label else f"the stream that starts at '{target}'"
            for end, path in stops["end"].items():
                merge = self.walk(target, parallel, after)["merge"] if join else {}
                merge = {n: m for n, m in merge.items() if not self.info[n].terminal}
                if merge:
                    node, mpath = next(iter(merge.items()))
                    self.report("lack-of-synchronisation", node, parallel,
                                f"{name} of parallel '{parallel}' can go on past join '{join}' "
                                f"without passing it, into '{node}', where the joined work "
                                "runs too", mpath)
                else:
                    self.report("lack-of-synchronisation", end, parallel,
                                f"{name} of parallel '{parallel}' can reach end '{end}' while "
                                "the other streams still run", path)
                if join is not None:
                    self.report("join-deadlock", join, parallel,
                                f"{name} of parallel '{parallel}' can reach end '{end}' without "
                                f"passing join '{join}', which then waits for it forever", path)
            for other, path in stops["join"].items():
                if other != join:
                    self.report("join-deadlock", other, parallel,
                                f"{name} of parallel '{parallel}' reaches join '{other}', which "
                                "never gets the parallel's other streams", path)
            if join is not None and join not in stops["join"] and not stops["end"]:
                self.report("join-deadlock", join, parallel,
                            f"{name} of parallel '{parallel}' never reaches join '{join}', "
                            "which waits for it forever", (parallel, target))
            if join is not None and join in stops["join"] and len(stops["join"]) > 1:
                other = next(j for j in stops["join"] if j != join)
                self.report("join-deadlock", join, parallel,
                            f"{name} of parallel '{parallel}' can go to join '{other}' instead "
                            f"of '{join}', which then waits for it forever",
                            stops["join"][other])
            for again, path in stops["again"].items():
                self.report("lack-of-synchronisation", again, parallel,
                            f"{name} of parallel '{parallel}' can reach the parallel again "
                            "before its join, starting the work a second time while it runs",
                            path)
        if join is None and streams:
            for (label, target), stops in zip(streams, walks):
                for end, path in stops["end"].items():
                    name = f"stream '{label}'" if label else f"the stream that starts at '{target}'"
                    self.report("lack-of-synchronisation", end, parallel,
                                f"{name} of parallel '{parallel}' can reach end '{end}' while "
                                "the other streams still run: the streams never join", path)
        self.active.discard(parallel)
        self.joins[parallel] = join
        return join

    def shared(self, parallel: str, streams: list, walks: list) -> None:
        """Two streams that can pass one node run it twice at once (each token
        can wait there for the other): reported at the first such node."""
        order = {n: i for i, n in enumerate(self.graph.nodes)}
        for i in range(len(walks)):
            for j in range(i + 1, len(walks)):
                common = (walks[i]["visited"] & walks[j]["visited"]) - \
                    {n for n in walks[i]["visited"] if self.info[n].joins or self.info[n].terminal}
                if streams[i][1] == streams[j][1] or not common:
                    continue  # same first node: reported as such above
                node = min(common, key=order.__getitem__)
                names = [f"'{label}'" if label else f"the one that starts at '{target}'"
                         for label, target in (streams[i], streams[j])]
                self.report("lack-of-synchronisation", node, parallel,
                            f"two streams of parallel '{parallel}' ({names[0]} and {names[1]}) "
                            f"both pass '{node}', so it can run twice at once",
                            walks[i]["visited_path"](node))

    def after(self, join: str) -> frozenset:
        """The work that follows a join (what a bypassing stream would merge into)."""
        return frozenset(nx.descendants(self.graph, join)) - {join}

    # ------------------------------------------------------------- walks

    def walk(self, first: str, parallel: str | None, after: frozenset) -> dict[str, dict]:
        """Every place a token starting at ``first`` (a stream of ``parallel``,
        or the start) can stop, with a path to each: joins, ends, ``parallel``
        itself ("again"), and nodes of ``after`` ("merge")."""
        stops: dict[str, dict] = {"join": {}, "end": {}, "again": {}, "merge": {}}
        parent: dict[str, str | None] = {first: None}
        queue = deque([first])
        while queue:
            node = queue.popleft()
            kind = self.info[node]
            stop = ("again" if node == parallel else "merge" if node in after
                    else "join" if kind.joins else "end" if kind.terminal else None)
            if stop is not None:
                stops[stop].setdefault(node, _path(parent, node))
                continue
            nexts = self.graph.successors(node)
            if kind.streams:   # a nested parallel: crossed as one unit
                join = self.summarise(node)
                if join is None:
                    continue  # its streams never meet: reported at that parallel
                # Paths skip the join: it may still be met on its own, from
                # outside the parallel (which is a problem of its own).
                nexts = self.graph.successors(join)
            for child in nexts:
                if child not in parent:
                    parent[child] = node
                    queue.append(child)
        stops["visited"] = set(parent)
        stops["visited_path"] = lambda node: _path(parent, node)
        return stops


def _path(parent: dict, node: str) -> tuple[str, ...]:
    out = [node]
    while parent.get(out[-1]) is not None:
        out.append(parent[out[-1]])
    return tuple(reversed(out))
