"""Local mode's channel (DESIGN.md): with no chat platform, the console is everyone's channel.

Messages to a person are delivered into their console inbox and shown when `policybot chat --as`
that person starts (or between their messages, if they are chatting already).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.core.replies import Reply, reply_from_dict, to_dict
from bot.store import Store


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ConsoleInboxDeliverer:
    """The Deliverer of local mode; a repeated key adds nothing, so nobody sees a message twice."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._store = store
        self._clock = clock

    def deliver(self, *, recipient_id: str, replies: Sequence[Reply], idempotency_key: str) -> None:
        with self._store.transaction(write=True) as tx:
            tx.inbox.put(recipient_id=recipient_id, replies=[to_dict(r) for r in replies],
                         idempotency_key=idempotency_key, now=self._clock())


def take_inbox(store: Store, staff_id: str, *, clock: Callable[[], datetime] = _utc_now) -> list[list[Reply]]:
    """The messages waiting for `staff_id`, oldest first, each a list of replies; they are marked shown."""
    with store.transaction(write=True) as tx:
        messages = tx.inbox.take_unshown(staff_id, now=clock())
    return [[reply_from_dict(r) for r in m.replies] for m in messages]
