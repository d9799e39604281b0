"""Duration rule: a `duration:` is summed and shown; it must read as one."""

from __future__ import annotations

from ...diagnostics import Severity
from ...core.durations import read_duration
from ..base import Context, Finding, Findings, rule


@rule("invalid-duration", Severity.WARNING)
def invalid_duration(ctx: Context) -> Findings:
    """A `duration:` that does not read as an amount of time.

    What it finds: a step's `duration` that is none of the forms SOP authors
    write: a number and a unit (`30 s`, `5 min`, `1.5 h`, `2 days`, `1 week`,
    `1 month`), hours and minutes (`00:15`), a range (`3 to 5 days`, `1–2 h`,
    `between 2 and 4 hours`), an upper bound (`up to 30 min`), an estimate
    (`about 10 min`), working time (`1 working day`, 8 hours), `1 night` or
    `overnight` (12 hours), or ISO 8601 (`PT30M`, `P1DT2H`); for example
    `quick`, `soon` or `5 min or so`.

    Why it matters: the written SOP and the chart show the duration as
    written, but a value that does not read cannot be added up, so the
    procedure's total time silently leaves it out; a technician planning a
    visit from the total would plan too little time. (A range counts with its
    longer end.)

    Incorrect:
        step: Apply the patch baseline.
          duration: about an hour or two

    Correct:
        step: Apply the patch baseline.
          duration: 1 to 2 h

    How to silence: write one of the forms above.
    """
    for node in ctx.procedure.nodes:
        for attr in node.attributes:
            if attr.key == "duration" and read_duration(attr.value) is None:
                yield Finding(attr.span, f"'duration: {attr.value}' does not read as a duration",
                              "write a number and a unit ('5 min', '2 days'), a range "
                              "('3 to 5 days'), 'up to 30 min' or hours and minutes ('00:15')")
