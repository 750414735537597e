"""Induction for new staff: welcome (day 0), privacy checklist (day 1), training (day 7), check-in (day 30).

Steps and words come from intents/campaigns/induction.yaml. Days are calendar days from the start date;
a step falling on a non-school day goes out on the next school day; each step is a ledger row keyed by
(staff, induction, step, start date), so it goes out once however often the clock runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from pydantic import Field, model_validator

from bot.core.replies import Text, to_dict
from bot.reminders.calendar import next_reminder_day
from bot.reminders.campaigns import campaigns_dir
from bot.school import School
from bot.store import StaffStatus, Transaction
from bot.store.outbox_repo import QueuedMessage
from bot.store.reminder_repo import Remindee, ReminderSend
from bot.yamlfile import ConfigModel, load_yaml, validate


class InductionStep(ConfigModel):
    step: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    after_days: int = Field(ge=0)
    message: str = Field(min_length=10)


class InductionCampaign(ConfigModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    recent_days: int = Field(ge=1)
    join_within_days: int = Field(ge=0)
    steps: tuple[InductionStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> InductionCampaign:
        days = [s.after_days for s in self.steps]
        if days != sorted(days) or len({s.step for s in self.steps}) != len(self.steps):
            raise ValueError("induction steps need distinct names, in order of after_days")
        if self.recent_days <= days[-1]:
            raise ValueError(f"recent_days must be more than the last step's day ({days[-1]})")
        return self


def load_induction_campaign(path: Path | None = None) -> InductionCampaign:
    path = path or campaigns_dir() / "induction.yaml"
    return validate(InductionCampaign, load_yaml(path), file=path)


def induction_due(tx: Transaction, *, school: School, staff: list[Remindee], campaign: InductionCampaign,
                  now: datetime) -> list[tuple[str, str]]:
    """Queue each recent starter's due induction steps not sent before (call only when reminders may go out);
    returns (staff id, step)."""
    here = school.local(now)
    today = here.date()
    started = {staff_id for staff_id, *_ in tx.reminders.steps_sent(campaign=campaign.id, period_prefix="",
                                                                     school_id=school.id)}
    recent, joining = timedelta(days=campaign.recent_days), timedelta(days=campaign.join_within_days)
    due: dict[str, tuple[ReminderSend, str]] = {}
    for person in staff:
        if person.status != StaffStatus.ACTIVE or person.start_date is None:
            continue
        since = today - person.start_date
        if not (timedelta(0) <= since <= recent and (person.id in started or since <= joining)):
            continue
        for step in campaign.steps:
            if today >= next_reminder_day(school, person.start_date + timedelta(days=step.after_days)):
                send = ReminderSend(school_id=school.id, staff_id=person.id, campaign=campaign.id,
                                    step=step.step, period=person.start_date.isoformat(),
                                    recipient_id=person.id, kind=step.step, sent_at=here)
                due[send.key] = (send, step.message.format(name=person.name, school=school.name))
    claimed = tx.reminders.claim([send for send, _ in due.values()])
    tx.outbox.queue_many([QueuedMessage(school_id=school.id, recipient_id=s.recipient_id, idempotency_key=s.key,
                                        replies=[to_dict(Text(due[s.key][1]))]) for s in claimed], now=here)
    return [(s.staff_id, s.step) for s in claimed]
