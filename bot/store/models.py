"""The tables, as SQLAlchemy models. Each change here needs a migration in migrations/versions/.

Every table that holds school data carries `school_id`, so one deployment can serve a whole
multi-academy trust. Constraint names follow one convention so that later migrations (and
SQLite's batch mode, which rebuilds tables) can refer to them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, MetaData, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.coltypes import UTCDateTime
from bot.store.records import StaffSource, StaffStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def _in(column: str, values: type[StaffStatus] | type[StaffSource]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class SchoolRow(Base):
    __tablename__ = "schools"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    trust_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StaffRow(Base):
    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(_in("status", StaffStatus), name="status"),
        CheckConstraint(_in("source", StaffSource), name="source"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    job_title: Mapped[str | None] = mapped_column(String(200))
    # A staff id, not a foreign key: an MIS export may name a manager before their own row.
    line_manager: Mapped[str | None] = mapped_column(String(64))
    start_date: Mapped[date | None] = mapped_column(Date)
    slack_id: Mapped[str | None] = mapped_column(String(32), index=True)
    teams_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# -- guided reports (migration 0002) ---------------------------------------------------------------

REPORT_STATUSES = ("submitted", "delivered", "acknowledged", "closed")


class ReportCounterRow(Base):
    """The last number handed out per reference prefix and year: a row lock makes references unique."""

    __tablename__ = "report_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int]


class ReportRow(Base):
    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in REPORT_STATUSES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(64))
    reporter_id: Mapped[str] = mapped_column(String(64), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[list[list[str]]] = mapped_column(JSON)
    urgent: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(Text)
    subjects: Mapped[list[str]] = mapped_column(JSON)
    routed_to: Mapped[list[str]] = mapped_column(JSON)
    readers: Mapped[list[str]] = mapped_column(JSON)
    approval: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notes: Mapped[list[str]] = mapped_column(JSON)
    escalation_level: Mapped[int]
    escalate_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReportAuditRow(Base):
    """Append-only: every view, change and refusal of a report. Nothing updates or deletes these rows."""

    __tablename__ = "report_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    school_id: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime]


class DialogueStateRow(Base):
    """One unfinished form per (platform, workspace, user): the DialogueStateStore in the database."""

    __tablename__ = "dialogue_states"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class PendingOfferRow(Base):
    """A form the bot has just offered (or the form picker it has shown), waiting for the user's answer."""

    __tablename__ = "pending_offers"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    offer: Mapped[str] = mapped_column(String(64))
    offered_at: Mapped[datetime]


class PrivacyNoticeSeenRow(Base):
    """Who has been shown the privacy notice, so it is shown once."""

    __tablename__ = "privacy_notices_seen"

    staff_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime]


class OutboxBodyRow(Base):
    """What outbox messages say, stored once however many people are sent the same words (migration 0008):
    a reminder sweep sends one request to thousands. Keyed by the SHA-256 of the replies' JSON."""

    __tablename__ = "outbox_bodies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    replies: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class OutboxRow(Base):
    """A message to one person, waiting to be delivered (retried with backoff until it is)."""

    __tablename__ = "outbox"
    # Partial indexes (migration 0011): the sender looks only at messages not delivered yet, which stay few
    # however many have been delivered; a report's messages are found by report, and the messages of a
    # reminder sweep (no report) cost neither index anything.
    __table_args__ = (
        Index("ix_outbox_pending", "next_attempt_at", sqlite_where=text("delivered_at IS NULL"),
              postgresql_where=text("delivered_at IS NULL")),
        Index("ix_outbox_report_id", "report_id", sqlite_where=text("report_id IS NOT NULL"),
              postgresql_where=text("report_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[str] = mapped_column(String(64))
    recipient_id: Mapped[str] = mapped_column(String(64))
    body_id: Mapped[str] = mapped_column(ForeignKey("outbox_bodies.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]


class ConsoleInboxRow(Base):
    """A message delivered to someone's console (local mode), shown when they next run `chat --as`."""

    __tablename__ = "console_inbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[str] = mapped_column(String(64), index=True)
    replies: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    shown_at: Mapped[datetime | None]


# -- acknowledgements and reminders (migration 0003) -----------------------------------------------


class AcknowledgementRow(Base):
    """Append-only: one person's declaration that they have read one version of a policy, in one academic year."""

    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("staff_id", "policy_id", "version", "academic_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[str] = mapped_column(String(64), index=True)
    staff_id: Mapped[str] = mapped_column(String(64))  # the unique key leads with it
    policy_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    academic_year: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    acknowledged_at: Mapped[datetime]


class ReminderSendRow(Base):
    """A reminder message due to someone, inserted before it is queued: the unique key makes it exactly-once."""

    __tablename__ = "reminder_sends"
    # A sweep reads one school's rows of one campaign at a time (migration 0010: by school alone, it read every
    # campaign's rows, a school's whole ledger, once per campaign).
    __table_args__ = (UniqueConstraint("staff_id", "campaign", "step", "period"),
                      Index("ix_reminder_sends_school_id_campaign", "school_id", "campaign"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[str] = mapped_column(String(64))  # whom the reminder is about
    campaign: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(128))
    recipient_id: Mapped[str] = mapped_column(String(64))  # who is messaged: the person, or their manager
    kind: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime]
    # What one message covered, for a campaign that covers several things at once (migration 0007): the
    # policy acknowledgement's [policy id, version] pairs, one row per person and step, not per policy.
    items: Mapped[list[list[str]] | None] = mapped_column(JSON)


# -- chat platforms (migration 0004) ----------------------------------------------------------------


class SeenEventRow(Base):
    """A platform event (Slack `event_id`, Teams activity id) already handled: a retried delivery is ignored."""

    __tablename__ = "seen_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(200))
    seen_at: Mapped[datetime] = mapped_column(index=True)


class ConversationRefRow(Base):
    """How to reach one member of staff on one platform unprompted (a Teams conversation reference, a
    Slack DM channel): kept in the database so every process, and a restarted one, can send alerts."""

    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("platform", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    school_id: Mapped[str] = mapped_column(String(64), index=True)
    staff_id: Mapped[str] = mapped_column(String(64))
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


# -- training (migration 0005) ----------------------------------------------------------------------


class TrainingDueRow(Base):
    """One piece of training one person must do by a date (induction, the annual refresher, after a policy
    changed), and when it was done. The unique key (staff, training, period) makes creating it idempotent."""

    __tablename__ = "training_dues"
    __table_args__ = (UniqueConstraint("staff_id", "training", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[str] = mapped_column(String(64), index=True)
    staff_id: Mapped[str] = mapped_column(String(64))  # the unique key leads with it
    training: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))  # induction | refresher | policy_change | completed
    period: Mapped[str] = mapped_column(String(128))
    due_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    completed_via: Mapped[str | None] = mapped_column(String(16))  # console | slack | teams | import
    created_at: Mapped[datetime]


class PolicyVersionRow(Base):
    """Each version of a policy the sweeps have seen: a new version of a known policy is a policy change."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("policy_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    first_seen_at: Mapped[datetime]


# -- privacy (migration 0006) -----------------------------------------------------------------------


class PrivacyLogRow(Base):
    """Append-only: a report deleted when its retention period ended, or a person's data erased on request.
    No foreign keys, so an entry outlives what it records; it never holds a report's contents."""

    __tablename__ = "privacy_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # report_deleted | staff_erased
    subject: Mapped[str] = mapped_column(String(64), index=True)  # a report reference or a staff id
    actor_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime]
