"""Delivery of the outbox: messages to people other than the one talking, retried until they arrive.

The sender claims due rows (a lease, so two senders never hold the same row), hands each to a
channel's `Deliverer`, and records the result: delivered rows are never sent again; a failure is
retried with exponential backoff. Each message carries its idempotency key so a channel can refuse a
duplicate if the process dies between delivering and recording it (the console inbox does).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.core.quiet_hours import QuietHours
from bot.core.replies import Reply, reply_from_dict
from bot.store import Store, Transaction
from bot.store.outbox_repo import OutboxMessage

log = logging.getLogger(__name__)


class Deliverer(Protocol):
    """A channel's way of sending a message to one staff member; raises (any exception) on failure, and the
    message is retried later."""

    def deliver(self, *, recipient_id: str, replies: Sequence[Reply], idempotency_key: str) -> None: ...


@dataclass(frozen=True, slots=True)
class DrainResult:
    delivered: int
    failed: int
    held: int = 0  # put back until the recipient's school hours (quiet hours)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def backoff(attempts: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """The wait after the `attempts`th failure: base, 2*base, 4*base ... never more than cap."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


class OutboxSender:
    def __init__(self, store: Store, deliverer: Deliverer, *, clock: Callable[[], datetime] = _utc_now,
                 base_delay: timedelta = timedelta(seconds=30), max_delay: timedelta = timedelta(hours=1),
                 lease: timedelta = timedelta(minutes=5), quiet_hours: QuietHours | None = None) -> None:
        """Without `quiet_hours` everything due is delivered at once (a channel's own tests); the bot's
        processes pass the school file's, so non-urgent messages wait for school hours."""
        self._store = store
        self._deliverer = deliverer
        self._quiet = quiet_hours
        self._clock = clock
        self._base, self._cap, self._lease = base_delay, max_delay, lease

    def drain(self) -> DrainResult:
        """Deliver everything due now, once each; failures wait for their backoff."""
        now = self._clock()
        with self._store.transaction(write=True) as tx:
            claimed = tx.outbox.claim_due(now=now, lease=self._lease)
            held = {m.id for m in claimed if self._hold(tx, m, now)}
        delivered = failed = 0
        for message in (m for m in claimed if m.id not in held):
            try:
                self._deliverer.deliver(recipient_id=message.recipient_id,
                                        replies=[reply_from_dict(r) for r in message.replies],
                                        idempotency_key=message.idempotency_key)
            except Exception as exc:  # noqa: BLE001 - any channel failure is retried, never lost
                failed += 1
                retry_at = self._clock() + backoff(message.attempts + 1, base=self._base, cap=self._cap)
                # The error class only: a channel's message could quote the text being sent.
                log.warning("outbox message %s to %s failed (attempt %d), retrying at %s: %s", message.id,
                            message.recipient_id, message.attempts + 1, retry_at.isoformat(), type(exc).__name__)
                with self._store.transaction(write=True) as tx:
                    tx.outbox.mark_failed(message.id, error=type(exc).__name__, retry_at=retry_at)
                continue
            delivered += 1
            with self._store.transaction(write=True) as tx:
                tx.outbox.mark_delivered(message.id, now=self._clock())
                if message.report_reference:
                    # locked: an acknowledgement made meanwhile must not be overwritten by "delivered"
                    report = tx.reports.get(message.report_reference, lock=True)
                    if report is not None and report.status == "submitted":
                        tx.reports.update(replace(report, status="delivered"), now=self._clock())
        return DrainResult(delivered=delivered, failed=failed, held=len(held))

    def _hold(self, tx: Transaction, message: OutboxMessage, now: datetime) -> bool:
        """Put `message` back until its recipient's school opens, if it is not urgent and the school is shut.

        Checked when it is due (not when it was queued), so a retry that falls due at night waits too."""
        if self._quiet is None:
            return False
        report = tx.reports.get(message.report_reference) if message.report_reference else None
        person = tx.staff.get(message.recipient_id)
        until = self._quiet.hold_until(school_id=person.school_id if person else message.school_id,
                                       urgent=bool(report and report.urgent), moment=now)
        if until is None:
            return False
        tx.outbox.defer(message.id, until=until)
        return True
