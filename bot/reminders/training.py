"""Training: who must do which training by when, stored per person, chased in stages until it is done.

intents/campaigns/training.yaml says which training there is and its three kinds of due date (induction,
the annual refresher, after a policy's text changed), the chasing schedule and the words. A sweep first
creates the dues that have arisen (idempotent: one row per staff, training and period), then sends the
chase step each open due has reached, through the same exactly-once ledger and outbox as every reminder.
A due is closed by the person ("I've done it", bot.reminders.training_chat) or an administrator's import
(bot.reminders.training_import).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import Field, model_validator

from bot.core.replies import Choice, Choices, Text, to_dict
from bot.policies.model import Policy
from bot.reminders.calendar import next_reminder_day
from bot.reminders.campaigns import campaigns_dir
from bot.reminders.consent import MonthDay
from bot.reminders.sweep import Queued, message_key, recipient_for
from bot.school import School, SchoolConfig, academic_year
from bot.store import StaffStatus, Store, Transaction
from bot.store.outbox_repo import QueuedMessage
from bot.store.reminder_repo import Remindee, ReminderSend
from bot.store.training_repo import TrainingDue
from bot.yamlfile import ConfigModel, load_yaml, validate

Reason = Literal["induction", "refresher", "policy_change"]
TrainingKind = Literal["training_due", "training_overdue", "training_escalation"]


class InductionDue(ConfigModel):
    """A new starter does it `due_days` after their start date (if they started within `within_days`)."""

    due_days: int = Field(ge=0)
    within_days: int = Field(ge=0)


class RefresherDue(ConfigModel):
    """Once each academic year by `due`; `late_days` from first sight when the date has already passed."""

    due: MonthDay
    late_days: int = Field(ge=0)


class PolicyChangeDue(ConfigModel):
    """Everyone redoes it within `due_days` when the text of one of `policies` changes."""

    policies: tuple[str, ...] = Field(min_length=1)
    due_days: int = Field(ge=0)


class Training(ConfigModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: str = Field(min_length=3)
    induction: InductionDue | None = None
    refresher: RefresherDue | None = None
    after_policy_change: PolicyChangeDue | None = None

    @model_validator(mode="after")
    def _some_due_date(self) -> Training:
        if self.induction is None and self.refresher is None and self.after_policy_change is None:
            raise ValueError(f"training {self.id!r} is never due - give it induction, refresher or "
                             "after_policy_change")
        return self


class TrainingStep(ConfigModel):
    """One stage of chasing: `offset_days` calendar days from the due date (negative: before), to `to`."""

    step: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    offset_days: int
    to: Literal["staff", "line_manager", "head"]
    kind: TrainingKind


class TrainingMessages(ConfigModel):
    training_due: str
    training_overdue: str
    training_escalation_header: str
    training_escalation: str
    reasons: dict[Reason, str]
    done_button: str
    done_recorded: str
    done_nothing_due: str
    done_which: str
    nothing_due: str
    due_header: str
    due_line: str
    unknown_training: str

    @model_validator(mode="after")
    def _every_reason(self) -> TrainingMessages:
        missing = [r for r in ("induction", "refresher", "policy_change") if r not in self.reasons]
        if missing:
            raise ValueError(f"messages.reasons needs a wording for: {', '.join(missing)}")
        return self


class TrainingPhrases(ConfigModel):
    """What staff type: `done` records the training (with its id after it, or alone when one is due); `due`
    lists what is due."""

    done: tuple[str, ...] = Field(min_length=1)
    due: tuple[str, ...] = Field(min_length=1)


class TrainingCampaign(ConfigModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    trainings: tuple[Training, ...] = Field(min_length=1)
    chase: tuple[TrainingStep, ...] = Field(min_length=1)
    phrases: TrainingPhrases
    messages: TrainingMessages

    @model_validator(mode="after")
    def _consistent(self) -> TrainingCampaign:
        if len({t.id for t in self.trainings}) != len(self.trainings):
            raise ValueError("two trainings share an id - give each its own `id`")
        offsets = [s.offset_days for s in self.chase]
        if offsets != sorted(set(offsets)):
            raise ValueError(f"chase steps must come on increasing days, got {offsets} - put them in order")
        if len({s.step for s in self.chase}) != len(self.chase):
            raise ValueError("two chase steps share a name - give each its own `step`")
        return self

    def training(self, training_id: str) -> Training | None:
        return next((t for t in self.trainings if t.id == training_id), None)

    def title(self, training_id: str) -> str:
        """The training's title (its id, for a due whose training has since been removed from the file)."""
        training = self.training(training_id)
        return training.title if training else training_id


