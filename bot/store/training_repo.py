"""Training due per member of staff, and the policy versions seen.

A due is created with ON CONFLICT DO NOTHING on (staff, training, period), so a replayed or concurrent
sweep creates it once; completing training closes every open due of that training for the person, and a
completion with nothing due is kept as a `completed` row (so the annual refresher knows it was done).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Date, Select, Text, bindparam, cast, or_, select, update
from sqlalchemy.orm import Session

from bot.store.bulk import insert_ignoring_duplicates, insert_many
from bot.store.coltypes import day_reader
from bot.store.models import PolicyVersionRow, TrainingDueRow


class TrainingDue(NamedTuple):
    """One person's due training (a tuple: a sweep over a trust reads and makes tens of thousands)."""

    school_id: str
    staff_id: str
    training: str
    reason: str
    period: str
    due_on: date
    completed_on: date | None = None
    completed_via: str | None = None


_FIELDS = TrainingDue._fields


@functools.cache
def _dues_query(*, by_school: bool, by_staff: bool, open_only: bool, done_since: bool) -> Select[Any]:
    """The dues query of one combination of filters, built once (a sweep asks for each school's; building a
    statement costs more than SQLite's answer). The days come as text, each distinct day parsed once."""
    t = TrainingDueRow
    query = select(t.school_id, t.staff_id, t.training, t.reason, t.period, cast(t.due_on, Text),
                   cast(t.completed_on, Text), t.completed_via).order_by(t.due_on, t.id)
    if by_school:
        query = query.where(t.school_id == bindparam("school_id"))
    if by_staff:
        query = query.where(t.staff_id == bindparam("staff_id"))
    if open_only:
        query = query.where(t.completed_on.is_(None))
    if done_since:
        query = query.where(or_(t.completed_on.is_(None), t.completed_on >= bindparam("since", type_=Date)))
    return query


class TrainingRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_dues(self, dues: Sequence[TrainingDue], *, now: datetime) -> int:
        """Create the dues not created before (one statement); returns how many were new."""
        rows = list(dues)  # a TrainingDue is already the row, in _FIELDS order
        return insert_many(self._session, TrainingDueRow.__table__, _FIELDS, rows, constants={"created_at": now})

    def dues(self, *, school_id: str | None = None, staff_id: str | None = None, open_only: bool = False,
             open_or_done_since: date | None = None) -> list[TrainingDue]:
        """Dues of a school or a person, oldest due date first, as plain records: all, the open ones, or the
        open ones and those done since a day (what a sweep needs, not years of history)."""
        query = _dues_query(by_school=school_id is not None, by_staff=staff_id is not None, open_only=open_only,
                            done_since=open_or_done_since is not None)
        params = {"school_id": school_id, "staff_id": staff_id, "since": open_or_done_since}
        day = day_reader()
        return [TrainingDue(school, staff, training, reason, period, day(due_on), day(completed_on), via)
                for school, staff, training, reason, period, due_on, completed_on, via
                in self._session.connection().execute(query, params).fetchall()]

    def complete(self, *, school_id: str, staff_id: str, training: str, on: date, via: str,
                 now: datetime) -> int:
        """Record that `staff_id` did `training` on `on`: closes every open due of it (returns how many); with
        none open, keeps the completion itself, once per day."""
        closed = self._session.execute(
            update(TrainingDueRow).where(TrainingDueRow.staff_id == staff_id, TrainingDueRow.training == training,
                                         TrainingDueRow.completed_on.is_(None))
            .values(completed_on=on, completed_via=via)).rowcount
        if not closed:
            self.add_dues([TrainingDue(school_id=school_id, staff_id=staff_id, training=training, reason="completed",
                                       period=f"completed:{on.isoformat()}", due_on=on, completed_on=on,
                                       completed_via=via)], now=now)
        return int(closed or 0)

    def new_versions(self, versions: Iterable[tuple[str, str]], *, now: datetime) -> list[str]:
        """Note each (policy, version); returns the policies whose version is new AND that had an earlier one
        (a changed text). Only one of two concurrent sweeps sees a change: the insert decides."""
        pairs = list(dict.fromkeys(versions))
        inserted = insert_ignoring_duplicates(
            self._session, PolicyVersionRow.__table__,
            [{"policy_id": p, "version": v, "first_seen_at": now} for p, v in pairs],
            returning=[PolicyVersionRow.policy_id, PolicyVersionRow.version])
        if not inserted:
            return []
        fresh = {(p, v) for p, v in inserted}
        query = select(PolicyVersionRow.policy_id, PolicyVersionRow.version).where(
            PolicyVersionRow.policy_id.in_({p for p, _ in fresh}))
        known = {(p, v) for p, v in self._session.execute(query)}
        return sorted({p for p, v in known if (p, v) not in fresh and any(p == q for q, _ in fresh)})
