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