def load_training_campaign(path: Path | None = None) -> TrainingCampaign:
    """The training campaign (default `intents/campaigns/training.yaml`), validated with file:line errors."""
    path = path or campaigns_dir() / "training.yaml"
    return validate(TrainingCampaign, load_yaml(path), file=path)


def check_training_policies(campaign: TrainingCampaign, known: Iterable[str]) -> list[str]:
    """Policy ids `after_policy_change` names that no loaded policy has (for `policybot check`)."""
    ids = set(known)
    return [p for t in campaign.trainings if t.after_policy_change for p in t.after_policy_change.policies
            if p not in ids]


# -- dues ----------------------------------------------------------------------------------------------


def note_policy_changes(store: Store, *, config: SchoolConfig, campaign: TrainingCampaign,
                        policies: dict[str, Policy], now: datetime) -> int:
    """Record the policies' versions; for each whose text changed, everyone it applies to (current staff,
    on leave too) owes the trainings that follow it. One transaction: a change is never seen without its
    dues. Returns the number of dues created. `now` naive is each school's local time."""
    now = config.schools[0].local(now)  # stored times are aware
    with store.transaction(write=True) as tx:
        changed = tx.training.new_versions(((p.id, p.version) for p in policies.values()), now=now)
        if not changed:
            return 0
        created = 0
        for school in config.schools:
            applies = [p for p in changed if p in config.policies_for(school.id)]
            today = school.local(now).date()
            staff = [p for p in tx.reminders.remindees(school_id=school.id)
                     if p.status in (StaffStatus.ACTIVE, StaffStatus.ON_LEAVE)]
            dues = [TrainingDue(school_id=school.id, staff_id=person.id, training=t.id, reason="policy_change",
                                period=f"policy_change:{policy_id}:{policies[policy_id].version}",
                                due_on=today + timedelta(days=t.after_policy_change.due_days))
                    for t in campaign.trainings if t.after_policy_change
                    for policy_id in applies if policy_id in t.after_policy_change.policies
                    for person in staff]
            created += tx.training.add_dues(dues, now=now)
        return created


def _refresher_date(year: str, due: MonthDay) -> date:
    first = int(year[:4])
    calendar_year = first if due.month >= 9 else first + 1
    return date(calendar_year, due.month, min(due.day, calendar.monthrange(calendar_year, due.month)[1]))


