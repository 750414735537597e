"""One sweep of every reminder due at a moment: what `policybot reminders run-due`, the worker and `chat` run.

For each school open for reminders at that moment (bot.reminders.calendar), each active member of staff
and each applicable policy they have not acknowledged in this academic year at its current version, the
next chase step that is due becomes a ReminderSend; the ledger inserts only the ones never sent before
and exactly those are queued in the outbox, in the same transaction. The time is passed in, so tests
travel through a year without sleeping; staff, acknowledgements and the ledger are read in one query
each per school, so a sweep over a trust costs a few queries per school, not per person.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.replies import Choice, Choices, Text, to_dict
from bot.policies.model import Policy
from bot.reminders.calendar import may_remind, next_reminder_day
from bot.reminders.campaigns import AcknowledgementCampaign, ChaseStep
from bot.school import School, SchoolConfig, academic_year
from bot.store import StaffStatus, Store
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


def run_due(store: Store, *, config: SchoolConfig, policies: Mapping[str, Policy],
            campaign: AcknowledgementCampaign, now: datetime) -> list[Queued]:
    """Queue every reminder due at `now` (aware, or naive in each school's time); returns what was queued."""
    queued: list[Queued] = []
    for school in config.schools:
        if may_remind(school, now):
            applicable = [policies[p] for p in config.policies_for(school.id) if p in policies]
            queued += _sweep_school(store, school=school, policies=applicable, campaign=campaign,
                                    now=school.local(now))
    return queued


def _sweep_school(store: Store, *, school: School, policies: list[Policy], campaign: AcknowledgementCampaign,
                  now: datetime) -> list[Queued]:
    year = academic_year(now.date())
    with store.transaction(write=True) as tx:
        staff = tx.reminders.remindees(school_id=school.id)
        done = tx.acknowledgements.done(academic_year=year, school_ids=[school.id])
        earlier = tx.reminders.steps_sent(campaign=campaign.id, period_prefix=f"{year}:", school_id=school.id)
        by_id = {p.id: p for p in staff}
        heads = [p.id for p in staff if p.has_role("head") and p.status == StaffStatus.ACTIVE]
        sent: dict[tuple[str, str], dict[str, datetime]] = defaultdict(dict)
        # (staff, policy) -> versions asked about or acknowledged this year: a new version is "changed"
        seen: dict[tuple[str, str], set[str]] = defaultdict(set)
        for staff_id, period, step_name, sent_at in earlier:
            sent[(staff_id, period)][step_name] = sent_at
            _, policy_id, version = period.rsplit(":", 2)
            seen[(staff_id, policy_id)].add(version)
        for staff_id, policy_id, version in done:
            seen[(staff_id, policy_id)].add(version)
        # a version hashes every clause: once per sweep, not once per person
        periods = {p.id: (p.version, period_of(year=year, policy_id=p.id, version=p.version)) for p in policies}
        first_ask = campaign.chase[0].step
        due_day: dict[tuple[date, int], date] = {}  # (first asked, after days) -> the day the step goes out
        due: list[_Due] = []
        for person in staff:
            if person.status != StaffStatus.ACTIVE:  # on leave: paused; left or pending: never
                continue
            for policy in policies:
                version, period = periods[policy.id]
                if (person.id, policy.id, version) in done:
                    continue
                steps = sent.get((person.id, period), {})
                step = _next_step(campaign, steps, school=school, today=now.date(), due_day=due_day)
                if step is None:
                    continue
                recipient = _recipient(step, person, by_id=by_id, heads=heads)
                if recipient is None:
                    continue
                changed = step.kind == "ask" and bool(seen.get((person.id, policy.id), set()) - {version})
                due.append(_Due(ReminderSend(school_id=school.id, staff_id=person.id, campaign=campaign.id,
                                             step=step.step, period=period, recipient_id=recipient, kind=step.kind,
                                             sent_at=now), policy=policy, about=person, changed=changed,
                                asked=steps.get(first_ask)))
        claimed = {send.key for send in tx.reminders.claim([d.send for d in due])}
        messages: dict[tuple[str, str], list[_Due]] = defaultdict(list)
        for item in due:
            if item.send.key in claimed:
                messages[(item.send.recipient_id, item.send.kind)].append(item)
        queued, outgoing = [], []
        choices = {p.id: to_dict(acknowledgement_choices(campaign, p)) for p in policies}  # the same for everyone
        for (recipient, kind), items in messages.items():
            key = "reminder:" + hashlib.sha256("\n".join(sorted(i.send.key for i in items)).encode()).hexdigest()
            outgoing.append(QueuedMessage(school_id=school.id, recipient_id=recipient, idempotency_key=key,
                                          replies=_message(campaign, kind, items, choices=choices)))
            queued.append(Queued(staff=recipient, campaign=campaign.id, kind=kind,
                                 items=tuple((i.about.id, i.policy.id) for i in items)))
        tx.outbox.queue_many(outgoing, now=now)
    return queued


@dataclass(frozen=True, slots=True)
class _Due:
    send: ReminderSend
    policy: Policy
    about: Remindee
    changed: bool
    asked: datetime | None


def _next_step(campaign: AcknowledgementCampaign, steps: dict[str, datetime], *, school: School, today: date,
               due_day: dict[tuple[date, int], date]) -> ChaseStep | None:
    """The first step not sent yet, if its day has come (a non-school day rolls to the next school day);
    `due_day` caches the roll-forward, which is the same for everyone first asked on the same day."""
    step = next((s for s in campaign.chase if s.step not in steps), None)
    if step is None or step.after_days == 0:
        return step
    first = school.local(steps[campaign.chase[0].step]).date()
    key = (first, step.after_days)
    if key not in due_day:
        due_day[key] = next_reminder_day(school, first + timedelta(days=step.after_days))
    return step if today >= due_day[key] else None


def _recipient(step: ChaseStep, person: Remindee, *, by_id: dict[str, Remindee],
               heads: list[str]) -> str | None:
    """Who a step goes to: the person, their line manager (the Head when they have none at work), or the Head."""
    if step.to == "staff":
        return person.id
    if step.to == "line_manager":
        manager = by_id.get(person.line_manager or "")
        if manager is not None and manager.status == StaffStatus.ACTIVE and manager.id != person.id:
            return manager.id
    return next((h for h in heads if h != person.id), None)


def _message(campaign: AcknowledgementCampaign, kind: str, items: list[_Due],
             *, choices: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One message for one recipient (as stored replies): the ask or reminder with the choices of each
    policy, or the manager's list."""
    m = campaign.messages
    if kind == "escalation":
        lines = [m.escalation.format(name=i.about.name, title=i.policy.title,
                                     asked=i.asked.date().isoformat() if i.asked else "") for i in items]
        return [to_dict(Text(m.escalation_header + "\n" + "\n".join(f"- {line}" for line in lines)))]
    replies: list[dict[str, Any]] = []
    for lead, group in ((m.ask_changed, [i for i in items if i.changed]),
                        (m.ask if kind == "ask" else m.reminder, [i for i in items if not i.changed])):
        if group:
            text = lead.format(titles=", ".join(i.policy.title for i in group), count=len(group))
            replies.append(to_dict(Text(text)))
    return replies + [choices[i.policy.id] for i in items]
