"""Reading when something happened the way staff say it: "yesterday 9pm", "last night", "21/11/2026 18:30".

Relative words (today, yesterday, last night, this morning, weekdays) are read here; absolute dates
and times are read by python-dateutil, day first as in the UK. The result never invents precision:
"last night" is stored as a date and a part of the day, not as a made-up clock time, because a
safeguarding record must say only what the reporter said.

A moment is stored as JSON-safe data: {"date": "2026-11-20", "time": "21:00" | null, "part": "night" | null}.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Literal

from dateutil import parser as dateutil_parser

Part = Literal["morning", "afternoon", "evening", "night"]
PARTS: tuple[Part, ...] = ("morning", "afternoon", "evening", "night")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_RE = "|".join(_WEEKDAYS) + "|" + "|".join(d[:3] for d in _WEEKDAYS)

# Relative days: the phrase, the offset in days from today, and the part of the day it implies.
_RELATIVE: tuple[tuple[str, int, Part | None], ...] = (
    (r"(?:the\s+)?day\s+before\s+yesterday", -2, None),
    (r"last\s+night", -1, "night"),
    (r"yesterday", -1, None),
    (r"tonight", 0, "night"),
    (r"this\s+(morning|afternoon|evening)", 0, None),
    (r"today", 0, None),
    (r"tomorrow", 1, None),
)
_FILLER = re.compile(r"\b(?:on|at|about|around|approx(?:imately)?|roughly|in\s+the)\b|~")
_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$")
_NOW = ("now", "just now", "right now")
_MIDNIGHT_NOON = {"midnight": time(0, 0), "noon": time(12, 0), "midday": time(12, 0)}


def parse_moment(text: str, *, now: datetime, tense: Literal["past", "future"] | None = None) -> dict | None:
    """The moment `text` names, read relative to `now` (aware, in the school's zone); None if unreadable.

    `tense` resolves what the words leave open: a weekday or a date without a year is taken as
    the most recent one for an event that happened, and the next one for a date to come.
    """
    s = re.sub(r"\s+", " ", text.casefold()).strip().rstrip(".!")
    s = re.sub(r"(\d{1,2})\.(\d{2})\s*(am|pm)", r"\1:\2\3", s)
    today = now.date()
    if s in _NOW:
        return {"date": today.isoformat(), "time": now.strftime("%H:%M"), "part": None}
    relative = _relative_day(s, today=today, tense=tense)
    if relative is not None:
        day, part, rest = relative
        moment = _time_of_day(rest, day=day, part=part)
        if moment is None:
            return None
    else:
        moment = _absolute(_FILLER.sub(" ", s), now=now)
        if moment is None:
            return None
    return _fit_tense(moment, now=now, tense=tense)


def _relative_day(s: str, *, today: date, tense: str | None) -> tuple[date, Part | None, str] | None:
    for pattern, offset, part in _RELATIVE:
        match = re.search(rf"\b(?:{pattern})\b", s)
        if match:
            implied = part or (match.group(1) if match.groups() and match.group(1) else None)
            rest = (s[:match.start()] + " " + s[match.end():]).strip()
            return today + timedelta(days=offset), implied, rest  # type: ignore[return-value]
    match = re.search(rf"\b(?:(?P<which>last|this|next)\s+)?(?P<day>{_WEEKDAY_RE})\b", s)
    if match:
        weekday = [d[:3] for d in _WEEKDAYS].index(match.group("day")[:3])
        which = match.group("which")
        back = (today.weekday() - weekday) % 7
        ahead = (weekday - today.weekday()) % 7
        if which == "last":
            day = today - timedelta(days=back or 7)
        elif which == "next":
            day = today + timedelta(days=ahead or 7)
        elif tense == "future":
            day = today + timedelta(days=ahead)
        else:
            day = today - timedelta(days=back)
        rest = (s[:match.start()] + " " + s[match.end():]).strip()
        return day, None, rest
    return None


def _time_of_day(rest: str, *, day: date, part: Part | None) -> dict | None:
    """What is left after a relative day: nothing, a part of the day, a clock time, or both."""
    rest = _FILLER.sub(" ", rest)
    for name in PARTS:
        if re.search(rf"\b{name}\b", rest):
            part = name
            rest = re.sub(rf"\b(?:in\s+the\s+)?{name}\b", " ", rest)
    rest = re.sub(r"\s+", " ", rest).strip(" ,")
    if not rest:
        return {"date": day.isoformat(), "time": None, "part": part}
    clock = _clock(rest, part=part)
    if clock is None:
        return None
    return {"date": day.isoformat(), "time": clock.strftime("%H:%M"), "part": None}


def _clock(s: str, *, part: Part | None) -> time | None:
    if s in _MIDNIGHT_NOON:
        return _MIDNIGHT_NOON[s]
    match = _TIME.match(s)
    if not match:
        return None
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    ampm = (match.group("ampm") or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif part in ("afternoon", "evening", "night") and 1 <= hour < 12 and not (part == "night" and hour < 5):
        hour += 12  # "yesterday evening 7" means 19:00; "last night 2" stays 02:00
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _absolute(s: str, *, now: datetime) -> dict | None:
    """A date and/or time dateutil can read; parsing twice with different defaults shows what was given."""
    s = re.sub(r"\s+", " ", s).strip(" ,")
    if not s or not re.search(r"\d|noon|midday|midnight", s):
        return None
    if s in _MIDNIGHT_NOON:
        return {"date": now.date().isoformat(), "time": _MIDNIGHT_NOON[s].strftime("%H:%M"), "part": None}
    try:
        first = dateutil_parser.parse(s, dayfirst=True, default=datetime(2000, 1, 1, 0, 0))
        second = dateutil_parser.parse(s, dayfirst=True, default=datetime(2004, 2, 2, 1, 0))
    except (ValueError, OverflowError):
        return None
    if first.tzinfo is not None:  # an ISO time with an offset: convert to the school's zone
        first = second = first.astimezone(now.tzinfo)
    has_year, has_month, has_day = (first.year == second.year, first.month == second.month,
                                    first.day == second.day)
    has_time = first.hour == second.hour
    if not has_time and not (has_day and has_month):
        return None  # "May" or "2026" alone is too vague to record
    if has_day != has_month:
        return None  # "the 7th" without a month
    moment: dict = {"time": first.strftime("%H:%M") if has_time else None, "part": None}
    if has_day:
        year = first.year if has_year else now.year
        try:
            moment["date"] = date(year, first.month, first.day).isoformat()
        except ValueError:
            return None
        moment["year_given"] = has_year
    else:
        moment["date"] = now.date().isoformat()
        moment["time_only"] = True
    return moment


def _fit_tense(moment: dict, *, now: datetime, tense: str | None) -> dict:
    """Settle what the words left open (the year, or the day of a bare time) by the step's tense."""
    year_given = moment.pop("year_given", True)
    time_only = moment.pop("time_only", False)
    day = date.fromisoformat(moment["date"])
    clock = time.fromisoformat(moment["time"]) if moment["time"] else None
    if tense == "past":
        if not year_given and day > now.date():
            day = _shift_year(day, -1)
        if time_only and clock and clock > now.time().replace(tzinfo=None):
            day -= timedelta(days=1)  # "9pm" said in the morning means last night
    elif tense == "future" and not year_given and day < now.date():
        day = _shift_year(day, 1)
    moment["date"] = day.isoformat()
    return moment


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def moment_start(moment: dict, *, tzinfo: object) -> datetime:
    """The earliest instant a stored moment can mean (for comparing with now)."""
    clock = time.fromisoformat(moment["time"]) if moment.get("time") else time(0, 0)
    return datetime.combine(date.fromisoformat(moment["date"]), clock, tzinfo=tzinfo)  # type: ignore[arg-type]
