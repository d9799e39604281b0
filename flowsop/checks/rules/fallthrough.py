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
    goes, and the node is on the way from the decide to it (on lines between
    the two). This is how a
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
    # Where each fan-out's forward arrows lead: target id -> [(fan-out, arrow)].
    # (An arrow back up the file is a loop: flowing into its target from the
    # line above is how a loop is entered, not a forgotten arrow.)
    fan_in: dict[str, list] = {}
    for node in by_id.values():
        if len(node.branches) >= 2:
            for arrow in node.branches:
                target = by_id.get(arrow.target)
                if target is not None and target.index > node.index:
                    fan_in.setdefault(arrow.target, []).append((node, arrow))
    for node in by_id.values():
        if node.info.terminal or node.branches or node.goto is not None:
            continue
        target = _implicit_target(graph, node.id)
        if target is None or target not in fan_in:
            continue
        into = by_id[target]
        for fan, arrow in fan_in[target]:
            if fan.id == node.id or not fan.index < node.index < into.index:
                continue
            starts = [a.target for a in fan.branches if a.target != target]
            if not _reaches(graph, by_id, starts, node.id, fan.index, into.index):
                continue
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


def _reaches(graph, by_id, starts, goal: str, low: int, high: int) -> bool:
    """Whether ``goal`` is reached from one of ``starts`` through nodes that
    stand, in the file, between the fan-out (``low``) and the node fallen into
    (``high``): the other branches' own lines. Linear in that window."""
    seen = {s for s in starts if s in by_id and low < by_id[s].index < high}
    stack = list(seen)
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        for child in graph.successors(current):
            if child not in seen and low < by_id[child].index < high:
                seen.add(child)
                stack.append(child)
    return False