def _new_dues(campaign: TrainingCampaign, *, school: School, staff: list[Remindee], known: list[TrainingDue],
              today: date) -> list[TrainingDue]:
    """Induction and refresher dues that have arisen and are not stored yet."""
    year = academic_year(today)
    year_start = date(int(year[:4]), 9, 1)
    have = {(d.staff_id, d.training, d.period) for d in known}
    done_this_year = {(d.staff_id, d.training) for d in known if d.completed_on and d.completed_on >= year_start}
    refresher_period = f"refresher:{year}"
    refresher_on: dict[str, date] = {}  # training -> this year's refresher date: the same for everyone
    for training in campaign.trainings:
        if training.refresher:
            due_on = _refresher_date(year, training.refresher.due)
            if due_on < today:  # installed after the date: everyone gets the grace period
                due_on = today + timedelta(days=training.refresher.late_days)
            refresher_on[training.id] = due_on
    # the earliest start date still owing each induction training (one date, not a subtraction per person)
    induction_since = {t.id: today - timedelta(days=t.induction.within_days) for t in campaign.trainings if t.induction}
    at_work = (StaffStatus.ACTIVE, StaffStatus.ON_LEAVE)
    dues: list[TrainingDue] = []
    for person in staff:
        if person.status not in at_work:
            continue
        started = person.start_date
        new_this_year = started is not None and started >= year_start
        for training in campaign.trainings:
            if training.induction and started is not None and induction_since[training.id] <= started <= today:
                period = f"induction:{started.isoformat()}"
                if (person.id, training.id, period) not in have:
                    dues.append(TrainingDue(school_id=school.id, staff_id=person.id, training=training.id,
                                            reason="induction", period=period,
                                            due_on=started + timedelta(days=training.induction.due_days)))
            if training.id in refresher_on and not new_this_year and (person.id, training.id) not in done_this_year \
                    and (person.id, training.id, refresher_period) not in have:
                dues.append(TrainingDue(school.id, person.id, training.id, "refresher", refresher_period,
                                        refresher_on[training.id]))
    return dues


# -- chasing -------------------------------------------------------------------------------------------


class _Chase(NamedTuple):
    send: ReminderSend
    due: TrainingDue
    about: Remindee


def training_sweep(tx: Transaction, *, school: School, staff: list[Remindee], campaign: TrainingCampaign,
                   now: datetime) -> list[Queued]:
    """Create the school's new dues, then queue each open due's chase step that has come and was not sent.
    Call only when reminders may go out (bot.reminders.calendar.may_remind)."""
    here = school.local(now)
    today = here.date()
    year_start = date(int(academic_year(today)[:4]), 9, 1)
    known = tx.training.dues(school_id=school.id, open_or_done_since=year_start)
    fresh = _new_dues(campaign, school=school, staff=staff, known=known, today=today)
    if fresh:
        tx.training.add_dues(fresh, now=here)
        known += fresh
    chases = _chases(tx, campaign, school=school, staff=staff, open_dues=_to_chase(known), today=today, now=here)
    claimed = {s.key for s in tx.reminders.claim([c.send for c in chases])}
    by_message: dict[tuple[str, str], list[_Chase]] = defaultdict(list)
    for chase in chases:
        if chase.send.key in claimed:
            by_message[(chase.send.recipient_id, chase.send.kind)].append(chase)
    tx.outbox.queue_many([QueuedMessage(school_id=school.id, recipient_id=recipient,
                                        idempotency_key=message_key(c.send.key for c in items),
                                        replies=_message(campaign, kind, items))
                          for (recipient, kind), items in by_message.items()], now=here)
    return [Queued(staff=recipient, campaign=campaign.id, kind=kind,
                   items=tuple((c.about.id, c.due.training) for c in items))
            for (recipient, kind), items in by_message.items()]


def _to_chase(dues: list[TrainingDue]) -> list[TrainingDue]:
    """The open dues, except a refresher a later year's refresher has replaced (nobody is chased for last
    year's refresher once this year's is due)."""
    latest: dict[tuple[str, str], str] = {}
    for due in dues:
        if due.reason == "refresher":
            key = (due.staff_id, due.training)
            latest[key] = max(latest.get(key, due.period), due.period)
    return [d for d in dues if not d.completed_on
            and (d.reason != "refresher" or latest[(d.staff_id, d.training)] == d.period)]


