"""read_duration: every form SOP authors write in ``duration:``, the refusals, and
agreement with the older parse_duration on everything that one reads."""

from __future__ import annotations

import importlib
import types
import itertools
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from flowsop.core.durations import MAX_MINUTES, Duration, format_minutes, read_duration


# 0.1's duration reader (flowsop/periods.py, replaced by core.durations),
# kept here as the reference that the new reader must agree with.
_OLD_DURATION = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|"
    r"d|days?|w|wk|weeks?)\s*$", re.IGNORECASE)
_OLD_CLOCK = re.compile(r"^\s*(\d{1,3}):([0-5]\d)\s*$")
_OLD_MINUTES = {"s": 1 / 60, "m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}


def _old_parse_duration(text: str | None) -> float | None:
    """Minutes in ``"5 min"``, ``"1.5 h"``, ``"2 days"`` or ``"00:15"``; None otherwise."""
    m = _OLD_DURATION.match(text or "")
    if m:
        unit = m.group(2).lower()
        key = "m" if unit.startswith("mi") or unit == "m" else unit[0]
        return float(m.group(1).replace(",", ".")) * _OLD_MINUTES[key]
    m = _OLD_CLOCK.match(text or "")
    if m:
        return int(m.group(1)) * 60 + int(m.group(2))
    return None


def _old_format_minutes(minutes: float) -> str:
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


def _periods():
    return types.SimpleNamespace(parse_duration=_old_parse_duration,
                                 format_minutes=_old_format_minutes)


S, MIN, H, DAY, WEEK = 1 / 60, 1, 60, 24 * 60, 7 * 24 * 60
WDAY = 8 * H

READS = [
    # what parse_duration read already
    ("30 s", 0.5, 0.5, False),
    ("30 sec", 0.5, 0.5, False),
    ("30 secs", 0.5, 0.5, False),
    ("1 second", S, S, False),
    ("90 seconds", 1.5, 1.5, False),
    ("5 m", 5, 5, False),
    ("5 min", 5, 5, False),
    ("5min", 5, 5, False),
    ("5 mins", 5, 5, False),
    ("1 minute", 1, 1, False),
    ("5 minutes", 5, 5, False),
    ("5 MIN", 5, 5, False),
    ("  5 Min  ", 5, 5, False),
    ("1.5 h", 90, 90, False),
    ("1,5 h", 90, 90, False),
    ("2 hr", 120, 120, False),
    ("2 hrs", 120, 120, False),
    ("1 hour", 60, 60, False),
    ("2 hours", 120, 120, False),
    ("2 d", 2 * DAY, 2 * DAY, False),
    ("1 day", DAY, DAY, False),
    ("2 days", 2 * DAY, 2 * DAY, False),
    ("1 w", WEEK, WEEK, False),
    ("1 wk", WEEK, WEEK, False),
    ("1 week", WEEK, WEEK, False),
    ("2 weeks", 2 * WEEK, 2 * WEEK, False),
    ("0 min", 0, 0, False),
    ("00:15", 15, 15, False),
    ("1:30", 90, 90, False),
    ("0:00", 0, 0, False),
    # ranges
    ("3 to 5 days", 3 * DAY, 5 * DAY, False),
    ("3-5 days", 3 * DAY, 5 * DAY, False),
    ("3 - 5 days", 3 * DAY, 5 * DAY, False),
    ("3 – 5 days", 3 * DAY, 5 * DAY, False),
    ("3–5 days", 3 * DAY, 5 * DAY, False),
    ("3—5 days", 3 * DAY, 5 * DAY, False),
    ("1–2 h", 60, 120, False),
    ("1-2h", 60, 120, False),
    ("1 h to 90 min", 60, 90, False),
    ("3 days to 1 week", 3 * DAY, WEEK, False),
    ("1 h to 1 h", 60, 60, False),
    ("5 to 5 days", 5 * DAY, 5 * DAY, False),
    ("0-5 min", 0, 5, False),
    ("between 2 and 4 hours", 120, 240, False),
    ("Between 1 h and 90 min", 60, 90, False),
    ("1 h – 1 h 30 min", 60, 90, False),
    ("3-5 working days", 3 * WDAY, 5 * WDAY, True),
    ("1 to 2 business days", WDAY, 2 * WDAY, True),
    ("1 working day to 2 working days", WDAY, 2 * WDAY, True),
    # upper bounds
    ("up to 30 min", 0, 30, False),
    ("Up To 30 Min", 0, 30, False),
    ("at most 2 h", 0, 120, False),
    ("max 2 h", 0, 120, False),
    ("max. 2 h", 0, 120, False),
    ("maximum 2 h", 0, 120, False),
    ("no more than 2 h", 0, 120, False),
    ("less than 1 h", 0, 60, False),
    ("under 1 h", 0, 60, False),
    ("< 1 h", 0, 60, False),
    ("<1h", 0, 60, False),
    ("<= 1 h", 0, 60, False),
    ("≤ 1 h", 0, 60, False),
    ("up to 2 working days", 0, 2 * WDAY, True),
    ("up to an hour", 0, 60, False),
    # approximate single values
    ("about 10 min", 10, 10, False),
    ("around 10 min", 10, 10, False),
    ("~10 min", 10, 10, False),
    ("~ 10 min", 10, 10, False),
    ("≈ 10 min", 10, 10, False),
    ("approx. 10 min", 10, 10, False),
    ("approx 10 min", 10, 10, False),
    ("approximately 10 min", 10, 10, False),
    ("roughly 10 min", 10, 10, False),
    ("circa 10 min", 10, 10, False),
    ("ca. 10 min", 10, 10, False),
    ("about an hour", 60, 60, False),
    # business time
    ("1 working day", WDAY, WDAY, True),
    ("1 Working Day", WDAY, WDAY, True),
    ("2 working days", 2 * WDAY, 2 * WDAY, True),
    ("2 business days", 2 * WDAY, 2 * WDAY, True),
    ("1 business day", WDAY, WDAY, True),
    ("1 working hour", 60, 60, True),
    ("4 working hours", 240, 240, True),
    ("4 business hrs", 240, 240, True),
    ("2 workdays", 2 * WDAY, 2 * WDAY, True),
    ("0.5 working days", 4 * H, 4 * H, True),
    ("a working day", WDAY, WDAY, True),
    ("a business day", WDAY, WDAY, True),
    ("a working hour", 60, 60, True),
    ("a workday", WDAY, WDAY, True),
    ("half a working day", 4 * H, 4 * H, True),
    # words
    ("1 night", 12 * H, 12 * H, False),
    ("a night", 12 * H, 12 * H, False),
    ("overnight", 12 * H, 12 * H, False),
    ("Overnight", 12 * H, 12 * H, False),
    ("half a day", 12 * H, 12 * H, False),
    ("half an hour", 30, 30, False),
    ("half a minute", 0.5, 0.5, False),
    ("half a week", WEEK / 2, WEEK / 2, False),
    ("a day", DAY, DAY, False),
    ("an hour", 60, 60, False),
    ("a minute", 1, 1, False),
    ("a week", WEEK, WEEK, False),
    ("a month", 30 * DAY, 30 * DAY, False),
    ("a few minutes", 2, 5, False),
    ("A few minutes", 2, 5, False),
    ("1 month", 30 * DAY, 30 * DAY, False),
    ("2 months", 60 * DAY, 60 * DAY, False),
    ("1-2 months", 30 * DAY, 60 * DAY, False),
    ("1 year", 365 * DAY, 365 * DAY, False),
    ("10 years", 3650 * DAY, 3650 * DAY, False),
    # compounds, as format_minutes writes them
    ("1 h 30 min", 90, 90, False),
    ("1h30min", 90, 90, False),
    ("1 h 35 min", 95, 95, False),
    ("2 days 3 h", 2 * DAY + 180, 2 * DAY + 180, False),
    ("1 week 2 days", WEEK + 2 * DAY, WEEK + 2 * DAY, False),
    ("1 h 1.5 min", 61.5, 61.5, False),
    # ISO 8601
    ("PT30M", 30, 30, False),
    ("PT1H30M", 90, 90, False),
    ("P1D", DAY, DAY, False),
    ("P0D", 0, 0, False),
    ("PT0S", 0, 0, False),
    ("P1W", WEEK, WEEK, False),
    ("P1DT2H", DAY + 120, DAY + 120, False),
    ("PT0.5H", 30, 30, False),
    ("PT0,5H", 30, 30, False),
    ("PT45S", 0.75, 0.75, False),
    ("P1M", 30 * DAY, 30 * DAY, False),
    ("P1Y", 365 * DAY, 365 * DAY, False),
    ("pt30m", 30, 30, False),
    (" PT30M ", 30, 30, False),
    ("P1DT0.5H", DAY + 30, DAY + 30, False),
]


@pytest.mark.parametrize("text, minimum, maximum, working", READS)
def test_reads(text, minimum, maximum, working):
    got = read_duration(text)
    assert got == Duration(minimum, maximum, working), text
    assert got.minimum == pytest.approx(minimum) and got.maximum == pytest.approx(maximum)
    assert got.working is working


REFUSED = [
    None, "", "   ", "5", "min", "h", "quick", "soon", "asap", "TBD", "n/a",
    "5 to 3 days", "2 h to 90 min", "between 4 and 2 hours",
    "-5 min", "- 5 min", "5 - -3 min", "~-5 min", "up to -1 h",
    "11 years", "100000 days", "1000 weeks", "999999999999 min", "P11Y", "PT99999999H",
    "5 min or so", "5 min.", "about 5 min or so", "5 min!", "5 min, 3 min", "5 mins?",
    "5 minutes 5 minutes", "5 min 3 h", "1 h 1 h", "1.5 h 10 min", "1 working day 2 h",
    "1 working day to 2 days", "2 days to 3 working days",
    "3to5days", "between2and4hours", "upto 30 min", "about10 min", "a5 min",
    "3 to 5", "3 - 5", "3 to 5 to 7 days", "3-5-7 days", "between 2 and 3 and 4 h",
    "between 2 h", "between and 4 h", "to 5 days", "3 to", "- 5 days",
    "up to 3-5 days", "about 3 to 5 days", "up to about 5 min", "about", "up to",
    "~", "<", "max", "between",
    "1:30 to 2:00", "1:60", "1:5", "1234:00", "1 : 30", "~1:30",
    "1.5.5 h", "1. 5 h", "1 .5 h", "5 minute s", "5 mn", "5 hs", "5 dayz", "5 yrs",
    "2 nights", "1.5 night", "night", "a few", "few minutes", "a few hours",
    "a hour", "an day", "an minute", "a  days", "an", "half", "half an day", "half day",
    "half a half a day", "one day", "five minutes", "a 5 min",
    "working day", "1 working", "1 working week", "1 working min", "1 business",
    "P", "PT", "P1DT", "P1D T2H", "PT1.5H30M", "P0.5DT1H", "-P1D", "P-1D", "T1H",
    "P1H", "PT1D", "P1DP1D", "PT30M5", "PT30 M",
]


@pytest.mark.parametrize("text", REFUSED)
def test_refuses(text):
    assert read_duration(text) is None


def test_not_a_string():
    assert read_duration(5) is None  # type: ignore[arg-type]
    assert read_duration(b"5 min") is None  # type: ignore[arg-type]


@pytest.mark.parametrize("duration, text", [
    (Duration(5, 5), "5 min"),
    (Duration(0, 0), "0 min"),
    (Duration(0.5, 0.5), "30 s"),
    (Duration(90, 90), "1 h 30 min"),
    (Duration(3 * DAY, 5 * DAY), "3–5 days"),
    (Duration(DAY, 2 * DAY), "1–2 days"),
    (Duration(60, 120), "1–2 h"),
    (Duration(2, 5), "2–5 min"),
    (Duration(60, 90), "1 h – 1 h 30 min"),
    (Duration(0, 30), "up to 30 min"),
    (Duration(0, 2 * DAY), "up to 2 days"),
    (Duration(WDAY, WDAY, True), "1 working day"),
    (Duration(2 * WDAY, 2 * WDAY, True), "2 working days"),
    (Duration(60, 60, True), "1 working hour"),
    (Duration(90, 90, True), "1.5 working hours"),
    (Duration(3 * WDAY, 5 * WDAY, True), "3–5 working days"),
    (Duration(0, 2 * WDAY, True), "up to 2 working days"),
    (Duration(12345 * H, 12345 * H, True), "12345 working hours"),
    (Duration(1 / 6, 1 / 6), "10 s"),
])
def test_str(duration, text):
    assert str(duration) == text
    assert read_duration(text) == duration  # what str() writes reads back


@pytest.mark.parametrize("text", [t for t, *_ in READS])
def test_str_reads_back(text):
    got = read_duration(text)
    again = read_duration(str(got))
    assert again is not None, str(got)
    assert again.working == got.working
    # str() rounds to whole minutes from a minute up
    assert again.minimum == pytest.approx(got.minimum, abs=0.5)
    assert again.maximum == pytest.approx(got.maximum, abs=0.5)


def test_format_minutes_is_the_old_one():
    old = _periods().format_minutes
    for minutes in [*range(0, 3 * DAY, 7), 0.4, 0.5, 1.5, 2.5, 59.5, 59.6, 1439.5,
                    DAY, 2 * DAY, 10 * DAY + 1, 12345.678, 1e7]:
        assert format_minutes(minutes) == old(minutes), minutes


# ---- the single form and the range "n to n" agree ------------------------------

UNITS = ["s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute", "minutes",
         "h", "hr", "hrs", "hour", "hours", "d", "day", "days", "w", "wk", "week", "weeks",
         "month", "months", "year", "years", "working day", "working days",
         "business day", "business days", "working hour", "working hours", "business hrs",
         "workday", "workdays", "MIN", "Hours", "Working Days"]

numbers = st.one_of(
    st.integers(0, 10**9).map(str),
    st.tuples(st.integers(0, 10**6), st.integers(0, 999), st.sampled_from(".,")).map(
        lambda t: f"{t[0]}{t[2]}{t[1]}"),
)


@given(numbers, st.sampled_from(UNITS), st.sampled_from(["", " ", "  "]))
@settings(max_examples=400, deadline=None)
def test_single_and_n_to_n_agree(n, unit, gap):
    if unit.lower().startswith(("working", "business")):
        gap = " "  # "5working days" is refused: words other than units stand apart
    single = read_duration(f"{n}{gap}{unit}")
    assert read_duration(f"{n} to {n} {unit}") == single
    assert read_duration(f"{n}–{n} {unit}") == single
    assert read_duration(f"between {n} and {n} {unit}") == single
    assert read_duration(f"{n} {unit} to {n} {unit}") == single
    if single is not None:
        assert single.minimum == single.maximum
        assert read_duration(f"up to {n} {unit}") == Duration(0, single.maximum, single.working)
        assert read_duration(f"about {n} {unit}") == single


# ---- everything parse_duration reads, read_duration reads with the same minutes ---

LEGACY_UNITS = ["s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute",
                "minutes", "h", "hr", "hrs", "hour", "hours", "d", "day", "days",
                "w", "wk", "week", "weeks"]
LEGACY_NUMBERS = ["0", "1", "2", "5", "7", "10", "15", "30", "45", "90", "100", "007",
                  "0.5", "1.5", "1,5", "0,25", "2.75", "12.345", "0.1", "3.3333",
                  "١٥", "٢,٥"]  # Arabic-Indic digits: \d and float() take them


def _legacy_texts():
    for n, unit, gap in itertools.product(LEGACY_NUMBERS, LEGACY_UNITS,
                                          ["", " ", "\t", "\u00a0", "  "]):
        for u in {unit, unit.upper(), unit.title()}:
            yield f"{n}{gap}{u}"
    for n, unit in itertools.product(["1", "2.5"], LEGACY_UNITS):
        yield f"  {n} {unit}  "
        yield f"{n} {unit}\n"
    for h, m in itertools.product(["0", "00", "1", "12", "100", "999", "٣"], ["00", "05", "30", "59"]):
        yield f"{h}:{m}"
        yield f" {h}:{m} "


def test_agrees_with_parse_duration():
    parse_duration = _periods().parse_duration
    checked = 0
    for text in _legacy_texts():
        old = parse_duration(text)
        assert old is not None, text  # the list is of what the old reader reads
        new = read_duration(text)
        assert new is not None, text
        assert (new.minimum, new.maximum, new.working) == (old, old, False), text
        checked += 1
    assert checked > 2000


# the old reader's grammar, copied here to generate from (not imported: it is private)
_LEGACY = re.compile(
    r"\s*(\d+(?:[.,]\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|"
    r"d|days?|w|wk|weeks?)\s*|\s*(\d{1,3}):([0-5]\d)\s*", re.IGNORECASE)


@given(st.from_regex(_LEGACY, fullmatch=True).filter(lambda t: len(t) <= 200))
@settings(max_examples=500, deadline=None)
def test_agrees_with_parse_duration_generated(text):
    parse_duration = _periods().parse_duration
    try:
        old = parse_duration(text)
    except KeyError:  # the old reader fails on "ſ" (long s) as the unit's first letter
        assume(False)
    assume(old is not None)
    new = read_duration(text)
    if old > MAX_MINUTES:  # chosen: more than ten years is not a step duration
        assert new is None
    else:
        assert new == Duration(old, old, False), text


# ---- long inputs -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "5 min " * 200_000,
    "1" * 1_000_000,
    " " * 1_000_000 + "5 min",
    "5 min" + " " * 1_000_000,
    "between " + "1 and " * 170_000 + "2 h",
    "P" + "1" * 1_000_000 + "D",
    "~" * 1_000_000,
    "a" * 1_000_000,
])
def test_megabyte_is_refused_at_once(text):
    assert read_duration(text) is None


def test_just_over_the_limit():
    assert read_duration(" " * 195 + "5 min") == Duration(5, 5)   # 200 characters
    assert read_duration(" " * 196 + "5 min") is None             # 201
