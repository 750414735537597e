"""Consent refresh: the school office is reminded at the start of each academic year to collect photo and
video consent again. Once per school and academic year, through the same ledger as every reminder."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from pydantic import Field, model_validator

from bot.core.replies import Text, to_dict
from bot.reminders.campaigns import campaigns_dir
from bot.school import ROLE_NAMES, School, academic_year
from bot.store import StaffStatus, Transaction
from bot.store.outbox_repo import QueuedMessage
from bot.store.reminder_repo import Remindee, ReminderSend
from bot.yamlfile import ConfigModel, load_yaml, validate


class MonthDay(ConfigModel):
    """A day of the year: the month and day, e.g. `{month: 9, day: 1}`."""

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)


class ConsentCampaign(ConfigModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    to: str
    starts: MonthDay
    window_days: int = Field(ge=1, le=366)
    message: str = Field(min_length=10)

    @model_validator(mode="after")
    def _known_role(self) -> ConsentCampaign:
        if self.to not in ROLE_NAMES:
            raise ValueError(f"unknown role {self.to!r} in `to` - use one of: {', '.join(ROLE_NAMES)}")
        return self


def load_consent_campaign(path: Path | None = None) -> ConsentCampaign:
    path = path or campaigns_dir() / "consent_refresh.yaml"
    return validate(ConsentCampaign, load_yaml(path), file=path)


def consent_due(tx: Transaction, *, school: School, staff: list[Remindee], campaign: ConsentCampaign,
                now: datetime) -> list[tuple[str, str]]:
    """Queue the year's reminder to the school office if its window is open (call only when reminders may go
    out); returns (recipient, kind)."""
    here = school.local(now)
    today = here.date()
    year = academic_year(today)
    starts = date(int(year[:4]), campaign.starts.month, campaign.starts.day)
    if not (starts <= today <= starts + timedelta(days=campaign.window_days)):
        return []
    active = [p for p in staff if p.status == StaffStatus.ACTIVE]
    recipients = [p.id for p in active if p.has_role(campaign.to)] or [p.id for p in active if p.has_role("head")]
    sends = [ReminderSend(school_id=school.id, staff_id=r, campaign=campaign.id, step="remind", period=year,
                          recipient_id=r, kind=campaign.id, sent_at=here) for r in recipients]
    claimed = tx.reminders.claim(sends)
    tx.outbox.queue_many([QueuedMessage(school_id=school.id, recipient_id=s.recipient_id,
                                        replies=[to_dict(Text(campaign.message))], idempotency_key=s.key)
                          for s in claimed], now=here)
    return [(s.recipient_id, s.kind) for s in claimed]