def _chases(tx: Transaction, campaign: TrainingCampaign, *, school: School, staff: list[Remindee],
            open_dues: list[TrainingDue], today: date, now: datetime) -> list[_Chase]:
    """For each open due of a person at work: the next step to send whose day has come (`_still_to_send`).
    Staff on leave are paused; leavers and unconfirmed joiners are never chased."""
    reached_by_day: dict[date, list[int]] = {}  # due date -> the chase steps whose day has come (many share one)
    reaching: list[tuple[TrainingDue, list[int]]] = []
    for due in open_dues:
        reached = reached_by_day.get(due.due_on)
        if reached is None:
            reached = reached_by_day[due.due_on] = [
                index for index, step in enumerate(campaign.chase)
                if next_reminder_day(school, due.due_on + timedelta(days=step.offset_days)) <= today]
        if reached:
            reaching.append((due, reached))
    if not reaching:  # nobody's training is near its date (most sweeps): the ledger need not be read
        return []
    by_id = {p.id: p for p in staff}
    heads = [p.id for p in staff if p.has_role("head") and p.status == StaffStatus.ACTIVE]
    sent: dict[tuple[str, str], set[str]] = defaultdict(set)
    for staff_id, period, step_name, _ in tx.reminders.steps_sent(campaign=campaign.id, period_prefix="",
                                                                   school_id=school.id):
        sent[(staff_id, period)].add(step_name)
    chases: list[_Chase] = []
    active = StaffStatus.ACTIVE
    for due, reached in reaching:
        person = by_id.get(due.staff_id)
        if person is None or person.status != active:
            continue
        period = f"{due.training}:{due.period}"
        done = sent.get((due.staff_id, period), set())
        step = next((campaign.chase[i] for i in reached if _still_to_send(campaign, i, done, last=reached[-1])), None)
        if step is None:
            continue
        recipient = recipient_for(step.to, person, by_id=by_id, heads=heads)
        if recipient is None:
            continue
        chases.append(_Chase(ReminderSend(school_id=school.id, staff_id=due.staff_id, campaign=campaign.id,
                                          step=step.step, period=period, recipient_id=recipient, kind=step.kind,
                                          sent_at=now), due=due, about=person))
    return chases


def _still_to_send(campaign: TrainingCampaign, index: int, done: set[str], *, last: int) -> bool:
    """Whether chase step `index` (whose day has come) is still to go: not sent, no later step sent, and not a
    notice before the due date once a later step's day has come too. The others go out in order, one per
    sweep, so a holiday that brings two steps' days together never skips telling the person first."""
    step = campaign.chase[index]
    if step.step in done or any(s.step in done for s in campaign.chase[index + 1:]):
        return False
    return not (step.offset_days < 0 and index < last)


def _message(campaign: TrainingCampaign, kind: str, items: list[_Chase]) -> list[dict[str, Any]]:
    m = campaign.messages
    if kind == "training_escalation":
        lines = [m.training_escalation.format(name=c.about.name, title=campaign.title(c.due.training),
                                              due=_day(c.due.due_on), reason=m.reasons[c.due.reason])
                 for c in items]
        return [to_dict(Text(m.training_escalation_header + "\n" + "\n".join(f"- {line}" for line in lines)))]
    text = m.training_due if kind == "training_due" else m.training_overdue
    replies: list[dict[str, Any]] = []
    for c in items:
        line = text.format(title=campaign.title(c.due.training), due=_day(c.due.due_on),
                           reason=m.reasons[c.due.reason])
        replies.append(to_dict(Choices(prompt=line, options=(Choice(m.done_button,
                                                                    f"done training {c.due.training}"),))))
    return replies


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# -- what a person has to do ----------------------------------------------------------------------------


def training_due(store: Store, staff_id: str) -> list[TrainingDue]:
    """The training `staff_id` still has to do, soonest first (for the chat, and the Slack/Teams home)."""
    with store.transaction() as tx:
        return tx.training.dues(staff_id=staff_id, open_only=True)


def due_lines(campaign: TrainingCampaign, dues: list[TrainingDue]) -> list[str]:
    """One line per open due, in the campaign's words: `{title} - due {date} ({reason})`."""
    m = campaign.messages
    return [m.due_line.format(title=campaign.title(d.training), due=_day(d.due_on), reason=m.reasons[d.reason])
            for d in dues if d.reason in m.reasons]
