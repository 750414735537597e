"""Sending to Teams: throttling retried with backoff and jitter, and proactive delivery of the outbox.

Teams throttles bots (HTTP 429, and 412/502/504 under load); Microsoft's guidance is to retry with an
exponential backoff and random jitter, so that many senders do not retry in step. `Backoff` does that for a
reply inside a turn and for a proactive message alike.

The outbox is drained in a worker thread (the store is synchronous), while the Bot Framework adapter lives
on the web server's event loop: `TeamsDeliverer.deliver` hands the send to that loop and waits for it.
Someone the bot has never talked to has no conversation reference yet, so Teams gives no way to message
them: `NotReachableYet` fails the delivery, the outbox keeps the message and retries with its own backoff
(it arrives once they open the app or an administrator installs it for them), and the compliance view
lists them as unreachable.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference

from bot.channels.teams.cards import card_activity
from bot.channels.teams.messages import TeamsMessages
from bot.core.replies import Reply

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The connector's answers that mean "not now, try again" (Teams throttling and gateway hiccups).
RETRY_STATUSES = frozenset({412, 429, 502, 504})


def status_of(exc: BaseException) -> int | None:
    """The HTTP status behind a connector error (msrest's HttpOperationError carries the response)."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return status if isinstance(status, int) else None


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        return float(headers.get("Retry-After", ""))
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Backoff:
    """Retries a call the connector throttled: exponential delays from `base` up to `cap`, each with
    random jitter (between half and all of it), honouring the connector's Retry-After when it gives one.

    The defaults keep a reply's worst case (0.5 + 1 + 2 s) well inside Teams' 15-second turn; `sleep` and
    `jitter` are passed in so tests control time."""

    attempts: int = 4
    base: float = 0.5
    cap: float = 4.0
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    jitter: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """The wait after the `attempt`th throttled try."""
        wanted = retry_after if retry_after is not None else self.base * 2 ** (attempt - 1)
        capped = min(self.cap, wanted)
        return capped / 2 + self.jitter() * capped / 2

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return await call()
            except Exception as exc:
                status = status_of(exc)
                if status not in RETRY_STATUSES or attempt == self.attempts:
                    raise
                wait = self.delay(attempt, _retry_after(exc))
                log.info("Teams answered %s (try %d of %d); retrying in %.2fs", status, attempt, self.attempts, wait)
                await self.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")


async def send_card(turn_context: TurnContext, replies: Sequence[Reply], *, messages: TeamsMessages,
                    backoff: Backoff) -> None:
    """The replies as one card in the conversation of `turn_context`, retried if throttled."""
    if not replies:
        return
    activity = card_activity(replies, send_label=messages.send, summary=messages.card_summary)
    await backoff.run(lambda: turn_context.send_activity(activity))


async def send_text(turn_context: TurnContext, text: str, *, backoff: Backoff) -> None:
    await backoff.run(lambda: turn_context.send_activity(Activity(type="message", text=text)))


class NotReachableYet(Exception):
    """Teams has no conversation with this person yet (they never opened the app, nor was it installed for
    them): the outbox keeps the message and tries again later."""


class TeamsDeliverer:
    """The outbox's way to reach one member of staff in Teams: `continue_conversation` on the stored
    reference of their personal chat with the bot."""

    def __init__(self, adapter: BotAdapter, *, app_id: str, messages: TeamsMessages, backoff: Backoff,
                 loop: asyncio.AbstractEventLoop, references: Callable[[str], dict[str, Any] | None],
                 timeout: float = 60.0) -> None:
        """`references` looks up a staff member's stored reference (`ChatService.reference`); `loop` is the
        event loop the adapter runs on."""
        self._adapter = adapter
        self._app_id = app_id
        self._messages = messages
        self._backoff = backoff
        self._loop = loop
        self._references = references
        self._timeout = timeout

    def deliver(self, *, recipient_id: str, replies: Sequence[Reply], idempotency_key: str) -> None:
        """Called from the outbox's worker thread; raises on failure so the message is retried."""
        stored = self._references(recipient_id)
        if stored is None:
            raise NotReachableYet(recipient_id)
        reference = ConversationReference.deserialize(stored)
        future = asyncio.run_coroutine_threadsafe(self.send(reference, replies), self._loop)
        future.result(timeout=self._timeout)

    async def send(self, reference: ConversationReference, replies: Sequence[Reply]) -> None:
        async def in_conversation(turn_context: TurnContext) -> None:
            await send_card(turn_context, replies, messages=self._messages, backoff=self._backoff)

        await self._adapter.continue_conversation(reference, in_conversation, self._app_id)
