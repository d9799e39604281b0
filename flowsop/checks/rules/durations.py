"""Duration rule: a `duration:` is summed and shown; it must read as one."""

from __future__ import annotations

from ...diagnostics import Severity
from ...core.periods import parse_duration
from ..base import Context, Finding, Findings, rule


@rule("invalid-duration", Severity.WARNING)
def invalid_duration(ctx: Context) -> Findings:
    """A `duration:` that does not read as an amount of time.

    What it finds: a step's `duration` that is neither a number and a unit
    (`30 s`, `5 min`, `1.5 h`, `2 days`, `1 week`) nor hours and minutes
    (`00:15`, `1:30`), for example `5-10 min`, `quick` or `half a day`.

    Why it matters: the written SOP and the chart show the duration as
    written, but a value that does not read cannot be added up, so the
    procedure's total time silently leaves it out; a technician planning a
    visit from the total would plan too little time.

    Incorrect:
        step: Apply the patch baseline.
          duration: about an hour

    Correct:
        step: Apply the patch baseline.
          duration: 1 h

    How to silence: write one number and a unit, or hours and minutes; for a
    range, write the longer time and say the range in a `note:`.
    """
    for node in ctx.procedure.nodes:
        for attr in node.attributes:
            if attr.key == "duration" and parse_duration(attr.value) is None:
                yield Finding(attr.span, f"'duration: {attr.value}' does not read as a duration",
                              "write a number and a unit ('5 min', '1.5 h', '2 days') "
                              "or hours and minutes ('00:15')")
