"""Flow rules: where the flow stops, what it never reaches, loops it cannot leave."""

from __future__ import annotations

from ...diagnostics import Severity
from ..base import Context, Finding, Findings, describe, rule

MAX_NAMED = 8


@rule("dead-end", Severity.ERROR)
def dead_end(ctx: Context) -> Findings:
    """A node that is not an end has no next node.

    What it finds: a start, step or call with no `-> TARGET` and no node after
    it in the file, typically a step written as the last statement.

    Why it matters: the technician finishes the step and has nowhere to go:
    the procedure stops without an outcome.

    Incorrect:
        start: A backup job failed.
        step: Restart the job.

    Correct:
        start: A backup job failed.
        step: Restart the job.
        end: The job runs again.

    How to silence: add an end after it, or `-> TARGET`.
    """
    flow = ctx.flow
    for node in ctx.procedure.nodes:
        # A decide or parallel without arrows is decision- or parallel-branches.
        if node.info.terminal or node.info.fans_out or ctx.procedure.successors(node):
            continue
        if flow.starts and node.id not in flow.reachable:
            continue  # reported only as unreachable
        yield Finding(node.span, f"{describe(node)} has no next node",
                      "add an 'end:' after it or '-> TARGET' under it")


@rule("unreachable", Severity.ERROR)
def unreachable(ctx: Context) -> Findings:
    """A node that no start reaches.

    What it finds: each node that cannot be reached by following the flow from
    any `start`, once per node.

    Why it matters: a step nobody can reach is a step nobody will do; usually an
    arrow is missing or points at the wrong ID.

    Incorrect:
        start: A user reports a locked account.
        step: Unlock the account.
          -> done
        step: Reset the password.
        end done: The user can sign in.

    Correct:
        start: A user reports a locked account.
        step: Unlock the account.
        step: Reset the password.
        end done: The user can sign in.

    How to silence: add an arrow to the node, or remove it.
    """
    flow = ctx.flow
    if not flow.starts:
        return  # missing-start alone
    for node in ctx.procedure.nodes:
        if node.id not in flow.reachable and ctx.procedure.by_id[node.id] is node:
            yield Finding(node.span, f"{describe(node)} is never reached from a start",
                          "add an arrow to it, or remove it")


@rule("no-exit", Severity.ERROR)
def no_exit(ctx: Context) -> Findings:
    """A loop with no way out: the flow enters it and can never reach an end.

    What it finds: a set of nodes containing a cycle, reached from a start, from
    which no end can be reached. It is reported once per such trap, at the node
    where the flow enters it, and names the other nodes of the trap.

    Why it matters: a retry loop without a limit or an escalation keeps the
    technician going round for ever; every scenario of an SOP must reach an
    outcome.

    Incorrect:
        start: A backup job failed.
        step retry: Restart the job.
        decide ok: Did the job succeed?
          yes -> retry
          no -> retry
        end: The job ran.

    Correct:
        start: A backup job failed.
        step retry: Restart the job.
        decide ok: Did the job succeed?
          yes -> done
          no -> retry
        end done: The job ran.

    How to silence: give the loop an exit (a branch to an end or to a step
    after the loop).
    """
    flow = ctx.flow
    if not flow.starts or not flow.ends:
        return  # missing-start or missing-end alone
    by_id = ctx.procedure.by_id
    for entry, *others in flow.traps():
        node = by_id[entry]
        if others:
            named = ", ".join(describe(by_id[o]) for o in others[:MAX_NAMED])
            if len(others) > MAX_NAMED:
                named += f" and {len(others) - MAX_NAMED} more"
            message = f"the flow enters a loop at {describe(node)} and never reaches an end " \
                      f"(the loop also holds {named})"
        else:
            message = f"{describe(node)} loops back to itself and never reaches an end"
        yield Finding(node.span, message, "add a way out of the loop that leads to an end")
