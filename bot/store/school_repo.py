"""Schools as the store keeps them: one row per school the configuration names."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import SchoolRow
from bot.store.records import SchoolRecord


def _record(row: SchoolRow) -> SchoolRecord:
    return SchoolRecord(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        trust_id=row.trust_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SchoolRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, school_id: str) -> SchoolRecord | None:
        row = self._session.get(SchoolRow, school_id)
        return _record(row) if row else None

    def list(self) -> list[SchoolRecord]:
        return [_record(row) for row in self._session.scalars(select(SchoolRow).order_by(SchoolRow.id))]

    def save(self, school: SchoolRecord) -> SchoolRecord:
        """Insert the school or bring its stored name, zone and trust up to date."""
        now = datetime.now(UTC)
        row = self._session.get(SchoolRow, school.id)
        if row is None:
            row = SchoolRow(id=school.id, created_at=now)
            self._session.add(row)
        if (row.name, row.timezone, row.trust_id) != (school.name, school.timezone, school.trust_id):
            row.name, row.timezone, row.trust_id = school.name, school.timezone, school.trust_id
            row.updated_at = now
        self._session.flush()
        return _record(row)
