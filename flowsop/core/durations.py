"""How long a step takes, as SOP authors write it in ``duration:``.

``read_duration`` reads everything the older ``parse_duration`` read (``30 s``,
``5 min``, ``1,5 h``, ``2 days``, ``1 week``, ``00:15``), with the same minutes,
and also:

* ranges: ``3 to 5 days``, ``3-5 days``, ``3 – 5 days``, ``1 h to 90 min``,
  ``between 2 and 4 hours``;
* upper bounds (minimum 0): ``up to 30 min``, ``at most 2 h``, ``max 2 h``,
  ``< 1 h``;
* approximate single values: ``about 10 min``, ``~10 min``, ``approx. 10 min``;
* business time: ``1 working day`` (8 hours of working time), ``2 business days``,
  ``1 working hour``;
* words: ``overnight``, ``1 night``, ``half a day``, ``half an hour``, ``a day``,
  ``an hour``, ``a few minutes``, ``1 month``, ``3 months``;
* compounds as ``format_minutes`` writes them: ``1 h 30 min``, ``2 days 3 h``;
* ISO 8601 durations: ``PT30M``, ``PT1H30M``, ``P1D``, ``P1W``, ``P1DT2H``, ``PT0.5H``.

Anything else is None: the reader is strict (``5 min or so`` is not read as
``5 min``). Every regular expression here is linear (no nested or overlapping
quantifiers), and a text over 200 characters is refused before any of them runs.

Nothing here imports from flowsop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

MAX_TEXT = 200
"""Longer texts are not durations; refused at once (inputs may be megabytes)."""

MAX_MINUTES = 10 * 365.25 * 24 * 60
"""Ten years: a larger value is a typo, not a step duration."""

_SECOND = 1 / 60          # the very factors of parse_duration, so the floats agree
_HOUR = 60
_DAY = 24 * 60
_WEEK = 7 * 24 * 60
_MONTH = 30 * _DAY        # a month is 30 days
_YEAR = 365 * _DAY
_WORKING_DAY = 8 * _HOUR  # a working day is 8 hours of working time
_NIGHT = 12 * _HOUR       # "1 night" / "overnight": 12 hours, as minimum and maximum

# unit word -> (minutes, rank); a compound ("1 h 30 min") needs strictly falling ranks
_UNITS: dict[str, tuple[float, int]] = {}
for _words, _minutes, _rank in (
    (("s", "sec", "secs", "second", "seconds"), _SECOND, 0),
    (("m", "min", "mins", "minute", "minutes"), 1, 1),
    (("h", "hr", "hrs", "hour", "hours"), _HOUR, 2),
    (("d", "day", "days"), _DAY, 3),
    (("w", "wk", "week", "weeks"), _WEEK, 4),
    (("month", "months"), _MONTH, 5),
    (("year", "years"), _YEAR, 6),
):
    for _w in _words:
        _UNITS[_w] = (_minutes, _rank)
del _words, _minutes, _rank, _w

# after "working" / "business"
_WORKING_UNITS = {"day": _WORKING_DAY, "days": _WORKING_DAY,
                  "hour": _HOUR, "hours": _HOUR, "hr": _HOUR, "hrs": _HOUR}
_WORKDAYS = {"workday": _WORKING_DAY, "workdays": _WORKING_DAY}
_WORKING = ("working", "business")
# what may follow "a" / "an" / "half a" (an only before "hour")
_SINGULAR = {"second": _SECOND, "minute": 1, "hour": _HOUR, "day": _DAY,
             "week": _WEEK, "month": _MONTH, "year": _YEAR}
_SINGULAR_WORKING = {"day": _WORKING_DAY, "hour": _HOUR}

_UPPER = [p.split() for p in (
    "up to", "at most", "max .", "max", "maximum", "no more than", "less than", "under",
    "< =", "<", "≤")]
_APPROX = [p.split() for p in (
    "about", "around", "approx .", "approx", "approximately", "roughly", "circa", "ca .",
    "~", "≈")]
_DASHES = ("-", "–", "—")  # hyphen, en dash, em dash

# The legacy hh:mm form, exactly as parse_duration reads it.
_CLOCK = re.compile(r"\s*(\d{1,3}):([0-5]\d)\s*")
# ISO 8601: P[nY][nM][nW][nD][T[nH][nM][nS]]; each group ends in its own letter.
_N = r"(\d+(?:[.,]\d+)?)"
_ISO = re.compile(rf"P(?:{_N}Y)?(?:{_N}M)?(?:{_N}W)?(?:{_N}D)?"
                  rf"(?:(T)(?:{_N}H)?(?:{_N}M)?(?:{_N}S)?)?", re.ASCII | re.IGNORECASE)
_ISO_MINUTES = (_YEAR, _MONTH, _WEEK, _DAY, None, _HOUR, 1, _SECOND)
# a number (as parse_duration: digits, optional . or , decimals), a word, or one sign;
# whitespace between tokens is skipped
_TOKEN = re.compile(r"(\d+(?:[.,]\d+)?)|([^\W\d_]+)|(\S)")


@dataclass(frozen=True)
class Duration:
    """A step's duration in minutes: a single value, a range, or an upper bound
    (minimum 0). ``working`` says the text counted business time ("working days")."""

    minimum: float   # minutes
    maximum: float   # minutes (== minimum for a single value)
    working: bool = False

    def __str__(self) -> str:
        lo, hi = self.minimum, self.maximum
        if self.working:
            return _working_text(lo, hi)
        if lo == hi:
            return _calendar_text(lo)
        if lo == 0:
            return f"up to {_calendar_text(hi)}"
        a, b = _calendar_text(lo), _calendar_text(hi)
        a_num, _, a_unit = a.partition(" ")
        b_num, _, b_unit = b.partition(" ")
        if " " not in a_unit and " " not in b_unit and _BASE.get(a_unit) == _BASE.get(b_unit):
            return f"{a_num}–{b_num} {b_unit}"
        return f"{a} – {b}"


_BASE = {"day": "day", "days": "day", "h": "h", "min": "min", "s": "s"}


def _number(x: float) -> str:
    """``2`` → ``"2"``, ``1.5`` → ``"1.5"``, to two decimals."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _calendar_text(minutes: float) -> str:
    if minutes != round(minutes) and minutes < 60:
        return f"{_number(minutes * 60)} s"
    return format_minutes(minutes)


