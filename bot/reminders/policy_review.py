"""Policy review: each applicable policy's owner is reminded before its review date, and on the first school
day of each term while the review is overdue. The schedule and words are intents/campaigns/policy_review.yaml.

Review dates are written by people ("November 2025", "Autumn term 2025", "06/11/2025"), so they are read
leniently; a date that cannot be read is reported by `policybot check` and not reminded about.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

from pydantic import Field, model_validator

from bot.core.replies import Text, to_dict
from bot.policies.model import Policy
from bot.reminders.calendar import next_reminder_day
from bot.reminders.campaigns import campaigns_dir
from bot.reminders.sweep import Queued
from bot.school import School, SchoolConfig, academic_year
from bot.staff.mis_csv import parse_date
from bot.store import StaffStatus, Transaction
from bot.store.outbox_repo import QueuedMessage
from bot.store.reminder_repo import Remindee, ReminderSend
from bot.yamlfile import ConfigModel, load_yaml, validate

_MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}
_TERMS = {"autumn": 9, "spring": 1, "summer": 4}


class ReviewMessages(ConfigModel):
    upcoming: str = Field(min_length=10)
    overdue: str = Field(min_length=10)


class ReviewCampaign(ConfigModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    before_days: tuple[int, ...] = Field(min_length=1)
    messages: ReviewMessages

    @model_validator(mode="after")
    def _ordered(self) -> ReviewCampaign:
        if list(self.before_days) != sorted(set(self.before_days), reverse=True) or min(self.before_days) < 0:
            raise ValueError(f"before_days must be distinct days of 0 or more, largest first, got "
                             f"{list(self.before_days)}")
        return self


def load_review_campaign(path: Path | None = None) -> ReviewCampaign:
    path = path or campaigns_dir() / "policy_review.yaml"
    return validate(ReviewCampaign, load_yaml(path), file=path)


def review_date(text: str | None) -> date | None:
    """The review date a policy file gives, or None when it gives none or it cannot be read: ISO or UK dates,
    "6 November 2025", "November 2025" / "Nov 2025" (the 1st), "Autumn 2025" (the term's first month), "2025"
    (1 September, the start of that academic year)."""
    if not text or not text.strip():
        return None
    cleaned = re.sub(r"\b(term|the|of)\b|(?<=\d)(st|nd|rd|th)\b|,", " ", text.strip().lower())
    words = cleaned.split()
    try:
        return parse_date(text.strip(), what="review date")
    except ValueError:
        pass
    if len(words) == 3 and words[0].isdigit() and words[1] in _MONTHS and words[2].isdigit():
        return _safe(int(words[2]), _MONTHS[words[1]], int(words[0]))
    if len(words) == 2 and words[1].isdigit():
        if words[0] in _MONTHS:
            return _safe(int(words[1]), _MONTHS[words[0]], 1)
        if words[0] in _TERMS:
            return _safe(int(words[1]), _TERMS[words[0]], 1)
    if len(words) == 1 and re.fullmatch(r"(19|20)\d\d", words[0]):
        return date(int(words[0]), 9, 1)
    return None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _term_start(school: School, today: date) -> date:
    """The first day of the term `today` is in; for a school listing no term dates, of the academic year."""
    term = school.term_on(today)
    return term.start if term is not None else date(int(academic_year(today)[:4]), 9, 1)


def unreadable_review_dates(policies: list[Policy]) -> list[str]:
    """`policy: "text"` for each review date given that cannot be read (for `policybot check`)."""
    return [f"{p.id}: {p.dates.get('review')!r}" for p in policies
            if p.dates.get("review") and review_date(p.dates.get("review")) is None]


def review_due(tx: Transaction, *, config: SchoolConfig, school: School, staff: list[Remindee],
               policies: list[Policy], campaign: ReviewCampaign, now: datetime) -> list[Queued]:
    """Queue the review reminders due at `now` for one school's applicable policies (call only when reminders
    may go out). A trust policy's owner is reminded once, not once per school: the ledger key has no school.
    The owner is the school's (else the trust's) named owner when at work, else the Head."""
    here = school.local(now)
    today = here.date()
    steps = [f"before-{days}" for days in campaign.before_days]
    by_id = {p.id: p for p in staff}
    heads = [p.id for p in staff if p.has_role("head") and p.status == StaffStatus.ACTIVE]
    sent: dict[tuple[str, str], set[str]] = {}
    for staff_id, period, step_name, _ in tx.reminders.steps_sent(campaign=campaign.id, period_prefix="",
                                                                   school_id=school.id):
        sent.setdefault((staff_id, period), set()).add(step_name)
    sends: list[tuple[ReminderSend, str]] = []
    for policy in policies:
        due = review_date(policy.dates.get("review"))
        if due is None:
            continue
        owner = config.policy_owner(school.id, policy.id)
        at_work = owner is not None and owner.id in by_id and by_id[owner.id].status == StaffStatus.ACTIVE
        recipient = owner.id if owner is not None and at_work else next(iter(heads), None)
        if recipient is None:
            continue
        period = f"{policy.id}:{due.isoformat()}"
        if today >= due:
            term_start = _term_start(school, today)
            if today != next_reminder_day(school, term_start):
                continue
            step, wording, shown = "overdue", campaign.messages.overdue, f"{due:%B %Y}"
            period += f":{term_start.isoformat()}"
        else:
            reached = [i for i, days in enumerate(campaign.before_days)
                       if next_reminder_day(school, due - timedelta(days=days)) <= today]
            if not reached or sent.get((recipient, period), set()) & set(steps[reached[-1]:]):
                continue
            step, wording, shown = steps[reached[-1]], campaign.messages.upcoming, f"{due.day} {due:%B %Y}"
        sends.append((ReminderSend(school_id=school.id, staff_id=recipient, campaign=campaign.id, step=step,
                                   period=period, recipient_id=recipient, kind=step, sent_at=here),
                      wording.format(title=policy.title, policy=policy.id, due=shown)))
    text = {s.key: words for s, words in sends}
    claimed = tx.reminders.claim([s for s, _ in sends])
    tx.outbox.queue_many([QueuedMessage(school_id=school.id, recipient_id=s.recipient_id, idempotency_key=s.key,
                                        replies=[to_dict(Text(text[s.key]))]) for s in claimed], now=here)
    return [Queued(staff=s.recipient_id, campaign=campaign.id, kind=s.kind,
                   items=((s.staff_id, s.period.split(":")[0]),)) for s in claimed]
