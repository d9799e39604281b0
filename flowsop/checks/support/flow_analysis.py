"""Reachability facts shared by the flow rules, each computed in linear time."""

from __future__ import annotations

from collections import deque

import networkx as nx

from ...graph import next_declared
from ...model import Procedure


class FlowAnalysis:
    def __init__(self, procedure: Procedure, graph: nx.DiGraph):
        graph = _with_recovery(procedure, graph)
        self.procedure, self.graph = procedure, graph
        nodes = procedure.by_id.values()
        self.starts = [n.id for n in nodes if n.info.entry]
        self.ends = [n.id for n in nodes if n.info.terminal]
        #: BFS discovery order from the starts (file order among equals).
        self.order = _bfs(graph.successors, self.starts)
        self.reachable = set(self.order)
        self.reaches_end = set(_bfs(graph.predecessors, self.ends))
        self.blocked = set(self._blocked())
        # Nodes whose way forward runs into a dead end or an undefined target:
        # that diagnostic already covers them, so no-exit stays quiet.
        self.covered = set(_bfs(graph.predecessors, sorted(self.blocked)))

    def _blocked(self):
        by_id = self.procedure.by_id
        for n in by_id.values():
            if n.info.terminal:
                continue
            successors = self.procedure.successors(n)
            if not successors or any(t not in by_id for _, t in successors):
                yield n.id

    def traps(self) -> list[list[str]]:
        """Loops with no way out: groups of reachable nodes, containing a cycle,
        from which no end can be reached. Each group lists its entry node first
        (the one the flow reaches first), then the others in file order."""
        g = self.graph
        stuck = [n for n in self.order if n not in self.reaches_end and n not in self.covered]
        if not stuck:
            return []
        sub = g.subgraph(stuck)
        seeds = [n for comp in nx.strongly_connected_components(sub)
                 for n in comp if len(comp) > 1 or sub.has_edge(n, n)]
        trapped = set(_bfs(sub.successors, seeds))
        groups = []
        seen: set[str] = set()
        rank = {n: i for i, n in enumerate(self.order)}
        for entry in sorted(trapped, key=rank.__getitem__):
            if entry in seen:
                continue
            members = _bfs(lambda n: (m for m in (*sub.successors(n), *sub.predecessors(n))
                                      if m in trapped), [entry])
            seen.update(members)
            index = self.procedure.by_id
            others = sorted((m for m in members if m != entry), key=lambda m: index[m].index)
            groups.append([entry, *others])
        return groups


def _with_recovery(procedure: Procedure, graph: nx.DiGraph) -> nx.DiGraph:
    """The graph, plus an edge from each decide with no branch at all to the next
    node in file order. Such a decide is reported as decision-branches alone;
    reading on as if its branches were there keeps the nodes below it from
    being reported unreachable as well. The rendered graph is not changed."""
    following = next_declared(procedure)
    extra = [(n.id, following[n.index]) for n in procedure.by_id.values()
             if n.info.fans_out and not n.branches and following[n.index] is not None]
    if not extra:
        return graph
    graph = graph.copy()
    graph.add_edges_from(extra, label=None)
    return graph


def _bfs(neighbours, seeds) -> list[str]:
    seen = dict.fromkeys(seeds)
    queue = deque(seen)
    while queue:
        for m in neighbours(queue.popleft()):
            if m not in seen:
                seen[m] = None
                queue.append(m)
    return list(seen)
