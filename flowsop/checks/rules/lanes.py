"""Lane rules: one role, one lane."""

from __future__ import annotations

from ...diagnostics import Severity
from ..base import Context, Finding, Findings, rule


@rule("lane-case", Severity.WARNING)
def lane_case(ctx: Context) -> Findings:
    """Two lanes whose names differ only in case or spacing.

    What it finds: a `lane` line whose name is another lane's name written
    with other capitals or other spaces (`Service desk`, `service  Desk`),
    at the later line.

    Why it matters: the chart draws two bands and the role summary counts two
    roles for one team; a reader wonders whether "Service Desk" and "Service
    desk" are different people.

    Incorrect:
        lane Service desk
        start: A user calls.
        lane Technician
        step: Visit the site.
        lane Service Desk
        end: The ticket is closed.

    Correct:
        lane Service desk
        start: A user calls.
        lane Technician
        step: Visit the site.
        lane Service desk
        end: The ticket is closed.

    How to silence: write the lane's name the same way each time.
    """
    first: dict[str, tuple[str, int]] = {}
    for lane in ctx.procedure.lanes:
        key = "".join(lane.name.split()).casefold()
        seen = first.setdefault(key, (lane.name, lane.span.line))
        if seen[0] != lane.name:
            yield Finding(lane.span, f"the lane '{lane.name}' is the lane '{seen[0]}' of line "
                                     f"{seen[1]} written another way",
                          f"write it '{seen[0]}' here too")
