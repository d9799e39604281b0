"""Graph stage: ``Procedure`` model → ``networkx.DiGraph``.

Nodes are keyed by node ID and carry ``kind``, ``text``, ``lane``, ``order``
(the step number, None for starts and ends) and ``node`` (the model node, for
its source span). Edges carry ``label`` (branch labels joined with " / ", or
None for plain flow), ``labels`` and ``spans`` (where each arrow was written;
None for the implicit next-node flow). Arrows to IDs that do not exist, and
arrows written under an end, are left out: they are diagnostics, not flow.
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
    for node in by_id.values():
        for arrow, target in procedure.successors(node):
            if target not in by_id:
                continue
            if g.has_edge(node.id, target):
                # Two branches of one decide to one target: the edge keeps both labels.
                data = g.edges[node.id, target]
                data["labels"] += (arrow.label,)
                data["spans"] += (arrow.span,)
                data["label"] = LABEL_SEPARATOR.join(l for l in data["labels"] if l)
            else:
                label = arrow.label if arrow is not None else None
                g.add_edge(node.id, target, label=label, labels=(label,),
                           spans=(arrow.span if arrow is not None else None,))
    return g
