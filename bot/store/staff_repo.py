"""Staff as the store keeps them. Emails are stored lower-case so matching ignores case."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import Session

from bot.errors import PolicybotError
from bot.store.models import StaffRow
from bot.store.records import CURRENT_STATUSES, StaffRecord, StaffSource, StaffStatus

Platform = Literal["slack", "teams"]

_FIELDS = ("school_id", "name", "email", "job_title", "line_manager", "start_date", "slack_id", "teams_id")


def _record(row: StaffRow | Row[Any]) -> StaffRecord:
    return StaffRecord(
        id=row.id,
        school_id=row.school_id,
        name=row.name,
        email=row.email,
        roles=tuple(row.roles),
        job_title=row.job_title,
        line_manager=row.line_manager,
        start_date=row.start_date,
        slack_id=row.slack_id,
        teams_id=row.teams_id,
        status=StaffStatus(row.status),
        source=StaffSource(row.source),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _current_first(rows: Iterable[StaffRow | Row[Any]]) -> list[StaffRecord]:
    """Several records can share an address or account (a leaver's and their successor's); current wins."""
    records = [_record(row) for row in rows]
    return sorted(records, key=lambda r: (not r.current, r.status != StaffStatus.PENDING, r.id))


def _normalised(person: StaffRecord) -> StaffRecord:
    """Emails and Entra object ids compare case-insensitively, so they are stored lower-case."""
    return replace(
        person,
        email=person.email.strip().lower() if person.email else None,
        teams_id=person.teams_id.strip().lower() if person.teams_id else None,
        roles=tuple(person.roles),
        status=StaffStatus(person.status),
        source=StaffSource(person.source),
    )


# Who sent a message (every message asks), built once: building a statement costs more than the look-up, and
# it reads columns, not ORM objects (a third of the look-up's cost).
_BY_PLATFORM_ID = {platform: select(*StaffRow.__table__.c).where(column == bindparam("user_id"))
                   for platform, column in (("slack", StaffRow.slack_id), ("teams", StaffRow.teams_id))}


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, staff_id: str) -> StaffRecord | None:
        row = self._session.get(StaffRow, staff_id)
        return _record(row) if row else None

    def list(
        self, *, school_id: str | None = None, statuses: Iterable[StaffStatus] | None = None
    ) -> list[StaffRecord]:
        """Staff ordered by school then id; all statuses unless `statuses` narrows them."""
        query: Select[tuple[StaffRow]] = select(StaffRow).order_by(StaffRow.school_id, StaffRow.id)
        if school_id is not None:
            query = query.where(StaffRow.school_id == school_id)
        if statuses is not None:
            query = query.where(StaffRow.status.in_([StaffStatus(s).value for s in statuses]))
        return [_record(row) for row in self._session.scalars(query)]

    def current(self, *, school_id: str | None = None) -> list[StaffRecord]:
        """Members of staff now: what reminders and routing work from (leavers and pending excluded)."""
        return self.list(school_id=school_id, statuses=CURRENT_STATUSES)

    def find_by_email(self, email: str) -> list[StaffRecord]:
        """Everyone stored with this address (any case), current members first."""
        rows = self._session.scalars(select(StaffRow).where(StaffRow.email == email.strip().lower()))
        return _current_first(rows)

    def find_by_platform_id(self, *, platform: Platform, user_id: str) -> StaffRecord | None:
        """The person a Slack member id or Teams (Entra) object id belongs to, preferring current staff."""
        value = user_id.strip().lower() if platform == "teams" else user_id.strip()
        found = _current_first(self._session.connection().execute(_BY_PLATFORM_ID[platform], {"user_id": value}))
        return found[0] if found else None

    def add(self, person: StaffRecord) -> StaffRecord:
        if self._session.get(StaffRow, person.id) is not None:
            raise PolicybotError(f"staff id {person.id!r} is already stored - choose another id or update it")
        now = datetime.now(UTC)
        row = StaffRow(id=person.id, created_at=now, updated_at=now)
        self._apply(row, _normalised(person))
        self._session.add(row)
        self._session.flush()
        return _record(row)

    def update(self, person: StaffRecord) -> StaffRecord:
        """Store every field of `person` over the record with its id; `updated_at` moves only on a change."""
        row = self._session.get(StaffRow, person.id)
        if row is None:
            raise PolicybotError(f"no staff member with id {person.id!r} - add them first")
        wanted = replace(_normalised(person), created_at=row.created_at, updated_at=row.updated_at)
        if _record(row) != wanted:
            self._apply(row, wanted)
            row.updated_at = datetime.now(UTC)
            self._session.flush()
        return _record(row)

    @staticmethod
    def _apply(row: StaffRow, person: StaffRecord) -> None:
        for field in _FIELDS:
            setattr(row, field, getattr(person, field))
        row.roles = list(person.roles)
        row.status = person.status.value
        row.source = person.source.value
