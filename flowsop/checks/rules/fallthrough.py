"""The implicit fall-through rule: a node with no arrow goes to the next
line's node, and that is sometimes not what its author meant."""

from __future__ import annotations

from ...diagnostics import Severity
from ..base import Context, Finding, Findings, describe, rule


@rule("implicit-fallthrough", Severity.WARNING)
def implicit_fallthrough(ctx: Context) -> Findings:
    """A node falls through, in file order, into another branch's node.

    What it finds: a node with no arrow under it, so that the flow goes on to
    the next line's node, when that next node is also where another branch of
    a decide (or another stream of a parallel, or another outcome of a call)
    goes, and the node is on the way from the decide to it. This is how a
    forgotten `-> TARGET` at the end of one branch reads: the branch runs on
    into the next branch. (C compilers warn about the same mistake in a
    `switch`.)

    Why it matters: the chart and the written SOP send the technician on to
    the other branch's steps, silently; nothing else looks wrong.

    Incorrect:
        decide backup_ok: Did last night's backup finish?
          yes -> record
          no -> rerun
        step rerun: Run the backup job again.
        step record: Record the result in the ticket.

    Correct:
        decide backup_ok: Did last night's backup finish?
          yes -> record
          no -> rerun
        step rerun: Run the backup job again.
          -> record
        step record: Record the result in the ticket.

    How to silence: write the arrow: `-> NEXT` when the fall-through is meant
    (as above), or `-> TARGET` to where the branch should go.
    """
    procedure, graph = ctx.procedure, ctx.graph
    by_id = procedure.by_id
    # Where each fan-out's arrows lead: target id -> [(fan-out node, arrow)].
    fan_in: dict[str, list] = {}
    for node in by_id.values():
        if len(node.branches) >= 2:
            for arrow in node.branches:
                fan_in.setdefault(arrow.target, []).append((node, arrow))
    for node in by_id.values():
        if node.info.terminal or node.branches or node.goto is not None:
            continue
        after = procedure.successors(node)
        if not after or after[0][0] is not None:
            continue
        target = _implicit_target(graph, node.id)
        if target is None or target not in fan_in:
            continue
        ancestors = _ancestors_avoiding(graph, node.id, target)
        for fan, arrow in fan_in[target]:
            if fan.id == node.id or not any(a.target != target and a.target in ancestors
                                            for a in fan.branches):
                continue
            into = by_id[target]
            what = (f"stream '{arrow.label}'" if fan.info.streams and arrow.label
                    else "a stream" if fan.info.streams
                    else f"branch '{arrow.label}'" if fan.info.branches
                    else f"outcome '{arrow.label}'")
            yield Finding(node.span, f"{describe(node)} falls through to {describe(into)}, "
                                     f"where {what} of {describe(fan)} goes too",
                          f"write '-> {target}' under it if it should go on there, or "
                          "'-> TARGET' to where it should go")
            break


def _implicit_target(graph, node_id: str) -> str | None:
    for _, target, data in graph.out_edges(node_id, data=True):
        if data.get("spans") == (None,):
            return target
    return None


def _ancestors_avoiding(graph, node_id: str, avoid: str) -> set[str]:
    """``node_id`` and every node from which it is reached without passing ``avoid``."""
    seen, stack = {node_id}, [node_id]
    while stack:
        for parent in graph.predecessors(stack.pop()):
            if parent != avoid and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen
