"""The bot in one process for local mode (`policybot chat`): the chat service plus the web and worker roles.

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
from bot.core.inbox import ConsoleInboxDeliverer, take_inbox
from bot.core.replies import Reply
from bot.core.service import ChatService, build_chat_service
from bot.forms import DialogueKey
from bot.reminders.worker import Clock
from bot.school import SchoolConfig
from bot.store import Store

CONSOLE = "console"


@dataclass
class LocalBot:
    service: ChatService

    @property
    def store(self) -> Store:
        return self.service.store

    @property
    def conversation(self) -> Conversation:
        return self.service.conversation

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.service.clock

    def who(self, staff_id: str, *, school_id: str) -> Who:
        """The console keys a conversation by school and staff id."""
        return Who(staff_id=staff_id, school_id=school_id, key=DialogueKey(CONSOLE, school_id, staff_id))

    def handle(self, who: Who, text: str) -> list[Reply]:
        return self.service.handle(who, text)

    def pump(self) -> None:
        """The worker's tick and the web process's delivery, once: the same sweeps as `policybot worker`
        (reminders, escalation, form nudges and expiry, retention), then the outbox drained."""
        Clock(reminders=self.service.reminders, desk=self.conversation.desk, dialogues=self.conversation.dialogues,
              forms=self.conversation.forms, now=self.clock).tick()
        self.service.drain()

    def inbox(self, staff_id: str) -> list[list[Reply]]:
        return take_inbox(self.store, staff_id, clock=self.clock)


def build_local_bot(store: Store, *, config: SchoolConfig, engine: AnswerEngine, school_id: str,
                    clock: Callable[[], datetime] | None = None) -> LocalBot:
    """Everything local mode needs, over an open (migrated, staff-synced) store."""
    now = clock or (lambda: datetime.now(UTC))
    return LocalBot(build_chat_service(store, config=config, engine=engine, clock=now,
                                       deliverer=ConsoleInboxDeliverer(store, clock=now),
                                       timezone=config.school(school_id).timezone))
