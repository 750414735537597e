"""Confirming joiners: the administrators are messaged when an unknown person joins the chat platform, and
answer in chat ("confirm jo.bloggs as teacher", "reject jo.bloggs") or with `policybot staff confirm`.

The words are data (intents/campaigns/joiners.yaml). Only an administrator, else the Head, of the joiner's
own school may decide; a confirmed joiner with no start date starts today, so their induction begins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import Field

from bot import paths
from bot.core.replies import Choice, Choices, Reply, Text, to_dict
from bot.errors import PolicybotError
from bot.school import SchoolConfig
from bot.school.roles import Role
from bot.staff.joiners import JoinerOutcome, confirm_joiner, reject_joiner
from bot.staff.mis_csv import parse_roles
from bot.store import StaffStatus, Store
from bot.store.outbox_repo import QueuedMessage
from bot.yamlfile import ConfigModel, load_yaml, validate


class JoinerPhrases(ConfigModel):
    confirm: tuple[str, ...] = Field(min_length=1)
    reject: tuple[str, ...] = Field(min_length=1)
    as_: tuple[str, ...] = Field(min_length=1, alias="as")


class JoinerWords(ConfigModel):
    ask: str
    confirm_button: str
    reject_button: str
    confirmed: str
    rejected: str
    not_allowed: str
    not_pending: str
    unknown_roles: str
    none_waiting: str


class JoinerMessages(ConfigModel):
    phrases: JoinerPhrases
    messages: JoinerWords


def load_joiner_messages(path: Path | None = None) -> JoinerMessages:
    """intents/campaigns/joiners.yaml, validated with file:line errors."""
    path = path or paths.intents_dir() / "campaigns" / "joiners.yaml"
    return validate(JoinerMessages, load_yaml(path), file=path)


def ask_to_confirm(store: Store, outcome: JoinerOutcome, words: JoinerMessages, *, platform: str,
                   now: datetime) -> int:
    """Message each approver of an unconfirmed joiner through the outbox (once per joiner and approver, however
    often the platform reports them). Returns how many messages were queued."""
    if outcome.matched or not outcome.ask:
        return 0
    person, m = outcome.staff, words.messages
    confirm, reject = words.phrases.confirm[0], words.phrases.reject[0]
    replies = [to_dict(Choices(
        prompt=m.ask.format(name=person.name, email=person.email or "-", id=person.id, platform=platform),
        options=(Choice(m.confirm_button, f"{confirm} {person.id}"),
                 Choice(m.reject_button, f"{reject} {person.id}"))))]
    with store.transaction(write=True) as tx:
        return tx.outbox.queue_many([QueuedMessage(school_id=person.school_id, recipient_id=approver.id,
                                                   replies=replies,
                                                   idempotency_key=f"joiner:{person.id}:{approver.id}")
                                     for approver in outcome.ask], now=now)


class JoinerDesk:
    """The chat side: an administrator (else the Head) confirms or rejects a pending joiner of their school."""

    def __init__(self, store: Store, words: JoinerMessages, *, config: SchoolConfig,
                 clock: Callable[[], datetime]) -> None:
        self._store = store
        self._words = words
        self._config = config
        self._clock = clock
        verbs = "|".join(re.escape(v) for v in (*words.phrases.confirm, *words.phrases.reject))
        joins = "|".join(re.escape(a) for a in words.phrases.as_)
        self._command = re.compile(rf"^\s*({verbs})\s+([a-z0-9][a-z0-9._-]*)(?:\s+(?:{joins})\s+(.+?))?\s*$",
                                   re.IGNORECASE)

    def handle(self, *, staff_id: str, text: str) -> list[Reply] | None:
        """Replies when `text` confirms or rejects a joiner, else None."""
        match = self._command.match(text)
        if match is None:
            return None
        verb, joiner_id, roles_text = match.group(1).lower(), match.group(2).lower(), match.group(3)
        m = self._words.messages
        with self._store.transaction() as tx:
            decider, joiner = tx.staff.get(staff_id), tx.staff.get(joiner_id)
            pending = [p.id for p in tx.staff.list(statuses=[StaffStatus.PENDING])
                       if decider is not None and p.school_id == decider.school_id]
        if decider is None or not (decider.has_role(Role.ADMINISTRATOR.value) or decider.has_role(Role.HEAD.value)):
            return [Text(m.not_allowed)]
        if joiner is None or joiner.status != StaffStatus.PENDING or joiner.school_id != decider.school_id:
            return [Text(m.not_pending.format(id=joiner_id, pending=", ".join(pending) or m.none_waiting))]
        if verb in (v.lower() for v in self._words.phrases.reject):
            rejected = reject_joiner(self._store, staff_id=joiner.id)
            return [Text(m.rejected.format(name=rejected.name, id=rejected.id))]
        roles: tuple[str, ...] | None = None
        if roles_text:
            roles, unknown = parse_roles(roles_text)
            if unknown:
                return [Text(m.unknown_roles.format(roles=", ".join(unknown),
                                                    known=", ".join(r.value for r in Role)))]
        today = self._config.school(joiner.school_id).local(self._clock()).date()
        try:
            confirmed = confirm_joiner(self._store, staff_id=joiner.id, roles=roles, today=today)
        except PolicybotError as exc:
            return [Text(str(exc))]
        return [Text(m.confirmed.format(name=confirmed.name, id=confirmed.id, roles=", ".join(confirmed.roles)))]
