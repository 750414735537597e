"""What the store holds about one member of staff outside reports (for subject access and erasure), and the
privacy log (reports deleted at the end of retention, people's data erased) that outlives what it records.

Reports and their audit trails are not touched here: they are safeguarding records, kept whole (see
bot.privacy.subject_access for why), and reach this package only through the report repository.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from bot.store.models import (
    AcknowledgementRow,
    Base,
    ConsoleInboxRow,
    ConversationRefRow,
    DialogueStateRow,
    OutboxBodyRow,
    OutboxRow,
    PendingOfferRow,
    PrivacyLogRow,
    PrivacyNoticeSeenRow,
    ReminderSendRow,
    StaffRow,
    TrainingDueRow,
)
from bot.store.outbox_repo import delete_unused_bodies


@dataclass(frozen=True, slots=True)
class PrivacyLogEntry:
    school_id: str
    action: str
    subject: str
    actor_id: str
    detail: str | None
    at: datetime


def _personal_tables(staff_id: str, user_ids: Collection[str]) -> dict[str, tuple[type[Base], ColumnElement[bool]]]:
    """Each kind of personal data, its table and how to find this person's rows. `user_ids` are the person's
    staff id and platform ids (a conversation is keyed by the platform's user id). Report messages in the
    outbox are left out: what was sent to whom about a report is part of that report's record."""
    return {
        "policy_acknowledgements": (AcknowledgementRow, AcknowledgementRow.staff_id == staff_id),
        "training": (TrainingDueRow, TrainingDueRow.staff_id == staff_id),
        "reminders": (ReminderSendRow, ReminderSendRow.staff_id == staff_id),
        "messages": (OutboxRow, (OutboxRow.recipient_id == staff_id) & OutboxRow.report_id.is_(None)),
        "console_messages": (ConsoleInboxRow, ConsoleInboxRow.recipient_id == staff_id),
        "unfinished_forms": (DialogueStateRow, DialogueStateRow.user_id.in_(user_ids)),
        "pending_offers": (PendingOfferRow, PendingOfferRow.user_id.in_(user_ids)),
        "privacy_notice": (PrivacyNoticeSeenRow, PrivacyNoticeSeenRow.staff_id == staff_id),
        "platform_links": (ConversationRefRow, ConversationRefRow.staff_id == staff_id),
    }


def _as_dict(row: Base) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}  # type: ignore[attr-defined]


class PrivacyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def personal_data(self, staff_id: str, *, user_ids: Collection[str]) -> dict[str, list[dict[str, Any]]]:
        """Every row about the person outside reports, by kind, as plain dicts (column name -> value)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for kind, (model, where) in _personal_tables(staff_id, user_ids).items():
            found[kind] = [_as_dict(row) for row in self._session.scalars(select(model).where(where))]
        # a message's words are its body (shared with everyone sent the same): exported in the message
        wanted = {message["body_id"] for message in found["messages"]}
        bodies = dict(self._session.execute(select(OutboxBodyRow.id, OutboxBodyRow.replies).where(
            OutboxBodyRow.id.in_(wanted))).all())
        for message in found["messages"]:
            message["replies"] = bodies[message.pop("body_id")]
        return found

    def erase(self, staff_id: str, *, user_ids: Collection[str]) -> dict[str, int]:
        """Delete every row about the person outside reports; returns how many of each kind."""
        counts = {}
        for kind, (model, where) in _personal_tables(staff_id, user_ids).items():
            counts[kind] = self._session.execute(delete(model).where(where)).rowcount or 0
        delete_unused_bodies(self._session)
        return counts

    def delete_staff(self, staff_id: str) -> bool:
        """Delete the person's staff record itself (only for someone no report names)."""
        return bool(self._session.execute(delete(StaffRow).where(StaffRow.id == staff_id)).rowcount)

    def log(self, *, school_id: str, action: str, subject: str, actor_id: str, at: datetime,
            detail: str | None = None) -> None:
        self._session.add(PrivacyLogRow(school_id=school_id, action=action, subject=subject, actor_id=actor_id,
                                        detail=detail[:500] if detail else None, at=at))
        self._session.flush()

    def entries(self, *, subject: str | None = None) -> list[PrivacyLogEntry]:
        query = select(PrivacyLogRow).order_by(PrivacyLogRow.id)
        if subject is not None:
            query = query.where(PrivacyLogRow.subject == subject)
        return [PrivacyLogEntry(school_id=r.school_id, action=r.action, subject=r.subject, actor_id=r.actor_id,
                                detail=r.detail, at=r.at) for r in self._session.scalars(query)]
