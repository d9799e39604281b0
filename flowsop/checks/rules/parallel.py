"""Rules on parallel work: a parallel's streams, and whether its join can be
reached by all of them (workflow-graph soundness, see ``support/soundness``)."""

from __future__ import annotations

from ...diagnostics import Severity
from ..base import Context, Finding, Findings, describe, rule


@rule("parallel-branches", Severity.ERROR)
def parallel_branches(ctx: Context) -> Findings:
    """A parallel has fewer than two streams.

    What it finds: a `parallel:` with no arrow, or a single one, under it.

    Why it matters: a parallel says "these pieces of work run at the same
    time"; with one stream nothing runs beside it, and the chart draws a fork
    that splits nothing. Usually a stream was forgotten, or the parallel
    should be a step.

    Incorrect:
        parallel prepare: Prepare the new starter's accounts and kit.
          accounts -> create_accounts

    Correct:
        parallel prepare: Prepare the new starter's accounts and kit.
          accounts -> create_accounts
          kit -> order_laptop

    How to silence: add the missing stream, or make the parallel a step.
    """
    flow = ctx.flow
    for node in ctx.procedure.nodes:
        if node.info.streams and len(node.branches) < 2 and \
                (not flow.starts or node.id in flow.reachable):
            what = "no stream" if not node.branches else "only one stream"
            yield Finding(node.span, f"{describe(node)} has {what}",
                          "list each piece of work that runs at the same time under it "
                          "as '-> TARGET' or 'LABEL -> TARGET'")


@rule("join-deadlock", Severity.ERROR)
def join_deadlock(ctx: Context) -> Findings:
    """A join can wait forever.

    What it finds: a `join:` that some run of the procedure reaches with
    fewer than all the streams of its parallel: a stream can leave its
    parallel without reaching the join (a decide inside it exits to an end,
    to another join, or back before the parallel), or an arrow from outside
    any parallel reaches the join. Reported at the join, naming the stream
    and where it goes instead.

    How it is found (for this rule and `lack-of-synchronisation`): a join
    continues once one token of every stream of its parallel has arrived, by
    whichever arrows. Each stream is followed from its first node over every
    choice until it stops: at a join, an end, its own parallel again, or the
    work after its join; a nested parallel is crossed as one unit, from its
    fork to its join. A parallel is sound when all its streams stop at one
    join and nowhere else, and no node lies on two streams. This is exact
    for block-structured and non-block-structured procedures alike (streams
    that share nodes, cross into each other's branches or loop), because a
    stream's token waits for nothing before a join, so every path found is
    one that some run takes; it costs one graph search per stream. Limits:
    decisions are taken as free choices (flowsop cannot know that two
    questions always get the same answer); a nested parallel that is itself
    unsound is reported once, and crossed at its join by the outer analysis;
    a loop that never exits is `no-exit`'s business. The token-game test
    (`tests/test_token_game.py`) plays every run of 3,000 generated
    procedures and agrees with it.

    Why it matters: the technician at the join waits for work that never
    arrives; the procedure stops there with no outcome.

    Incorrect:
        parallel prepare: Prepare the accounts and the kit.
          accounts -> accounts
          kit -> stock
        step accounts: Create the accounts.
          -> ready
        decide stock: Is a laptop in stock?
          yes -> ready
          no -> cancelled
        join ready: Accounts and kit are ready.
        end done: The new starter can work.
        end cancelled: The start date is moved.

    Correct:
        parallel prepare: Prepare the accounts and the kit.
          accounts -> accounts
          kit -> stock
        step accounts: Create the accounts.
          -> ready
        decide stock: Is a laptop in stock?
          yes -> ready
          no -> order
        step order: Order a laptop and wait for it.
        join ready: Accounts and kit are ready.
        end done: The new starter can work.

    How to silence: make every stream of the parallel end at its join, and
    take every way out of the parallel after the join.
    """
    for problem in ctx.streams:
        if problem.kind == "join-deadlock":
            yield Finding(ctx.procedure.by_id[problem.node].span, problem.reason,
                          "make every stream of the parallel end at this join")


@rule("lack-of-synchronisation", Severity.ERROR)
def lack_of_synchronisation(ctx: Context) -> Findings:
    """Work runs on without waiting for its parallel's other streams.

    What it finds: a stream of a parallel that reaches an end while the other
    streams still run, flows past its join into the work after it (which then
    runs twice at once), or reaches its parallel again before the join; and
    two streams of one parallel that start at the same node. Reported where
    it happens: at the end, at the node the stream merges into, or at the
    parallel.

    Why it matters: the procedure is "done" while somebody still works on it,
    or a step runs twice at the same time (two technicians book one visit).

    Incorrect:
        parallel prepare: Prepare the accounts and the kit.
          accounts -> accounts
          kit -> kit
        step accounts: Create the accounts.
          -> welcome
        step kit: Set up the laptop.
        join ready: Accounts and kit are ready.
        step welcome: Welcome the new starter.
        end done: The new starter can work.

    Correct:
        parallel prepare: Prepare the accounts and the kit.
          accounts -> accounts
          kit -> kit
        step accounts: Create the accounts.
          -> ready
        step kit: Set up the laptop.
        join ready: Accounts and kit are ready.
        step welcome: Welcome the new starter.
        end done: The new starter can work.

    How to silence: end the stream at the parallel's join (`-> JOIN`). See
    `join-deadlock` for the method.
    """
    for problem in ctx.streams:
        if problem.kind == "lack-of-synchronisation":
            yield Finding(ctx.procedure.by_id[problem.node].span, problem.reason,
                          "end the stream at its parallel's join")
