"""What chat platforms need kept: events already handled, and how to reach each person unprompted."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.models import ConversationRefRow, SeenEventRow


class SeenEventRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def first_sighting(self, *, platform: str, event_id: str, now: datetime) -> bool:
        """True the first time an event id arrives, False for every retry, in any process: the unique key
        decides, so two web processes given the same retried event handle it once."""
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(SeenEventRow).values(platform=platform, event_id=event_id[:200], seen_at=now)
        result = self._session.execute(statement.on_conflict_do_nothing().returning(SeenEventRow.id))
        return result.first() is not None

    def forget_before(self, moment: datetime) -> int:
        """Drop ids older than any platform retries (hours), so the table stays small."""
        result = self._session.execute(delete(SeenEventRow).where(SeenEventRow.seen_at < moment))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


#: Platforms retry for minutes (Slack: 3 tries within about an hour); ids older than this are dropped.
SEEN_EVENT_RETENTION = timedelta(days=2)
#: How often a web process drops the ids older than that (a DELETE on every message would be wasted work).
SEEN_EVENT_PRUNING = timedelta(minutes=10)


class ConversationRefRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def put(self, *, platform: str, school_id: str, staff_id: str, reference: dict[str, Any], now: datetime) -> None:
        row = self._session.scalar(select(ConversationRefRow).where(
            ConversationRefRow.platform == platform, ConversationRefRow.staff_id == staff_id))
        if row is None:
            row = ConversationRefRow(platform=platform, staff_id=staff_id)
            self._session.add(row)
        row.school_id, row.reference, row.updated_at = school_id, reference, now
        self._session.flush()

    def get(self, *, platform: str, staff_id: str) -> dict[str, Any] | None:
        reference = self._session.scalar(select(ConversationRefRow.reference).where(
            ConversationRefRow.platform == platform, ConversationRefRow.staff_id == staff_id))
        return dict(reference) if reference is not None else None

    def reachable(self, *, platform: str, school_id: str | None = None) -> set[str]:
        """Staff ids the bot can message unprompted on `platform`."""
        query = select(ConversationRefRow.staff_id).where(ConversationRefRow.platform == platform)
        if school_id is not None:
            query = query.where(ConversationRefRow.school_id == school_id)
        return set(self._session.scalars(query))
