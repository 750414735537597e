"""The core as a chat platform sees it: who is this, what do we say, was this event seen, how is someone reached.

Slack and Teams adapters call only this service (and render the replies it returns): they never touch
the store, and they keep no state of their own. The same conversation, report desk and reminders serve
the console (`bot.core.local`), so a feature built once appears in every channel.

`build_chat_service` wires it for a web process: the adapter hands in its `Deliverer` (how a message
reaches one member of staff on its platform) and the service drains the outbox through it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.answer.engine import AnswerEngine
from bot.core.channel_messages import channel_messages
from bot.core.conversation import Conversation, Who
from bot.core.delivery import Deliverer, DrainResult, OutboxSender
from bot.core.home import START_FORM, home_page
from bot.core.quiet_hours import QuietHours
from bot.core.replies import Reply
from bot.forms import DialogueKey, FormSet, Step, load_forms
from bot.forms.answers import normalise
from bot.reminders import AcknowledgementDesk, Reminders, build_reminders
from bot.reports import default_desk
from bot.school import SchoolConfig
from bot.staff import JoinerOutcome, register_joiner
from bot.store import StaffRecord, Store
from bot.store.channel_repo import SEEN_EVENT_PRUNING, SEEN_EVENT_RETENTION
from bot.store.dialogue_repo import DatabaseDialogueStateStore

log = logging.getLogger(__name__)

YES_WORD = "yes"  # accepts a pending offer (bot.core.conversation.YES)

Platform = Literal["slack", "teams"]

#: How many messages a web process works on at once. A Slack turn holds its thread until slack.com has taken the
#: reply (chat.postMessage), 100-300 ms from a school's server: at 200 messages a second that is up to 60 replies
#: in flight. Measured with the fake Slack answering in 150 ms (benchmarks/load_bench.py --api-latency 150),
#: 16 threads carried 100 messages a second and answered in 8-15 s. Threads waiting on the network cost no CPU;
#: the libraries' defaults (bolt's 5 listener threads, the event loop's 6) would be far too few. Turns in the
#: database at once are bounded by its pool (bot.store.engine.POOL_SIZE): the rest wait there briefly.
TURN_THREADS = 64


def turn_threads() -> ThreadPoolExecutor:
    """The threads a web process runs its turns on (bolt's listener executor; the Teams loop's default)."""
    return ThreadPoolExecutor(max_workers=TURN_THREADS, thread_name_prefix="turn")


@dataclass(frozen=True, slots=True)
class PlatformUser:
    """Someone as the platform names them: its user id (Slack member id, Teams AAD object id), the
    workspace (Slack team, Teams tenant) and, where the platform gives them, email and display name."""

    platform: Platform
    workspace: str
    user_id: str
    email: str | None = None
    name: str | None = None


@dataclass
class ChatService:
    store: Store
    config: SchoolConfig
    conversation: Conversation
    reminders: Reminders
    sender: OutboxSender
    clock: Callable[[], datetime]
    _pruned_at: datetime | None = field(default=None, init=False)  # when old seen event ids were last dropped

    @property
    def forms(self) -> FormSet:
        return self.conversation.forms

    # -- identity --------------------------------------------------------------------------------

    def identify(self, user: PlatformUser) -> Who | None:
        """The member of staff behind a platform account (by platform id, else by email, which links the
        account for next time), or None for someone who is neither: they are not staff, and nothing
        they wrote may be stored."""
        with self.store.transaction() as tx:  # the usual case, every message: a read, no write lock
            person = tx.staff.find_by_platform_id(platform=user.platform, user_id=user.user_id)
        if person is None and user.email:
            with self.store.transaction(write=True) as tx:
                person = next((p for p in tx.staff.find_by_email(user.email) if p.current), None)
                if person is not None:
                    column = "slack_id" if user.platform == "slack" else "teams_id"
                    person = tx.staff.update(replace(person, **{column: user.user_id}))
        if person is None or not person.current:
            return None
        return Who(staff_id=person.id, school_id=person.school_id,
                   key=DialogueKey(user.platform, user.workspace, user.user_id))

    def staff(self, staff_id: str) -> StaffRecord | None:
        with self.store.transaction() as tx:
            return tx.staff.get(staff_id)

    # -- conversation ----------------------------------------------------------------------------

    def turn(self) -> AbstractContextManager[None]:
        """One transaction for the calls made inside the block (`Store.unit_of_work`): an adapter wraps a
        message's bookkeeping and answer in it, and posts the replies after it ends, once all is stored.
        Nothing that calls the chat platform may run inside."""
        return self.store.unit_of_work()

    def handle(self, who: Who, text: str) -> list[Reply]:
        """One message (or button value) from a known member of staff, in one transaction."""
        with self.turn():
            if text.startswith(START_FORM):  # a "start a report" button of the home page
                return self.start_form(who, text.removeprefix(START_FORM).strip())
            if normalise(text) in channel_messages().home.words and not self.in_form(who):
                return self.conversation.with_notice(who, home_page(self, who))
            return self.conversation.handle(who, text)

    def answer(self, platform: Platform, who: Who, text: str, reference: dict[str, Any]) -> list[Reply]:
        """A message written to the bot in a chat: how to reach the person is kept (`remember_reference`) and
        the message handled, in one transaction."""
        with self.turn():
            self.remember_reference(platform, who, reference)
            return self.handle(who, text)

    def message(self, platform: Platform, person: PlatformUser | Who, event_id: str | None, text: str,
                reference: dict[str, Any]) -> tuple[Who | None, list[Reply] | None]:
        """A message written to the bot in a chat, in one transaction committed before anything is posted: who
        sent it, whether it is a platform's retry of one answered before (`event_id`; None: nothing to tell a
        retry by), how to reach them kept, and the answer. Returns (who, replies):
        - (None, None): an account not linked to anyone yet. Nothing is stored; the adapter asks its platform
          for the email, outside any transaction (`identify` with it links the account), and calls again with
          the person found;
        - (who, None): a retry, already answered;
        - (who, replies): the replies to post.
        The adapter may read more inside the same transaction by calling this inside its own `turn()`."""
        with self.turn():
            who = person if isinstance(person, Who) else self.identify(person)
            if who is None:
                return None, None
            if event_id is not None and not self.first_sighting(platform, event_id):
                return who, None
            return who, self.answer(platform, who, text, reference)

    def start_form(self, who: Who, form_id: str) -> list[Reply]:
        """Start a report form directly (a home page button): as if the person had accepted an offer of it.
        A form already in progress is resumed instead, so a stray click never discards answers."""
        if form_id not in self.forms.forms or self.in_form(who):
            return self.conversation.arrive(who)
        with self.store.transaction(write=True) as tx:
            tx.offers.put(who.key, form_id, now=self.clock())
        return self.conversation.handle(who, YES_WORD)

    def in_form(self, who: Who) -> bool:
        """Whether the person is part-way through a report (its answers must stay out of public channels)."""
        return self.conversation.dialogues.get(who.key) is not None

    def awaiting(self, who: Who) -> Step | None:
        """The form question the person is being asked now, if any: a channel may offer a better way to
        answer it (Slack: free text in a modal, so that it is not left in the DM history)."""
        state = self.conversation.dialogues.get(who.key)
        if state is None or state.get("stage") != "ask" or not state.get("step") or state.get("pick"):
            return None
        return self.forms.get(state["form"]).step(state["step"])

    def arrive(self, who: Who) -> list[Reply]:
        """The person opened the bot: privacy notice the first time, then an unfinished form or what waits."""
        return self.conversation.arrive(who)

    # -- platform bookkeeping --------------------------------------------------------------------

    def first_sighting(self, platform: Platform, event_id: str) -> bool:
        """False when this event id was handled before (a platform retry): the adapter then does nothing. Ids
        older than any retry are dropped now and then (SEEN_EVENT_PRUNING), not on every message."""
        now = self.clock()
        with self.store.transaction(write=True) as tx:
            first = tx.seen_events.first_sighting(platform=platform, event_id=event_id, now=now)
            if first and (self._pruned_at is None or now - self._pruned_at >= SEEN_EVENT_PRUNING):
                tx.seen_events.forget_before(now - SEEN_EVENT_RETENTION)
                self._pruned_at = now
        return first

    def remember_reference(self, platform: Platform, who: Who, reference: dict[str, Any]) -> None:
        """Keep how to reach this person unprompted (alerts, reminders), for every process. Called on every
        message, so it writes only when the reference changed."""
        if self.reference(platform, who.staff_id) == reference:
            return
        with self.store.transaction(write=True) as tx:
            tx.conversation_refs.put(platform=platform, school_id=who.school_id, staff_id=who.staff_id,
                                     reference=reference, now=self.clock())

    def reference(self, platform: Platform, staff_id: str) -> dict[str, Any] | None:
        with self.store.transaction() as tx:
            return tx.conversation_refs.get(platform=platform, staff_id=staff_id)

    def member_joined(self, user: PlatformUser) -> JoinerOutcome:
        """The platform says someone joined (Slack `team_join`, Teams members added). A known member of
        staff is linked to the account and, with no start date yet, starts induction today; anyone else
        is stored as pending, not treated as staff until the administrator confirms them, who is asked to
        through the outbox (bot.staff.joiner_chat)."""
        from bot.staff.joiner_chat import ask_to_confirm, load_joiner_messages

        outcome = register_joiner(self.store, platform=user.platform, user_id=user.user_id, email=user.email,
                                  name=user.name or user.email or user.user_id)
        ask_to_confirm(self.store, outcome, load_joiner_messages(), platform=user.platform, now=self.clock())
        if outcome.matched and outcome.staff.start_date is None:
            school = self.config.school(outcome.staff.school_id)
            today = self.clock().astimezone(ZoneInfo(school.timezone)).date()
            with self.store.transaction(write=True) as tx:
                tx.staff.update(replace(outcome.staff, start_date=today))
        return outcome

    # -- the web process's share of the work -----------------------------------------------------

    def drain(self) -> DrainResult:
        """Deliver what the outbox holds (alerts, acknowledgements, reminders) through the adapter."""
        return self.sender.drain()


def build_chat_service(store: Store, *, config: SchoolConfig, engine: AnswerEngine, deliverer: Deliverer,
                       clock: Callable[[], datetime] | None = None, timezone: str | None = None,
                       channel: str = "console") -> ChatService:
    """Everything a platform's web process (or the console) needs, over an open (migrated, staff-synced)
    store. `timezone` reads dates typed in forms; default: the first school's. `channel` is recorded with
    each acknowledgement made through it."""
    now = clock or (lambda: datetime.now(UTC))
    forms = load_forms()
    desk = default_desk(store, forms=forms, schools=config, clock=now)
    reminders = build_reminders(store, config=config)
    conversation = Conversation(engine=engine, forms=forms, desk=desk, dialogues=DatabaseDialogueStateStore(store),
                                timezone=timezone or config.schools[0].timezone, clock=now,
                                acknowledgements=AcknowledgementDesk(reminders, clock=now, channel=channel))
    sender = OutboxSender(store, deliverer, clock=now, quiet_hours=QuietHours(config))
    return ChatService(store=store, config=config, conversation=conversation, reminders=reminders, sender=sender,
                       clock=now)
