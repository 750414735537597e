"""The policy acknowledgement part of a sweep (bot.reminders.service runs every campaign, one school at a time).

For each school open for reminders at that moment (bot.reminders.calendar) and each active member of staff
with applicable policies not acknowledged in this academic year at their current version, the next chase
step due in each of their rounds (the policies first asked about together) becomes a ReminderSend, one
ledger row covering the round's outstanding policies; the ledger inserts only the ones never sent before
and exactly those are queued in the outbox, in the same transaction. The time is passed in, so tests
travel through a year without sleeping; staff, acknowledgements and the ledger are read in one query
each per school and rows are written in one statement per table, so a sweep over a trust costs a few
queries per school, not per person.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain, repeat
from typing import Any, NamedTuple

from bot.core.replies import Choice, Choices, Text, to_dict
from bot.policies.model import Policy
from bot.reminders.calendar import next_reminder_day
from bot.reminders.campaigns import AcknowledgementCampaign, ChaseStep
from bot.school import School, academic_year
from bot.store import StaffStatus, Transaction
from bot.store.outbox_repo import QueuedMessage
from bot.store.reminder_repo import Remindee, ReminderSend


class Queued(NamedTuple):
    """One message queued by a sweep: the fixed JSON of `reminders run-due` (`staff` is the recipient) plus
    what it is about: one message per recipient and kind, naming every policy (and person) it covers. A
    tuple: a sweep over a trust makes tens of thousands."""

    staff: str
    campaign: str
    kind: str
    items: tuple[tuple[str, str], ...]  # (staff id the reminder is about, policy id)

    def to_json(self) -> dict[str, object]:
        return {"staff": self.staff, "campaign": self.campaign, "kind": self.kind,
                "policies": sorted({p for _, p in self.items}), "about": sorted({s for s, _ in self.items})}


Item = tuple[str, str]  # (policy id, version): one thing an acknowledgement round asks about


def round_period(*, year: str, items: Iterable[Item]) -> str:
    """The period of one acknowledgement round: the academic year and the (policy, version) pairs first asked
    about together. A person's round is the ledger's key, so each pair is asked about once a year and a
    changed text (a new version) starts a round of its own."""
    digest = hashlib.sha256("\n".join(f"{p}@{v}" for p, v in sorted(items)).encode()).hexdigest()[:16]
    return f"{year}:{digest}"


def acknowledgement_choices(campaign: AcknowledgementCampaign, policy: Policy) -> Choices:
    """The one-step ways forward from a request: agree, read the policy first, or ask a question first."""
    m = campaign.messages
    return Choices(prompt=campaign.declaration.format(title=policy.title), options=(
        Choice(m.agree, f"acknowledge {policy.id}"), Choice(m.read, f"read policy {policy.id}"),
        Choice(m.question, f"question {policy.id}")))


@dataclass(slots=True)
class _Round:
    """One person's round this year: the pairs its ask covered and when each step went out."""

    items: frozenset[Item] = frozenset()
    steps: dict[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Cover:
    """What one ledger row covers, shared by every row covering the same pairs (a school's staff are mostly
    asked about the same policies): the pairs, their policy ids and policies, the period of a round first
    asking about them, and the row's items (one list, so serialised once however many rows hold it)."""

    pairs: tuple[Item, ...]
    ids: tuple[str, ...]
    policies: tuple[Policy, ...]
    period: str
    items: list[list[str]]


class _Due(NamedTuple):
    """A message part due: one ledger row (`send`) about `about`."""

    send: ReminderSend
    cover: _Cover
    about: Remindee
    changed: frozenset[str]  # ids of the policies asked about again because their text changed
    asked: datetime | None


def sweep_acknowledgements(tx: Transaction, *, school: School, staff: list[Remindee], policies: list[Policy],
                           versions: Mapping[str, str], campaign: AcknowledgementCampaign,
                           now: datetime) -> list[Queued]:
    """Queue a school's acknowledgement requests and chasing due at `now` (school-local; call only when
    reminders may go out), inside the sweep's transaction; returns what was queued. `versions` holds each
    policy's current version (a hash of every clause: computed once per sweep, not once per school).

    Each person's outstanding policies (not acknowledged this year at their current version) belong to the
    round that first asked about them; one not asked about yet this year starts a new round. Each round is
    chased on its own timeline (staged steps counted from its ask), naming only what is still outstanding."""
    year = academic_year(now.date())
    acknowledged: dict[str, set[Item]] = defaultdict(set)
    older: set[tuple[str, str]] = set()  # (staff, policy) asked or acknowledged at an earlier version this year
    for staff_id, policy_id, version in tx.acknowledgements.done(academic_year=year, school_ids=[school.id]):
        acknowledged[staff_id].add((policy_id, version))
        if versions.get(policy_id, version) != version:
            older.add((staff_id, policy_id))
    rounds: dict[str, dict[str, _Round]] = defaultdict(dict)
    first_ask = campaign.chase[0].step
    # per distinct items (most rounds ask about the same pairs): as a set, and the policies since changed
    sets: dict[tuple[Item, ...], tuple[frozenset[Item], tuple[str, ...]]] = {}
    for staff_id, period, step_name, sent_at, items in tx.reminders.rounds(
            campaign=campaign.id, period_prefix=f"{year}:", school_id=school.id):
        found = rounds[staff_id].get(period)
        if found is None:
            found = rounds[staff_id][period] = _Round()
        found.steps[step_name] = sent_at
        if step_name == first_ask:
            if items not in sets:
                sets[items] = (frozenset(items), tuple(p for p, v in items if versions.get(p, v) != v))
            found.items, changed = sets[items]
            if changed:
                older.update((staff_id, p) for p in changed)
    by_policy = {p.id: p for p in policies}
    everything = tuple((p.id, versions[p.id]) for p in policies)
    covers: dict[tuple[Item, ...], _Cover] = {}

    def cover(pairs: tuple[Item, ...]) -> _Cover:
        if pairs not in covers:
            covers[pairs] = _Cover(pairs, tuple(p for p, _ in pairs), tuple(by_policy[p] for p, _ in pairs),
                                   round_period(year=year, items=pairs), [list(pair) for pair in pairs])
        return covers[pairs]

    ask, today, active = campaign.chase[0], now.date(), StaffStatus.ACTIVE.value
    by_id = {p.id: p for p in staff}
    heads = [p.id for p in staff if p.has_role("head") and p.status == active]
    due_day: dict[tuple[datetime, int], date] = {}  # (first asked, after days) -> the day the step goes out
    due: list[_Due] = []
    for person in staff:
        if person.status != active:  # on leave: paused; left or pending: never
            continue
        person_id = person.id
        done = acknowledged.get(person_id)
        outstanding = everything if done is None else tuple(pair for pair in everything if pair not in done)
        if not outstanding:
            continue
        mine = rounds.get(person_id)
        if mine is None:
            new = outstanding
        elif len(mine) == 1 and next(iter(mine.values())).items.issuperset(outstanding):  # the usual case
            new = ()
        else:
            new = tuple(pair for pair in outstanding if not any(pair in r.items for r in mine.values()))
        if new:
            asking = cover(new)
            changed = frozenset(p for p, _ in new if (person_id, p) in older) if older else frozenset()
            due.append(_Due(ReminderSend(school.id, person_id, campaign.id, ask.step, asking.period, person_id,
                                         ask.kind, now, asking.items), asking, person, changed, None))
        for period, found in (mine or {}).items():
            remaining = outstanding if found.items.issuperset(outstanding) else tuple(
                pair for pair in outstanding if pair in found.items)
            step = _next_step(campaign, found.steps, school=school, today=today, due_day=due_day) \
                if remaining else None
            if step is None:
                continue
            recipient = person_id if step.to == "staff" else recipient_for(step.to, person, by_id=by_id, heads=heads)
            if recipient is not None:
                chasing = cover(remaining)
                due.append(_Due(ReminderSend(school.id, person_id, campaign.id, step.step, period, recipient,
                                             step.kind, now, chasing.items), chasing, person, frozenset(),
                                found.steps.get(first_ask)))
    claimed = {id(send) for send in tx.reminders.claim([d.send for d in due])}  # the very objects passed in
    messages: dict[tuple[str, str], list[_Due]] = defaultdict(list)
    for item in due:
        if id(item.send) in claimed:
            messages[(item.send.recipient_id, item.send.kind)].append(item)
    queued, outgoing = [], []
    choices = {p.id: to_dict(acknowledgement_choices(campaign, p)) for p in policies}  # the same for everyone
    made: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for (recipient, kind), items in messages.items():
        key = message_key([i.send.key for i in items])
        outgoing.append(QueuedMessage(school_id=school.id, recipient_id=recipient, idempotency_key=key,
                                      replies=_message(campaign, kind, items, choices=choices, made=made)))
        queued.append(Queued(staff=recipient, campaign=campaign.id, kind=kind,
                             items=tuple(chain.from_iterable(zip(repeat(i.about.id), i.cover.ids) for i in items))))
    tx.outbox.queue_many(outgoing, now=now)
    return queued


def _next_step(campaign: AcknowledgementCampaign, steps: dict[str, datetime], *, school: School, today: date,
               due_day: dict[tuple[datetime, int], date]) -> ChaseStep | None:
    """The first step of a round not sent yet, if its day has come (a non-school day rolls to the next school
    day); `due_day` caches the roll-forward, which is the same for everyone first asked in the same sweep."""
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
    """The outbox key of one message covering these ledger rows: the same rows always give the same key. A
    message of one row (the usual case) has that row's key, which is also cheaper to index than a hash (the
    keys of one sweep sort together)."""
    keys = sorted(send_keys)
    return keys[0] if len(keys) == 1 else "reminder:" + hashlib.sha256("\n".join(keys).encode()).hexdigest()


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


def _message(campaign: AcknowledgementCampaign, kind: str, dues: list[_Due], *, choices: dict[str, dict[str, Any]],
             made: dict[tuple[Any, ...], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One message for one recipient (as stored replies): the ask or reminder with the choices of each
    policy, or the manager's list. `made` keeps asks and reminders already built: most people get the same."""
    m = campaign.messages
    if kind == "escalation":
        lines = [m.escalation.format(name=d.about.name, title=p.title,
                                     asked=d.asked.date().isoformat() if d.asked else "")
                 for d in dues for p in d.cover.policies]
        return [to_dict(Text(m.escalation_header + "\n" + "\n".join(f"- {line}" for line in lines)))]
    shape = (kind, *((id(d.cover), d.changed) for d in dues))  # a cover lives as long as the sweep of a school
    if shape not in made:
        made[shape] = _request(campaign, kind, [(p, p.id in d.changed) for d in dues for p in d.cover.policies],
                               choices=choices)
    return made[shape]


def _request(campaign: AcknowledgementCampaign, kind: str, parts: list[tuple[Policy, bool]],
             *, choices: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The ask (or reminder): a line naming the changed policies, one naming the rest, then their choices."""
    m = campaign.messages
    replies: list[dict[str, Any]] = []
    for lead, group in ((m.ask_changed, [p for p, changed in parts if changed]),
                        (m.ask if kind == "ask" else m.reminder, [p for p, changed in parts if not changed])):
        if group:
            text = lead.format(titles=", ".join(p.title for p in group), count=len(group))
            replies.append(to_dict(Text(text)))
    return replies + [choices[p.id] for p, _ in parts]
