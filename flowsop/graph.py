"""Graph stage: ``Procedure`` model → ``networkx.DiGraph``.

Nodes are keyed by node ID and carry ``kind``, ``text``, ``lane``, ``order``
(the step number, None for starts and ends) and ``node`` (the model node, for
its source span). Edges carry ``label`` (branch labels joined with " / ", or
None for plain flow), ``labels``, ``roles`` (each arrow's ``Arrow.role``:
"branch", "stream", "outcome", "timeout" or None) and ``spans`` (where each
arrow was written; None for the implicit next-node flow). Arrows to IDs that do not exist, and
arrows written under an end, are left out: they are diagnostics, not flow; so
is a second declaration of an ID (see ``next_declared``).
"""

from __future__ import annotations

import networkx as nx

from .model import Procedure

LABEL_SEPARATOR = " / "


def build_graph(procedure: Procedure) -> nx.DiGraph:
    g = nx.DiGraph(id=procedure.id, title=procedure.title)
    by_id = procedure.by_id
    g.add_nodes_from(
        (n.id, {"kind": n.kind, "text": n.text, "lane": n.lane, "order": n.number, "node": n})
        for n in by_id.values()
    )
    following = next_declared(procedure)
    # (source, target) -> (labels, spans), gathered first so that a decide with
    # many branches to one target stays linear.
    edges: dict[tuple[str, str], tuple[list, list, list]] = {}
    for node in by_id.values():
        for arrow, target in procedure.successors(node):
            if arrow is None:
                target = following[node.index]
            if target is None or target not in by_id:
                continue
            # Two branches of one decide to one target: the edge keeps both labels.
            labels, spans, roles = edges.setdefault((node.id, target), ([], [], []))
            labels.append(arrow.label if arrow is not None else None)
            spans.append(arrow.span if arrow is not None else None)
            roles.append(arrow.role if arrow is not None else None)
    g.add_edges_from(
        (u, v, {"label": LABEL_SEPARATOR.join(l for l in labels if l) or None,
                "labels": tuple(labels), "spans": tuple(spans), "roles": tuple(roles)})
        for (u, v), (labels, spans, roles) in edges.items())
    return g


def next_declared(procedure: Procedure) -> list[str | None]:
    """For each node (by file index), the ID of the next node in file order that
    is a first declaration, or None. The implicit next-node flow skips a
    duplicate declaration: its ID already names an earlier node, and flowing
    into that one would invent a loop (one duplicate-id diagnostic, not a
    cascade of no-exit and unreachable)."""
    by_id = procedure.by_id
    out: list[str | None] = [None] * len(procedure.nodes)
    after: str | None = None
    for node in reversed(procedure.nodes):
        out[node.index] = after
        if by_id[node.id] is node:
            after = node.id
    return out
