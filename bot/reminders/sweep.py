"""The policy acknowledgement part of a sweep (bot.reminders.service runs every campaign, one school at a time).

For each school open for reminders at that moment (bot.reminders.calendar), each active member of staff
and each applicable policy they have not acknowledged in this academic year at its current version, the
next chase step that is due becomes a ReminderSend; the ledger inserts only the ones never sent before
and exactly those are queued in the outbox, in the same transaction. The time is passed in, so tests
travel through a year without sleeping; staff, acknowledgements and the ledger are read in one query
each per school and rows are written in one statement per table, so a sweep over a trust costs a few
queries per school, not per person.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from bot.core.replies import Choice, Choices, Text, to_dict
from bot.policies.model import Policy
from bot.reminders.calendar import next_reminder_day
from bot.reminders.campaigns import AcknowledgementCampaign, ChaseStep
from bot.school import School, academic_year
from bot.store import StaffStatus, Transaction
from bot.store.outbox_repo import QueuedMessage
from bot.store.reminder_repo import Remindee, ReminderSend


@dataclass(frozen=True, slots=True)
class Queued:
    """One message queued by a sweep: the fixed JSON of `reminders run-due` (`staff` is the recipient) plus
    what it is about: one message per recipient and kind, naming every policy (and person) it covers."""

    staff: str
    campaign: str
    kind: str
    items: tuple[tuple[str, str], ...]  # (staff id the reminder is about, policy id)

    def to_json(self) -> dict[str, object]:
        return {"staff": self.staff, "campaign": self.campaign, "kind": self.kind,
                "policies": sorted({p for _, p in self.items}), "about": sorted({s for s, _ in self.items})}


def period_of(*, year: str, policy_id: str, version: str) -> str:
    """The period of one acknowledgement round: an academic year and a policy version."""
    return f"{year}:{policy_id}:{version}"


def acknowledgement_choices(campaign: AcknowledgementCampaign, policy: Policy) -> Choices:
    """The one-step ways forward from a request: agree, read the policy first, or ask a question first."""
    m = campaign.messages
    return Choices(prompt=campaign.declaration.format(title=policy.title), options=(
        Choice(m.agree, f"acknowledge {policy.id}"), Choice(m.read, f"read policy {policy.id}"),
        Choice(m.question, f"question {policy.id}")))


def sweep_acknowledgements(tx: Transaction, *, school: School, staff: list[Remindee], policies: list[Policy],
                           campaign: AcknowledgementCampaign, now: datetime) -> list[Queued]:
    """Queue a school's acknowledgement requests and chasing due at `now` (school-local; call only when
    reminders may go out), inside the sweep's transaction; returns what was queued."""
    year = academic_year(now.date())
    done = tx.acknowledgements.done(academic_year=year, school_ids=[school.id])
    earlier = tx.reminders.steps_sent(campaign=campaign.id, period_prefix=f"{year}:", school_id=school.id)
    by_id = {p.id: p for p in staff}
    heads = [p.id for p in staff if p.has_role("head") and p.status == StaffStatus.ACTIVE]
    # a version hashes every clause: once per sweep, not once per person
    plan = [(p, p.id, p.version, period_of(year=year, policy_id=p.id, version=p.version)) for p in policies]
    current = {policy_id: version for _, policy_id, version, _ in plan}
    current_periods = {period for *_, period in plan}
    sent: dict[tuple[str, str], dict[str, datetime]] = {}
    # (staff, policy) asked about or acknowledged at an earlier version this year: its ask says "changed"
    older: set[tuple[str, str]] = set()
    for staff_id, period, step_name, sent_at in earlier:
        steps = sent.get((staff_id, period))
        if steps is None:
            sent[(staff_id, period)] = {step_name: sent_at}
        else:
            steps[step_name] = sent_at
        if period not in current_periods:
            older.add((staff_id, period.rsplit(":", 2)[1]))
    for staff_id, policy_id, version in done:
        if policy_id in current and current[policy_id] != version:
            older.add((staff_id, policy_id))
    ask, first_ask, today, active = campaign.chase[0], campaign.chase[0].step, now.date(), StaffStatus.ACTIVE.value
    due_day: dict[tuple[datetime, int], date] = {}  # (first asked, after days) -> the day the step goes out
    due: list[_Due] = []
    for person in staff:
        if person.status != active:  # on leave: paused; left or pending: never
            continue
        person_id = person.id
        for policy, policy_id, version, period in plan:
            if (person_id, policy_id, version) in done:
                continue
            steps = sent.get((person_id, period))
            if steps is None:
                step, asked = ask, None
            else:
                step, asked = _next_step(campaign, steps, school=school, today=today, due_day=due_day), \
                    steps.get(first_ask)
                if step is None:
                    continue
            recipient = person_id if step.to == "staff" else recipient_for(step.to, person, by_id=by_id, heads=heads)
            if recipient is None:
                continue
            due.append(_Due(ReminderSend(school.id, person_id, campaign.id, step.step, period, recipient, step.kind,
                                         now), policy, person, step is ask and (person_id, policy_id) in older, asked))
    claimed = {id(send) for send in tx.reminders.claim([d.send for d in due])}  # the very objects passed in
    messages: dict[tuple[str, str], list[_Due]] = defaultdict(list)
    for item in due:
        if id(item.send) in claimed:
            messages[(item.send.recipient_id, item.send.kind)].append(item)
    queued, outgoing = [], []
    choices = {p.id: to_dict(acknowledgement_choices(campaign, p)) for p in policies}  # the same for everyone
    made: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for (recipient, kind), items in messages.items():
        key = message_key(i.send.key for i in items)
        outgoing.append(QueuedMessage(school_id=school.id, recipient_id=recipient, idempotency_key=key,
                                      replies=_message(campaign, kind, items, choices=choices, made=made)))
        queued.append(Queued(staff=recipient, campaign=campaign.id, kind=kind,
                             items=tuple((i.about.id, i.policy.id) for i in items)))
    tx.outbox.queue_many(outgoing, now=now)
    return queued


