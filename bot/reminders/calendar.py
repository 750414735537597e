"""When reminders may go out: school days (term dates, closures, English bank holidays) in school hours.

The school file's term dates already leave out the holidays; the `holidays` package adds the bank
holidays a school forgets to list (and covers schools that list no term dates at all).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from bot.school import School


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_reminder_day(school: School, day: date) -> bool:
    """A school day that is not a bank holiday in England."""
    return school.is_school_day(day) and day not in _bank_holidays(day.year)


def may_remind(school: School, moment: datetime) -> bool:
    """Whether a reminder may be sent at `moment`: a reminder day, within school hours."""
    here = school.local(moment)
    return is_reminder_day(school, here.date()) and school.in_school_hours(here)


def next_reminder_day(school: School, day: date, *, horizon_days: int = 366) -> date:
    """`day` itself if reminders may go out on it, else the next day they may."""
    for offset in range(horizon_days):
        candidate = day + timedelta(days=offset)
        if is_reminder_day(school, candidate):
            return candidate
    return day + timedelta(days=horizon_days)
