"""Sending to Slack: replies into a conversation, and the outbox's messages to a member of staff's DM.

The outbox (`bot.core.delivery`) calls `SlackDeliverer.deliver` for alerts, acknowledgements and reminders.
The DM channel of each person is opened once (conversations.open) and kept through
`ChatService.remember_reference`, so every process reaches them without asking Slack again. A failure
raises, and the outbox retries later; Slack's own 429s are retried by the client's
`RateLimitErrorRetryHandler` after the Retry-After it names, and bulk sends (a morning of reminders) are
spaced by a throttle so that they stay within chat.postMessage's limit of about one message a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.channels.slack.render import MESSAGE_BLOCKS, Block, SlackMessage, messages_for
from bot.core.conversation import Who
from bot.core.replies import Reply
from bot.errors import PolicybotError
from bot.forms import DialogueKey

if TYPE_CHECKING:
    from bot.core.service import ChatService

SLACK = "slack"


class NotOnSlack(PolicybotError):
    """The recipient has no Slack account in the staff directory (the outbox retries: one may be linked)."""


class Throttle:
    """At most one call per `interval` seconds, across threads: Slack's per-channel posting limit is about
    one message a second, and a burst of reminders must not be answered with 429s."""

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._interval = interval
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self._interval


def post(client: WebClient, *, channel: str, replies: Sequence[Reply], send_label: str,
         thread_ts: str | None = None, throttle: Throttle | None = None, extra: Sequence[Block] = ()) -> list[str]:
    """Post replies into a conversation (a thread when `thread_ts` is given), with the adapter's own `extra`
    blocks under the last of them; returns the messages' ts."""
    messages = messages_for(replies, send_label=send_label)
    if extra and messages and len(messages[-1].blocks) + len(extra) <= MESSAGE_BLOCKS:
        messages[-1] = SlackMessage(text=messages[-1].text, blocks=[*messages[-1].blocks, *extra])
    elif extra:
        messages.append(SlackMessage(text=messages[-1].text if messages else "", blocks=list(extra)))
    sent = []
    for message in messages:
        if throttle is not None:
            throttle.wait()
        response = client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks,
                                           thread_ts=thread_ts, unfurl_links=False, unfurl_media=False)
        sent.append(str(response["ts"]))
    return sent


class SlackDeliverer:
    """The outbox's way to reach someone on Slack. Bound to its `ChatService` once that is built (the
    service is built with its deliverer, so the link is made in two steps)."""

    def __init__(self, client: WebClient, *, send_label: str, throttle: Throttle | None = None) -> None:
        self._client = client
        self._send_label = send_label
        self._throttle = throttle
        self._service: ChatService | None = None

    def bind(self, service: ChatService) -> None:
        self._service = service

    def deliver(self, *, recipient_id: str, replies: Sequence[Reply], idempotency_key: str) -> None:
        channel = self.dm_channel(recipient_id)
        post(self._client, channel=channel, replies=replies, send_label=self._send_label, throttle=self._throttle)

    def dm_channel(self, staff_id: str) -> str:
        """The DM channel with a member of staff: remembered, else opened now and remembered."""
        service = self._require_service()
        person = service.staff(staff_id)
        if person is None or not person.slack_id:
            raise NotOnSlack(f"{staff_id} has no slack_id - add it to the school file or the staff import")
        known = service.reference(SLACK, staff_id)
        if known and known.get("user") == person.slack_id and known.get("channel"):
            return str(known["channel"])
        channel = str(self._client.conversations_open(users=person.slack_id)["channel"]["id"])
        who = Who(staff_id=person.id, school_id=person.school_id,
                  key=DialogueKey(SLACK, (known or {}).get("team", ""), person.slack_id))
        service.remember_reference(SLACK, who, {"channel": channel, "user": person.slack_id,
                                                "team": (known or {}).get("team", "")})
        return channel

    def _require_service(self) -> ChatService:
        if self._service is None:
            raise RuntimeError("SlackDeliverer.bind(service) must be called before delivering")
        return self._service
