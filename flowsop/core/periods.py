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


_DURATION = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|"
    r"d|days?|w|wk|weeks?)\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"^\s*(\d{1,3}):([0-5]\d)\s*$")
_MINUTES = {"s": 1 / 60, "m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}


def parse_duration(text: str | None) -> float | None:
    """Minutes in ``"5 min"``, ``"1.5 h"``, ``"2 days"`` or ``"00:15"``; None otherwise."""
    m = _DURATION.match(text or "")
    if m:
        unit = m.group(2).lower()
        key = "m" if unit.startswith("mi") or unit == "m" else unit[0]
        return float(m.group(1).replace(",", ".")) * _MINUTES[key]
    m = _CLOCK.match(text or "")
    if m:
        return int(m.group(1)) * 60 + int(m.group(2))
    return None


def format_minutes(minutes: float) -> str:
    """A total duration for people: ``"1 h 35 min"``, ``"2 days 3 h"``."""
    total = round(minutes)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' * (days != 1)}")
    if hours:
        parts.append(f"{hours} h")
    if mins or not parts:
        parts.append(f"{mins} min")
    return " ".join(parts)
