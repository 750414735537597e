"""What chat platforms need kept: events already handled, and how to reach each person unprompted."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from bot.store.coltypes import UTCDateTime
from bot.store.models import ConversationRefRow, SeenEventRow
from bot.store.upserts import per_dialect, upsert

# Statements every message runs, built once (building one costs several times the database's answer).
_SEEN = per_dialect(lambda insert: insert(SeenEventRow).values(
    platform=bindparam("platform"), event_id=bindparam("event_id"), seen_at=bindparam("seen_at", type_=UTCDateTime()))
    .on_conflict_do_nothing().returning(SeenEventRow.id))
_REFERENCE = select(ConversationRefRow.reference).where(ConversationRefRow.platform == bindparam("platform"),
                                                        ConversationRefRow.staff_id == bindparam("staff_id"))


# One person's reference, inserted or updated by the database: two quick messages of one person would both find
# no row, and the second insert would break the unique key and lose that turn.
_PUT_REFERENCE = upsert(ConversationRefRow, keys={"platform": "platform", "staff_id": "staff_id"},
                        columns=("school_id", "reference", "updated_at"))


class SeenEventRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def first_sighting(self, *, platform: str, event_id: str, now: datetime) -> bool:
        """True the first time an event id arrives, False for every retry, in any process: the unique key
        decides, so two web processes given the same retried event handle it once."""
        connection = self._session.connection()
        result = connection.execute(_SEEN[connection.dialect.name],
                                    {"platform": platform, "event_id": event_id[:200], "seen_at": now})
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
        connection = self._session.connection()
        connection.execute(_PUT_REFERENCE[connection.dialect.name], {
            "platform": platform, "staff_id": staff_id, "school_id": school_id, "reference": reference,
            "updated_at": now})

    def get(self, *, platform: str, staff_id: str) -> dict[str, Any] | None:
        reference = self._session.connection().execute(
            _REFERENCE, {"platform": platform, "staff_id": staff_id}).scalar()
        return dict(reference) if reference is not None else None

    def reachable(self, *, platform: str, school_id: str | None = None) -> set[str]:
        """Staff ids the bot can message unprompted on `platform`."""
        query = select(ConversationRefRow.staff_id).where(ConversationRefRow.platform == platform)
        if school_id is not None:
            query = query.where(ConversationRefRow.school_id == school_id)
        return set(self._session.scalars(query))
