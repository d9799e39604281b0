"""Dates and periods of the title page: ``review_every: 90 days`` and the like."""

from __future__ import annotations

import calendar
import datetime as _dt
import re

_PERIOD = re.compile(r"^\s*(\d{1,4})\s*(day|week|month|year)s?\s*$", re.IGNORECASE)


def parse_period(text: str | None) -> tuple[int, str] | None:
    """``"90 days"`` → ``(90, "day")``; None when it does not read as a period."""
    m = _PERIOD.match(text or "")
    if not m or int(m.group(1)) == 0:
        return None
    return int(m.group(1)), m.group(2).lower()


def add_period(start: _dt.date, period: tuple[int, str]) -> _dt.date:
    n, unit = period
    if unit == "day":
        return start + _dt.timedelta(days=n)
    if unit == "week":
        return start + _dt.timedelta(weeks=n)
    months = n * (12 if unit == "year" else 1)
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    if year > 9999:
        return _dt.date.max
    # 31 January + 1 month is the last day of February.
    return start.replace(year=year, month=month,
                         day=min(start.day, calendar.monthrange(year, month)[1]))


def version_key(version: str | None) -> tuple | None:
    """``"1.10.2"`` → ``(1, 10, 2)``; None for a version that is not dotted numbers."""
    m = re.fullmatch(r"\s*v?(\d+(?:\.\d+)*)\s*", version or "")
    return tuple(int(p) for p in m.group(1).split(".")) if m else None
