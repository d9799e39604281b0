"""Structure rules: IDs, arrows, starts, ends and decision branches."""

from __future__ import annotations

from difflib import get_close_matches

from ...diagnostics import FILE_START, Severity
from ..base import Context, Finding, Findings, describe, rule


@rule("duplicate-id", Severity.ERROR)
def duplicate_id(ctx: Context) -> Findings:
    """Two nodes declare the same ID.

    What it finds: a node whose ID is already taken by a node above it. The
    diagnostic points at the second declaration and names the first.

    Why it matters: arrows name their target by ID; with two nodes of one ID,
    `-> book` could mean either, and a link to a step's anchor would be ambiguous.

    Incorrect:
        step book: Book the next free slot.
        step book: Book a technician.

    Correct:
        step book: Book the next free slot.
        step book_tech: Book a technician.

    How to silence: rename one of the nodes; this rule cannot be turned off.
    """
    first = ctx.procedure.by_id
    for node in ctx.procedure.nodes:
        original = first[node.id]
        if original is not node:
            yield Finding(node.id_span or node.span,
                          f"ID '{node.id}' is already used by the {original.kind} on line "
                          f"{original.span.line}", "give each node its own ID")


@rule("undefined-target", Severity.ERROR)
def undefined_target(ctx: Context) -> Findings:
    """An arrow goes to an ID that no node has.

    What it finds: `-> TARGET` or `LABEL -> TARGET` where no node in the file
    declares TARGET, with the closest existing ID as a suggestion.

    Why it matters: the technician following the procedure would not know where
    to go next; the chart would have an arrow into nothing.

    Incorrect:
        decide urgent: Is the deadline less than 4 hours away?
          yes -> nearst
          no -> book

    Correct:
        decide urgent: Is the deadline less than 4 hours away?
          yes -> nearest
          no -> book

    How to silence: fix the ID or declare the node; this rule cannot be turned off.
    """
    ids = ctx.procedure.by_id
    for node in ctx.procedure.nodes:
        if node.info.terminal:
            continue  # arrows under an end are end-has-next
        for arrow in node.arrows:
            if arrow.target not in ids:
                close = get_close_matches(arrow.target, list(ids), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "declare it, as in 'step ID: TEXT'"
                yield Finding(arrow.target_span, f"no node has the ID '{arrow.target}'", hint)


@rule("missing-start", Severity.ERROR)
def missing_start(ctx: Context) -> Findings:
    """The procedure has no `start`.

    What it finds: a file without any `start:` statement (reported at 1:1).

    Why it matters: a good SOP says where it begins: the trigger that starts the
    work. Without it, the reader cannot tell when to follow the procedure.

    Incorrect:
        step: Open the ticket.
        end: The ticket is open.

    Correct:
        start: A client reports a problem.
        step: Open the ticket.
        end: The ticket is open.

    How to silence: add a start; this rule cannot be turned off.
    """
    if ctx.procedure.body_found and not any(n.info.entry for n in ctx.procedure.nodes):
        yield Finding(FILE_START, "the procedure has no start",
                      "add the trigger as the first node: 'start: TEXT'")


@rule("missing-end", Severity.ERROR)
def missing_end(ctx: Context) -> Findings:
    """The procedure has no `end`.

    What it finds: a file without any `end:` statement (reported at 1:1).

    Why it matters: the scope of an SOP says which outcome ends it; a procedure
    with no outcome never finishes.

    Incorrect:
        start: A client reports a problem.
        step: Open the ticket.
          -> start-1

    Correct:
        start: A client reports a problem.
        step: Open the ticket.
        end: The ticket is open.

    How to silence: add an outcome; this rule cannot be turned off.
    """
    if ctx.procedure.body_found and not any(n.info.terminal for n in ctx.procedure.nodes):
        yield Finding(FILE_START, "the procedure has no end",
                      "add the outcome: 'end: TEXT'")


@rule("decision-branches", Severity.ERROR)
def decision_branches(ctx: Context) -> Findings:
    """A decide has fewer than two branches.

    What it finds: a `decide:` with no branch or a single branch under it.

    Why it matters: a decision is where the scenarios of an SOP split; with one
    way out it is not a decision, and with none the procedure stops there.

    Incorrect:
        decide urgent: Is the deadline less than 4 hours away?
          yes -> nearest

    Correct:
        decide urgent: Is the deadline less than 4 hours away?
          yes -> nearest
          no -> book

    How to silence: add the missing scenario, or make the decide a step.
    """
    flow = ctx.flow
    for node in ctx.procedure.nodes:
        if node.info.branches and len(node.branches) < 2 and _counts(flow, node.id):
            what = "no branch" if not node.branches else "only one branch"
            yield Finding(node.span, f"{describe(node)} has {what}",
                          "list each answer under it as 'LABEL -> TARGET'")


@rule("duplicate-branch", Severity.ERROR)
def duplicate_branch(ctx: Context) -> Findings:
    """Two branches of one decide have the same label.

    What it finds: a branch whose label (compared without regard to case) is
    already used by a branch above it under the same decide.

    Why it matters: the reader answers the question and follows the matching
    branch; two branches for one answer leave the next step ambiguous.

    Incorrect:
        decide in_stock: Are all parts in stock?
          yes -> brief
          Yes -> order

    Correct:
        decide in_stock: Are all parts in stock?
          yes -> brief
          no -> order

    How to silence: give each answer its own label.
    """
    for node in ctx.procedure.nodes:
        seen: dict[str, int] = {}
        for arrow in node.branches:
            if arrow.label is None:
                continue  # an unnamed stream of a parallel
            key = arrow.label.casefold()
            if key in seen:
                yield Finding(arrow.span, f"the branch '{arrow.label}' is already listed on line "
                                          f"{seen[key]}", "merge the two branches or relabel one")
            else:
                seen[key] = arrow.span.line


@rule("end-has-next", Severity.ERROR)
def end_has_next(ctx: Context) -> Findings:
    """An end is followed by `-> TARGET` or a branch.

    What it finds: an arrow written under an `end:`, at the arrow's own line.

    Why it matters: an end is an outcome: the procedure stops there. An arrow
    after it is either a mistake or a step that should not be an end.

    Incorrect:
        end arrived: The technician is on site.
          -> confirm

    Correct:
        step arrived: Confirm that the technician is on site.
          -> confirm

    How to silence: remove the arrow, or turn the end into a step.
    """
    for node in ctx.procedure.nodes:
        if not node.info.terminal:
            continue
        for arrow in node.arrows:
            yield Finding(arrow.span, f"{describe(node)} is an outcome and cannot go on",
                          "remove the arrow, or make the node a step")


def _counts(flow, node_id: str) -> bool:
    # An unreachable node is reported only as unreachable.
    return not flow.starts or node_id in flow.reachable
