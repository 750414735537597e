"""What the store hands out: plain, immutable, JSON-friendly records.

Callers never see ORM rows or sessions, so no adapter can reach past the store interface
into the database, and a record can be passed around after its transaction has ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class StaffStatus(StrEnum):
    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    LEFT = "left"
    PENDING = "pending"  # reported by a chat platform, waiting for the administrator to confirm


#: Members of staff: reminders, routing and `staff list` consider only these.
CURRENT_STATUSES: frozenset[StaffStatus] = frozenset({StaffStatus.ACTIVE, StaffStatus.ON_LEAVE})


class StaffSource(StrEnum):
    """Where a staff record came from; each source updates and retires only its own records."""

    SCHOOL_FILE = "school_file"
    MIS_IMPORT = "mis_import"
    PLATFORM = "platform"


@dataclass(frozen=True, slots=True)
class SchoolRecord:
    id: str
    name: str
    timezone: str
    trust_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StaffRecord:
    """One person known to the bot, in one school."""

    id: str
    school_id: str
    name: str
    email: str | None = None
    roles: tuple[str, ...] = ("staff",)
    job_title: str | None = None
    line_manager: str | None = None
    start_date: date | None = None
    slack_id: str | None = None
    teams_id: str | None = None
    status: StaffStatus = StaffStatus.ACTIVE
    source: StaffSource = StaffSource.SCHOOL_FILE
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def current(self) -> bool:
        """A member of staff now (on leave counts); leavers and unconfirmed joiners are not."""
        return self.status in CURRENT_STATUSES

    def has_role(self, role: str) -> bool:
        return role in self.roles
