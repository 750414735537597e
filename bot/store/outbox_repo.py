"""The outbox (messages to people, delivered and retried by the sender) and the console inboxes.

Rows are claimed before delivery: a claim is a short lease (`claimed_until`), taken inside a
transaction that locks the rows (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write lock), so two
senders never hold the same row. A delivered row is never claimed again.

What a message says (its replies) is a body stored once per distinct content and shared by every message
saying the same: a reminder sweep queues one request to thousands of people. A body is deleted with the
last message that uses it (`delete_unused_bodies`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.bulk import insert_many
from bot.store.models import ConsoleInboxRow, OutboxBodyRow, OutboxRow, ReportRow


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    school_id: str
    recipient_id: str
    replies: list[dict[str, Any]]
    idempotency_key: str
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    report_reference: str | None = None


def _message(row: OutboxRow, replies: list[dict[str, Any]], reference: str | None) -> OutboxMessage:
    return OutboxMessage(id=row.id, school_id=row.school_id, recipient_id=row.recipient_id, replies=replies,
                         idempotency_key=row.idempotency_key, attempts=row.attempts,
                         next_attempt_at=row.next_attempt_at, delivered_at=row.delivered_at,
                         report_reference=reference)


def body_id(replies: list[dict[str, Any]]) -> str:
    """The key of a body: the SHA-256 of the replies' canonical JSON (the same words, the same body)."""
    return hashlib.sha256(json.dumps(replies, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def delete_unused_bodies(session: Session, *, among: Iterable[str] | None = None) -> None:
    """Delete the bodies no message uses any more (after messages were deleted: retention, erasure), only
    `among` these when given (the bodies of the few messages just deleted): each body is checked through the
    outbox's body index, not by reading the outbox."""
    unused = ~exists().where(OutboxRow.body_id == OutboxBodyRow.id)
    if among is not None:
        candidates = set(among)
        if not candidates:
            return
        unused = unused & OutboxBodyRow.id.in_(candidates)
    session.execute(delete(OutboxBodyRow).where(unused))


class QueuedMessage(NamedTuple):
    """A message for `queue_many` (a tuple: a sweep over a trust makes tens of thousands)."""

    school_id: str
    recipient_id: str
    replies: list[dict[str, Any]]
    idempotency_key: str


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def queue(self, *, school_id: str, recipient_id: str, replies: list[dict[str, Any]], idempotency_key: str,
              now: datetime, report_id: int | None = None) -> bool:
        """Queue a message; False (and nothing queued) when one with this key was queued before."""
        if self._session.scalars(select(OutboxRow.id).where(OutboxRow.idempotency_key == idempotency_key)).first():
            return False
        body = self._store_bodies([replies])[id(replies)]
        self._session.add(OutboxRow(school_id=school_id, recipient_id=recipient_id, body_id=body,
                                    idempotency_key=idempotency_key, report_id=report_id, attempts=0,
                                    next_attempt_at=now, created_at=now))
        self._session.flush()
        return True

    def queue_many(self, messages: list[QueuedMessage], *, now: datetime) -> int:
        """Queue many messages in one statement (a reminder sweep over a trust); a key queued before is
        skipped, as `queue` does. Returns how many were queued. Messages sharing one replies object (the
        same request to many people) share one body, hashed once."""
        bodies = self._store_bodies([m.replies for m in messages])
        rows = [(m.school_id, m.recipient_id, bodies[id(m.replies)], m.idempotency_key) for m in messages]
        return insert_many(self._session, OutboxRow.__table__,
                           ("school_id", "recipient_id", "body_id", "idempotency_key"), rows,
                           constants={"attempts": 0, "next_attempt_at": now, "created_at": now})

    def _store_bodies(self, replies: Iterable[list[dict[str, Any]]]) -> dict[int, str]:
        """Store each distinct body not stored yet; returns id(replies object) -> its body id."""
        keys: dict[int, str] = {}
        distinct: dict[str, list[dict[str, Any]]] = {}
        for item in replies:
            if id(item) not in keys:
                keys[id(item)] = key = body_id(item)
                distinct[key] = item
        insert_many(self._session, OutboxBodyRow.__table__, ("id", "replies"), list(distinct.items()))
        return keys

    def claim_due(self, *, now: datetime, lease: timedelta, limit: int = 50) -> list[OutboxMessage]:
        """Undelivered rows whose time has come and that no other sender holds, leased to the caller: the
        longest waiting first (then in the order queued), read through the index of undelivered messages, so
        a poll costs the same however many delivered messages are kept."""
        query = (select(OutboxRow).where(OutboxRow.delivered_at.is_(None), OutboxRow.next_attempt_at <= now,
                                         or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until <= now))
                 .order_by(OutboxRow.next_attempt_at, OutboxRow.id).limit(limit).with_for_update(skip_locked=True))
        rows = list(self._session.scalars(query))
        for row in rows:
            row.claimed_until = now + lease
        self._session.flush()
        return self._messages(rows)

    def mark_delivered(self, message_id: int, *, now: datetime) -> None:
        row = self._session.get_one(OutboxRow, message_id)
        row.delivered_at, row.claimed_until = now, None
        row.attempts += 1
        self._session.flush()

    def mark_failed(self, message_id: int, *, error: str, retry_at: datetime) -> None:
        row = self._session.get_one(OutboxRow, message_id)
        row.attempts += 1
        row.last_error = error[:500]
        row.next_attempt_at, row.claimed_until = retry_at, None
        self._session.flush()

    def defer(self, message_id: int, *, until: datetime) -> None:
        """Put a claimed message back until `until` (quiet hours): not a failed attempt, so no backoff."""
        row = self._session.get_one(OutboxRow, message_id)
        row.next_attempt_at, row.claimed_until = until, None
        self._session.flush()

    def list(self, *, recipient_id: str | None = None) -> list[OutboxMessage]:
        query = select(OutboxRow).order_by(OutboxRow.id)
        if recipient_id is not None:
            query = query.where(OutboxRow.recipient_id == recipient_id)
        return self._messages(list(self._session.scalars(query)))

    def delete_delivered(self, *, school_ids: Iterable[str], before: datetime) -> int:
        """Delete these schools' messages delivered before `before` that belong to no report (a report's go
        with the report), and the bodies no message uses any more; returns how many messages."""
        deleted = self._session.execute(delete(OutboxRow).where(
            OutboxRow.school_id.in_(list(school_ids)), OutboxRow.report_id.is_(None),
            OutboxRow.delivered_at.is_not(None), OutboxRow.delivered_at < before)).rowcount
        if deleted:
            delete_unused_bodies(self._session)
        return int(deleted)

    def report_keys(self, *, reference: str, recipient_id: str) -> list[str]:
        """The idempotency keys of the messages about one report sent to one person (read by report)."""
        query = select(OutboxRow.idempotency_key).join(ReportRow, ReportRow.id == OutboxRow.report_id).where(
            ReportRow.reference == reference, OutboxRow.recipient_id == recipient_id)
        return list(self._session.scalars(query))

    def _messages(self, rows: list[OutboxRow]) -> list[OutboxMessage]:
        """The rows as messages, their bodies read in one query."""
        bodies = dict(self._session.execute(select(OutboxBodyRow.id, OutboxBodyRow.replies).where(
            OutboxBodyRow.id.in_({row.body_id for row in rows}))).all()) if rows else {}
        return [_message(row, bodies[row.body_id], self._reference(row)) for row in rows]

    def _reference(self, row: OutboxRow) -> str | None:
        if row.report_id is None:
            return None
        return self._session.get_one(ReportRow, row.report_id).reference


@dataclass(frozen=True, slots=True)
class InboxMessage:
    id: int
    recipient_id: str
    replies: list[dict[str, Any]]
    created_at: datetime


class ConsoleInboxRepository:
    """Local mode's channel: messages to a person wait here until `policybot chat --as` them shows them."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def put(self, *, recipient_id: str, replies: list[dict[str, Any]], idempotency_key: str, now: datetime) -> None:
        """Add a message; a second delivery with the same key adds nothing (so nobody sees it twice)."""
        try:
            with self._session.begin_nested():
                self._session.add(ConsoleInboxRow(recipient_id=recipient_id, replies=replies,
                                                  idempotency_key=idempotency_key, created_at=now))
        except IntegrityError:
            return

    def take_unshown(self, recipient_id: str, *, now: datetime) -> list[InboxMessage]:
        """The messages not yet shown to this person, oldest first, marked shown."""
        query = (select(ConsoleInboxRow).where(ConsoleInboxRow.recipient_id == recipient_id,
                                               ConsoleInboxRow.shown_at.is_(None)).order_by(ConsoleInboxRow.id))
        rows = list(self._session.scalars(query))
        for row in rows:
            row.shown_at = now
        self._session.flush()
        return [InboxMessage(id=r.id, recipient_id=r.recipient_id, replies=r.replies, created_at=r.created_at)
                for r in rows]
