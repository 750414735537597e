"""Acknowledgements in the conversation: the same in the console, Slack and Teams.

The desk is also the door for the other reminder conversations: training ("I've done it",
bot.reminders.training_chat) and an administrator confirming a joiner (bot.staff.joiner_chat).

A request's choices send back `acknowledge ID`, `read policy ID` or `question ID`; a person can also type
`pending` to see what is waiting; the Head and the roles the campaign names can ask "who hasn't
acknowledged?". Anything else is not for this desk (`handle` returns None) and goes on to the answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from bot.core.replies import Quote, Reply, Text
from bot.forms.answers import normalise
from bot.policies.model import Policy
from bot.reminders.compliance import compliance_rows
from bot.reminders.service import Reminders
from bot.reminders.sweep import acknowledgement_choices
from bot.reminders.training_chat import TrainingDesk
from bot.school import academic_year
from bot.staff.joiner_chat import JoinerDesk, load_joiner_messages
from bot.store.reminder_repo import AcknowledgementRecord

_ACT = re.compile(r"^\s*(acknowledge|ack|agree|i agree|read policy|read|question)\s+([a-z0-9][a-z0-9_.-]*)\s*$",
                  re.IGNORECASE)
PENDING_WORDS = frozenset({"pending", "my acknowledgements", "acknowledgements", "what do i need to acknowledge"})
_OUTSTANDING = re.compile(r"\bwho\b.*\b(has ?n[o']?t|have ?n[o']?t|not yet|still)\b.*\b(acknowledg|read|signed|agreed)",
                          re.IGNORECASE)


class AcknowledgementDesk:
    """The chat side of acknowledgements for one channel (`console`, `slack`, `teams`)."""

    def __init__(self, reminders: Reminders, *, clock: Callable[[], datetime], channel: str = "console") -> None:
        self._r = reminders
        self._clock = clock
        self._channel = channel
        self._training = (TrainingDesk(reminders.store, reminders.training, config=reminders.config, clock=clock)
                          if reminders.training is not None else None)
        self._joiners = JoinerDesk(reminders.store, load_joiner_messages(), config=reminders.config, clock=clock)

    @property
    def training(self) -> TrainingDesk | None:
        """The training side (what is due, "I've done it"), for a home page; None without a training campaign."""
        return self._training

    def handle(self, *, staff_id: str, school_id: str, text: str, channel: str | None = None) -> list[Reply] | None:
        """Replies when `text` is about acknowledgements, training or confirming a joiner, else None.
        `channel` is the platform the message came from (console, slack, teams), recorded with what is
        acknowledged or done; default: the desk's."""
        channel = channel or self._channel
        if self._training is not None:
            handled = self._training.handle(staff_id=staff_id, school_id=school_id, text=text, channel=channel)
            if handled is not None:
                return handled
        handled = self._joiners.handle(staff_id=staff_id, text=text)
        if handled is not None:
            return handled
        act = _ACT.match(text)
        if act and act.group(2).lower() in self._r.policies:
            verb, policy_id = act.group(1).lower(), act.group(2).lower()
            if policy_id not in self._r.config.policies_for(school_id):
                return [Text(self._r.campaign.messages.unknown_policy.format(policy=policy_id))]
            if verb == "read policy" or verb == "read":
                return self._read(policy_id)
            if verb == "question":
                policy = self._r.policies[policy_id]
                return [Text(self._r.campaign.messages.question_prompt.format(title=policy.title, policy=policy_id))]
            return self.acknowledge(staff_id=staff_id, school_id=school_id, policy_id=policy_id, channel=channel)
        if normalise(text) in PENDING_WORDS:
            return self.pending(staff_id=staff_id, school_id=school_id) or [
                Text(self._r.campaign.messages.pending_none)]
        if _OUTSTANDING.search(text):
            return self.outstanding(staff_id=staff_id, school_id=school_id)
        return None

    def acknowledge(self, *, staff_id: str, school_id: str, policy_id: str,
                    channel: str | None = None) -> list[Reply]:
        """Record the declaration for the policy's current version, with the time and the channel it came
        through (default: the desk's)."""
        policy = self._r.policies[policy_id]
        now = self._clock()
        school = self._r.config.school(school_id)
        with self._r.store.transaction(write=True) as tx:
            new = tx.acknowledgements.record(AcknowledgementRecord(
                school_id=school_id, staff_id=staff_id, policy_id=policy_id, version=policy.version,
                academic_year=academic_year(school.local(now).date()), channel=channel or self._channel,
                acknowledged_at=now))
        m = self._r.campaign.messages
        if not new:
            return [Text(m.already.format(title=policy.title))]
        when = school.local(now).strftime("%d %B %Y %H:%M")
        return [Text(m.recorded.format(title=policy.title, version=policy.version, when=when))]

    def waiting_note(self, *, staff_id: str, school_id: str) -> list[Reply]:
        """A one-line note on arrival: no choices, so a number typed next still answers the last message."""
        waiting = self._waiting(staff_id=staff_id, school_id=school_id)
        return [Text(self._r.campaign.messages.waiting_note.format(count=len(waiting)))] if waiting else []

    def pending(self, *, staff_id: str, school_id: str) -> list[Reply]:
        """What this person still has to acknowledge this year, each with its choices."""
        waiting = self._waiting(staff_id=staff_id, school_id=school_id)
        if not waiting:
            return []
        replies: list[Reply] = [Text(self._r.campaign.messages.pending_header.format(count=len(waiting)))]
        replies += [acknowledgement_choices(self._r.campaign, p) for p in waiting]
        return replies

    def _waiting(self, *, staff_id: str, school_id: str) -> list[Policy]:
        """The applicable policies not acknowledged at their current version this year (none for leavers)."""
        school = self._r.config.school(school_id)
        year = academic_year(school.local(self._clock()).date())
        with self._r.store.transaction() as tx:
            person = tx.staff.get(staff_id)
            done = tx.acknowledgements.done(academic_year=year, school_ids=[school_id])
        if person is None or not person.current:
            return []
        return [p for p in self._r.applicable(school_id) if (staff_id, p.id, p.version) not in done]

    def outstanding(self, *, staff_id: str, school_id: str) -> list[Reply]:
        """The Head's (and named roles') list of who has not acknowledged each policy."""
        m = self._r.campaign.messages
        with self._r.store.transaction() as tx:
            person = tx.staff.get(staff_id)
            names = {p.id: p.name for p in tx.staff.current(school_id=school_id)}
        if person is None or not any(person.has_role(r) for r in self._r.campaign.compliance_roles):
            return [Text(m.outstanding_refused)]
        rows = [r for r in compliance_rows(self._r, now=self._clock(), school_id=school_id) if r["scope"] == "policy"]
        year = rows[0]["academic_year"] if rows else academic_year(self._clock().date())
        lines = [f"{r['title']} ({r['policy']}): {r['acknowledged']}/{r['staff']} - not yet: "
                 + ", ".join(names.get(i, i) for i in r["outstanding"]) for r in rows if r["outstanding"]]
        if not lines:
            return [Text(m.outstanding_none.format(year=year))]
        return [Text(m.outstanding_header.format(year=year) + "\n" + "\n".join(f"- {line}" for line in lines))]

    def _read(self, policy_id: str) -> list[Reply]:
        policy = self._r.policies[policy_id]
        replies: list[Reply] = [Text(policy.title)]
        replies += [Quote(policy_id=policy.id, policy_title=policy.title, ref=c.ref, text=c.text)
                    for c in policy.clauses]
        replies.append(acknowledgement_choices(self._r.campaign, policy))
        return replies
