"""Reports as the store keeps them: the record, its reference numbers, and its append-only audit trail.

A reference (`PC-2026-0042`) comes from a counter row per prefix and year; incrementing it takes that
row's lock (PostgreSQL) or the database's write lock (SQLite), so concurrent writers never share a
number, and the unique constraint on `reference` is the last line of defence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete as sa_delete
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.errors import PolicybotError
from bot.store.models import OutboxRow, ReportAuditRow, ReportCounterRow, ReportRow
from bot.store.outbox_repo import delete_unused_bodies

ReportStatus = Literal["submitted", "delivered", "acknowledged", "closed"]

_MUTABLE = ("status", "outcome", "routed_to", "readers", "approval", "escalation_level", "escalate_at",
            "acknowledged_by", "acknowledged_at", "closed_at")


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One stored report. `readers` are everyone besides the reporter who may read it (never a subject)."""

    reference: str
    school_id: str
    form_id: str
    reporter_id: str
    answers: dict[str, Any]
    summary: tuple[tuple[str, str], ...]
    urgent: bool
    status: ReportStatus
    subjects: tuple[str, ...]
    routed_to: tuple[str, ...]
    readers: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    notes: tuple[str, ...] = ()
    approval: dict[str, Any] | None = None
    outcome: str | None = None
    escalation_level: int = 0
    escalate_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    id: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    reference: str
    actor_id: str
    action: str
    detail: str | None
    at: datetime


def _record(row: ReportRow) -> ReportRecord:
    return ReportRecord(
        id=row.id, reference=row.reference, school_id=row.school_id, form_id=row.form_id,
        reporter_id=row.reporter_id, answers=dict(row.answers), summary=tuple((a, b) for a, b in row.summary),
        urgent=row.urgent, status=row.status, subjects=tuple(row.subjects),  # type: ignore[arg-type]
        routed_to=tuple(row.routed_to), readers=tuple(row.readers), created_at=row.created_at,
        updated_at=row.updated_at, notes=tuple(row.notes), approval=row.approval, outcome=row.outcome,
        escalation_level=row.escalation_level, escalate_at=row.escalate_at, acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at, closed_at=row.closed_at,
    )


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def next_reference_number(self, *, prefix: str, year: int) -> int:
        """The next number for `prefix` in `year`, unique even when several processes submit at once."""
        dialect = self._session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        self._session.execute(insert(ReportCounterRow).values(prefix=prefix, year=year, last=0)
                              .on_conflict_do_nothing())
        number = self._session.execute(
            update(ReportCounterRow).where(ReportCounterRow.prefix == prefix, ReportCounterRow.year == year)
            .values(last=ReportCounterRow.last + 1).returning(ReportCounterRow.last)
        ).scalar_one()
        return int(number)

    def add(self, report: ReportRecord) -> ReportRecord:
        row = ReportRow(
            reference=report.reference, school_id=report.school_id, form_id=report.form_id,
            reporter_id=report.reporter_id, answers=report.answers, summary=[list(f) for f in report.summary],
            urgent=report.urgent, status=report.status, outcome=report.outcome, subjects=list(report.subjects),
            routed_to=list(report.routed_to), readers=list(report.readers), approval=report.approval,
            notes=list(report.notes), escalation_level=report.escalation_level, escalate_at=report.escalate_at,
            acknowledged_by=report.acknowledged_by, acknowledged_at=report.acknowledged_at,
            closed_at=report.closed_at, created_at=report.created_at, updated_at=report.updated_at,
        )
        self._session.add(row)
        self._session.flush()
        return _record(row)

    def get(self, reference: str, *, lock: bool = False) -> ReportRecord | None:
        """The report; with `lock`, its row stays locked until the transaction ends (PostgreSQL; SQLite's one
        writer already serialises), so a change made from it (an acknowledgement, a closure, an approval) cannot
        overwrite one made meanwhile by another person or an escalation sweep."""
        row = self._row(reference, lock=lock)
        return _record(row) if row else None

    def list(self, *, school_id: str | None = None) -> list[ReportRecord]:
        """Every report, oldest first (callers filter by who may read them)."""
        query = select(ReportRow).order_by(ReportRow.id)
        if school_id is not None:
            query = query.where(ReportRow.school_id == school_id)
        return [_record(row) for row in self._session.scalars(query)]

    def escalation_due(self, *, now: datetime) -> list[ReportRecord]:
        """Urgent reports still waiting for acknowledgement whose escalation time has come."""
        query = (select(ReportRow).where(ReportRow.escalate_at.is_not(None), ReportRow.escalate_at <= now,
                                         ReportRow.status.in_(["submitted", "delivered"]))
                 .order_by(ReportRow.id).with_for_update(skip_locked=True))
        return [_record(row) for row in self._session.scalars(query)]

    def update(self, report: ReportRecord, *, now: datetime) -> ReportRecord:
        """Store the changeable fields of `report` (status, routing, approval, escalation, acknowledgement)."""
        row = self._row(report.reference)
        if row is None:
            raise PolicybotError(f"no report {report.reference} - check the reference")
        for name in _MUTABLE:
            value = getattr(report, name)
            setattr(row, name, list(value) if isinstance(value, tuple) else value)
        row.updated_at = now
        self._session.flush()
        return _record(row)

    def last_changed_before(self, *, school_id: str, moment: datetime) -> list[ReportRecord]:
        """A school's reports unchanged since before `moment` (retention), locked for deletion: a second sweep
        running at the same time skips them."""
        query = (select(ReportRow).where(ReportRow.school_id == school_id, ReportRow.updated_at < moment)
                 .order_by(ReportRow.id).with_for_update(skip_locked=True))
        return [_record(row) for row in self._session.scalars(query)]

    def delete(self, reference: str) -> None:
        """Delete a report with its audit trail and its messages (retention has ended: nothing of it stays)."""
        row = self._row(reference)
        if row is None:
            raise PolicybotError(f"no report {reference} - check the reference")
        self._session.execute(sa_delete(ReportAuditRow).where(ReportAuditRow.report_id == row.id))
        bodies = self._session.scalars(select(OutboxRow.body_id).where(OutboxRow.report_id == row.id)).all()
        self._session.execute(sa_delete(OutboxRow).where(OutboxRow.report_id == row.id))
        delete_unused_bodies(self._session, among=bodies)
        self._session.delete(row)
        self._session.flush()

    def _row(self, reference: str, *, lock: bool = False) -> ReportRow | None:
        query = select(ReportRow).where(ReportRow.reference == reference)
        if lock:  # and read afresh: this session may hold the row as it was before the lock was taken
            query = query.with_for_update().execution_options(populate_existing=True)
        return self._session.scalars(query).first()