class _Due(NamedTuple):
    send: ReminderSend
    policy: Policy
    about: Remindee
    changed: bool
    asked: datetime | None


def _next_step(campaign: AcknowledgementCampaign, steps: dict[str, datetime], *, school: School, today: date,
               due_day: dict[tuple[datetime, int], date]) -> ChaseStep | None:
    """The first step not sent yet, if its day has come (a non-school day rolls to the next school day);
    `due_day` caches the roll-forward, which is the same for everyone first asked in the same sweep."""
    if not steps:
        return campaign.chase[0]
    for step in campaign.chase:
        if step.step not in steps:
            break
    else:
        return None
    key = (steps[campaign.chase[0].step], step.after_days)  # the first ask's moment: the same for many people
    if key not in due_day:
        first = school.local(key[0]).date()
        due_day[key] = next_reminder_day(school, first + timedelta(days=step.after_days))
    return step if today >= due_day[key] else None


def message_key(send_keys: Iterable[str]) -> str:
    """The outbox key of one message covering these ledger rows: the same rows always give the same key."""
    return "reminder:" + hashlib.sha256("\n".join(sorted(send_keys)).encode()).hexdigest()


def recipient_for(to: str, person: Remindee, *, by_id: dict[str, Remindee], heads: list[str]) -> str | None:
    """Who a chase step goes to (`to`): the person, their line manager (the Head when they have none at work),
    or the Head."""
    if to == "staff":
        return person.id
    if to == "line_manager":
        manager = by_id.get(person.line_manager or "")
        if manager is not None and manager.status == StaffStatus.ACTIVE and manager.id != person.id:
            return manager.id
    return next((h for h in heads if h != person.id), None)


def _message(campaign: AcknowledgementCampaign, kind: str, items: list[_Due], *, choices: dict[str, dict[str, Any]],
             made: dict[tuple[Any, ...], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One message for one recipient (as stored replies): the ask or reminder with the choices of each
    policy, or the manager's list. `made` keeps asks and reminders already built: most people get the same."""
    m = campaign.messages
    if kind == "escalation":
        lines = [m.escalation.format(name=i.about.name, title=i.policy.title,
                                     asked=i.asked.date().isoformat() if i.asked else "") for i in items]
        return [to_dict(Text(m.escalation_header + "\n" + "\n".join(f"- {line}" for line in lines)))]
    shape = (kind, *((i.policy.id, i.changed) for i in items))
    if shape not in made:
        made[shape] = _request(campaign, kind, items, choices=choices)
    return made[shape]


def _request(campaign: AcknowledgementCampaign, kind: str, items: list[_Due],
             *, choices: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    m = campaign.messages
    replies: list[dict[str, Any]] = []
    for lead, group in ((m.ask_changed, [i for i in items if i.changed]),
                        (m.ask if kind == "ask" else m.reminder, [i for i in items if not i.changed])):
        if group:
            text = lead.format(titles=", ".join(i.policy.title for i in group), count=len(group))
            replies.append(to_dict(Text(text)))
    return replies + [choices[i.policy.id] for i in items]