def _working_text(lo: float, hi: float) -> str:
    in_days = hi > 0 and lo % _WORKING_DAY == 0 and hi % _WORKING_DAY == 0
    size, unit = (_WORKING_DAY, "working day") if in_days else (_HOUR, "working hour")
    a, b = _number(lo / size), _number(hi / size)
    unit += "s" * (b != "1")
    if lo == hi:
        return f"{b} {unit}"
    if lo == 0:
        return f"up to {b} {unit}"
    return f"{a}–{b} {unit}"


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


class _Tok(NamedTuple):
    kind: str    # "num", "word" or "sign"
    text: str    # a number as written; a word folded to lower case; the sign
    start: int
    end: int


class _Measure(NamedTuple):
    minutes: float
    working: bool
    factor: float | None  # minutes per unit when the text was one "<number> <unit>"


def read_duration(text: str | None) -> Duration | None:
    """The duration in ``text``; None when it does not read as one."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return None
    m = _CLOCK.fullmatch(text)
    if m:
        return _checked(float(int(m.group(1)) * 60 + int(m.group(2))), None, False)
    m = _ISO.fullmatch(text.strip())
    if m:
        return _iso(m)
    tokens = _tokens(text)
    if not tokens:
        return None
    got = _read(tokens)
    return _checked(*got) if got else None


def _checked(lo: float, hi: float | None, working: bool) -> Duration | None:
    hi = lo if hi is None else hi
    if not 0 <= lo <= hi <= MAX_MINUTES:  # also refuses NaN
        return None
    return Duration(lo, hi, working)


def _iso(m: re.Match) -> Duration | None:
    values = [(v, f) for v, f in zip(m.groups(), _ISO_MINUTES) if f is not None and v]
    if not values:                                   # "P", "PT"
        return None
    if m.group(5) and not any(m.group(i) for i in (6, 7, 8)):
        return None                                  # "P1DT": T without a time
    if any(any(c in v for c in ".,") for v, _ in values[:-1]):
        return None                                  # a fraction only on the last
    return _checked(sum(_float(v) * f for v, f in values), None, False)


def _float(number: str) -> float:
    return float(number.replace(",", "."))


def _fold(word: str) -> str:
    # what re.IGNORECASE matches, as parse_duration reads: Kelvin sign, long s, İ, ı
    return word.casefold().replace("i\u0307", "i").replace("ı", "i")


def _tokens(text: str) -> list[_Tok] | None:
    tokens = []
    for m in _TOKEN.finditer(text):
        kind = "num" if m.group(1) else "word" if m.group(2) else "sign"
        word = _fold(m.group()) if kind == "word" else m.group()
        tokens.append(_Tok(kind, word, m.start(), m.end()))
    # a word that is not a unit ("to", "about", "working") stands apart from
    # numbers: "5min" and "1h30min" read, "3to5days" does not
    for a, b in zip(tokens, tokens[1:]):
        if a.end == b.start and "sign" not in (a.kind, b.kind) and (
                _keyword(a) or _keyword(b)):
            return None
    return tokens


def _keyword(tok: _Tok) -> bool:
    return tok.kind == "word" and tok.text not in _UNITS and tok.text not in _WORKDAYS


def _read(toks: list[_Tok]) -> tuple[float, float, bool] | None:
    words = [t.text for t in toks]
    if (words == ["overnight"] or words == ["a", "night"]
            or (len(toks) == 2 and toks[0].kind == "num" and _float(words[0]) == 1
                and words[1] == "night")):
        return _NIGHT, _NIGHT, False
    if words == ["a", "few", "minutes"]:
        return 2, 5, False
    for prefix in _UPPER:
        if words[:len(prefix)] == prefix:
            got = _measure(toks[len(prefix):])
            return (0, got.minutes, got.working) if got else None
    for prefix in _APPROX:
        if words[:len(prefix)] == prefix:
            got = _measure(toks[len(prefix):])
            return (got.minutes, got.minutes, got.working) if got else None
    if words[0] == "between":
        ands = [i for i, t in enumerate(toks) if t.kind == "word" and t.text == "and"]
        return _range(toks[1:ands[0]], toks[ands[0] + 1:]) if len(ands) == 1 else None
    seps = [i for i, t in enumerate(toks)
            if (t.kind == "word" and t.text == "to") or (t.kind == "sign" and t.text in _DASHES)]
    if len(seps) == 1:
        return _range(toks[:seps[0]], toks[seps[0] + 1:])
    if seps:
        return None
    got = _measure(toks)
    return (got.minutes, got.minutes, got.working) if got else None


def _range(left: list[_Tok], right: list[_Tok]) -> tuple[float, float, bool] | None:
    hi = _measure(right)
    if hi is None:
        return None
    if len(left) == 1 and left[0].kind == "num":     # "3 to 5 days": the unit of 5
        if hi.factor is None:
            return None
        return _float(left[0].text) * hi.factor, hi.minutes, hi.working
    lo = _measure(left)
    if lo is None or lo.working != hi.working:      # no "1 working day to 2 days"
        return None
    return lo.minutes, hi.minutes, hi.working


def _unit(toks: list[_Tok], i: int) -> tuple[float, int, bool, int] | None:
    """The unit at ``toks[i]``: (minutes, rank, working, index after it)."""
    if i >= len(toks) or toks[i].kind != "word":
        return None
    word = toks[i].text
    if word in _UNITS:
        return (*_UNITS[word], False, i + 1)
    if word in _WORKDAYS:
        return _WORKDAYS[word], 3, True, i + 1
    if (word in _WORKING and i + 1 < len(toks) and toks[i + 1].kind == "word"
            and toks[i + 1].text in _WORKING_UNITS):
        return _WORKING_UNITS[toks[i + 1].text], 3, True, i + 2
    return None


def _measure(toks: list[_Tok]) -> _Measure | None:
    """One amount, all of ``toks``: ``5 min``, ``1 h 30 min``, ``2 working days``,
    ``an hour``, ``half a day``."""
    if not toks:
        return None
    words = [t.text for t in toks]
    if words[0] == "half":
        got = _article(words[1:])
        return _Measure(got.minutes / 2, got.working, None) if got else None
    if words[0] in ("a", "an"):
        return _article(words)
    total, rank, i, parts, fraction = 0.0, 99, 0, 0, False
    factor, working, was_working = None, False, False
    while i < len(toks):
        if toks[i].kind != "num" or fraction:   # a fraction only in the last part
            return None
        unit = _unit(toks, i + 1)
        if unit is None:
            return None
        factor, unit_rank, working, after = unit
        if unit_rank >= rank or (parts and (working or was_working)):
            return None                         # "1 h 1 h", "1 working day 2 h"
        was_working = working
        total += _float(toks[i].text) * factor
        fraction = any(c in toks[i].text for c in ".,")
        rank, i, parts = unit_rank, after, parts + 1
    return _Measure(total, working, factor if parts == 1 else None)


def _article(words: list[str]) -> _Measure | None:
    """``a day``, ``an hour``, ``a working day``, ``a workday``."""
    if len(words) == 2 and words[1] in _SINGULAR:
        minutes, working = _SINGULAR[words[1]], False
    elif len(words) == 2 and words[1] == "workday":
        minutes, working = _WORKING_DAY, True
    elif len(words) == 3 and words[1] in _WORKING and words[2] in _SINGULAR_WORKING:
        minutes, working = _SINGULAR_WORKING[words[2]], True
    else:
        return None
    if words[0] != ("an" if words[1] == "hour" else "a"):
        return None
    return _Measure(float(minutes), working, None)