class AuditRepository:
    """Append and read only: the trail of who viewed or changed a report, and who was refused."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, report: ReportRecord, *, actor_id: str, action: str, at: datetime,
               detail: str | None = None) -> None:
        if report.id is None:
            raise PolicybotError("audit an unsaved report - store it first")
        self._session.add(ReportAuditRow(report_id=report.id, school_id=report.school_id, actor_id=actor_id,
                                         action=action, detail=detail, at=at))
        self._session.flush()

    def by_actor(self, actor_id: str) -> list[AuditEntry]:
        """Everything one person did to any report (viewed, acknowledged, refused...), oldest first."""
        query = (select(ReportAuditRow, ReportRow.reference).join(ReportRow, ReportRow.id == ReportAuditRow.report_id)
                 .where(ReportAuditRow.actor_id == actor_id).order_by(ReportAuditRow.id))
        return [AuditEntry(reference=ref, actor_id=row.actor_id, action=row.action, detail=row.detail, at=row.at)
                for row, ref in self._session.execute(query)]

    def trail(self, reference: str) -> list[AuditEntry]:
        query = (select(ReportAuditRow, ReportRow.reference).join(ReportRow, ReportRow.id == ReportAuditRow.report_id)
                 .where(ReportRow.reference == reference).order_by(ReportAuditRow.id))
        return [AuditEntry(reference=ref, actor_id=row.actor_id, action=row.action, detail=row.detail, at=row.at)
                for row, ref in self._session.execute(query)]

