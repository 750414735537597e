"""The bot in one process for local mode (`policybot chat`): the conversation plus the web and worker roles.

DESIGN.md: `chat` runs both roles in-process. After every message `pump` drains the outbox into the
console inboxes, escalates urgent reports not acknowledged in time, and nudges or expires unfinished
forms; `inbox` hands the console what is waiting for its person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.answer.engine import AnswerEngine
from bot.core.conversation import Conversation, Who
from bot.core.delivery import OutboxSender
from bot.core.inbox import ConsoleInboxDeliverer, take_inbox
from bot.core.quiet_hours import QuietHours
from bot.core.replies import Reply
from bot.core.sweeps import sweep_forms
from bot.forms import DialogueKey, load_forms
from bot.reminders import AcknowledgementDesk, Reminders, build_reminders
from bot.reports import default_desk
from bot.school import SchoolConfig
from bot.store import Store
from bot.store.dialogue_repo import DatabaseDialogueStateStore

CONSOLE = "console"


@dataclass
class LocalBot:
    store: Store
    conversation: Conversation
    sender: OutboxSender
    clock: Callable[[], datetime]
    reminders: Reminders

    def who(self, staff_id: str, *, school_id: str) -> Who:
        """The console keys a conversation by school and staff id."""
        return Who(staff_id=staff_id, school_id=school_id, key=DialogueKey(CONSOLE, school_id, staff_id))

    def handle(self, who: Who, text: str) -> list[Reply]:
        return self.conversation.handle(who, text)

    def pump(self) -> None:
        """The web and worker roles, once: remind, deliver what is due, escalate, nudge and expire."""
        now = self.clock()
        self.reminders.run_due(now=now)
        self.conversation.desk.escalate_due(now=now)
        sweep_forms(store=self.store, dialogues=self.conversation.dialogues, forms=self.conversation.forms, now=now)
        self.sender.drain()

    def inbox(self, staff_id: str) -> list[list[Reply]]:
        return take_inbox(self.store, staff_id, clock=self.clock)


def build_local_bot(store: Store, *, config: SchoolConfig, engine: AnswerEngine, school_id: str,
                    clock: Callable[[], datetime] | None = None) -> LocalBot:
    """Everything local mode needs, over an open (migrated, staff-synced) store."""
    now = clock or (lambda: datetime.now(UTC))
    forms = load_forms()
    desk = default_desk(store, forms=forms, schools=config, clock=now)
    reminders = build_reminders(store, config=config)
    conversation = Conversation(engine=engine, forms=forms, desk=desk, dialogues=DatabaseDialogueStateStore(store),
                                timezone=config.school(school_id).timezone, clock=now,
                                acknowledgements=AcknowledgementDesk(reminders, clock=now))
    sender = OutboxSender(store, ConsoleInboxDeliverer(store, clock=now), clock=now,
                          quiet_hours=QuietHours(config))
    return LocalBot(store=store, conversation=conversation, sender=sender, clock=now, reminders=reminders)

