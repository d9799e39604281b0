"""What "today" is for a run: resolved once, where the run starts (the CLI,
``flowsop.load``, an integration's configuration), then passed down.

An explicit date wins; else ``SOURCE_DATE_EPOCH`` (reproducible builds:
https://reproducible-builds.org/specs/source-date-epoch/), read as a UTC date;
else the machine's clock.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Mapping


class DateError(ValueError):
    """A --today or SOURCE_DATE_EPOCH that is not a date (a usage error)."""


def resolve_today(value: _dt.date | str | None = None,
                  environ: Mapping[str, str] | None = None) -> _dt.date:
    """``value`` (a date or "YYYY-MM-DD"), else SOURCE_DATE_EPOCH, else the clock."""
    if isinstance(value, _dt.date):
        return value
    if value:
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            raise DateError(f"--today {value}: not a date (YYYY-MM-DD)") from None
    epoch = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date()
        except (ValueError, OverflowError, OSError):
            raise DateError(f"SOURCE_DATE_EPOCH={epoch}: not a number of seconds") from None
    return _dt.date.today()
