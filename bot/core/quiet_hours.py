"""Quiet hours (DESIGN.md): messages that are not urgent reach people only in their school's hours.

A message about an urgent report (the alert, an escalation, the reporter told it was acknowledged) goes at
once, whatever the time; anything else waits in the outbox until the recipient's school next opens: a
school day (term dates, half terms and closures count) at its opening time, in its own time zone.
"""

from __future__ import annotations

from datetime import datetime

from bot.school import SchoolConfig


class QuietHours:
    """When each school's quiet hours end, from the school file's calendar."""

    def __init__(self, schools: SchoolConfig) -> None:
        self._schools = {school.id: school for school in schools.schools}

    def hold_until(self, *, school_id: str, urgent: bool, moment: datetime) -> datetime | None:
        """None if a message to someone at `school_id` may go at `moment`; else when it may."""
        school = self._schools.get(school_id)
        if urgent or school is None:
            return None
        return school.next_opening(moment)
