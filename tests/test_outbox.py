"""Delivery through the outbox: retried with backoff after a channel fails, nothing lost, nothing sent twice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.core.delivery import OutboxSender, backoff
from bot.core.inbox import ConsoleInboxDeliverer, take_inbox
from bot.core.replies import Reply, Text, to_dict
from bot.store import Store, Transaction, open_store
from bot.store.models import OutboxBodyRow
from bot.store.outbox_repo import QueuedMessage

START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class FlakyChannel:
    """Fails the first `failures` deliveries, then records every delivery it accepts."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.delivered: list[tuple[str, str]] = []

    def deliver(self, *, recipient_id: str, replies: Sequence[Reply], idempotency_key: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("channel down")
        self.delivered.append((recipient_id, idempotency_key))


def queue(store: Store, key: str, *, recipient: str = "d.price") -> None:
    with store.transaction() as tx:
        tx.outbox.queue(school_id="riverside", recipient_id=recipient, replies=[to_dict(Text(f"hello {key}"))],
                        idempotency_key=key, now=START)


def bodies(store: Store) -> list:
    with store.engine.connect() as connection:
        return list(connection.execute(select(OutboxBodyRow.replies)).scalars())


def test_backoff_doubles_up_to_a_cap():
    base, cap = timedelta(seconds=30), timedelta(minutes=3)
    assert [backoff(n, base=base, cap=cap).total_seconds() for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 180, 180]


def test_a_failed_delivery_is_retried_after_its_backoff_and_delivered_once(store: Store):
    clock, channel = Clock(), FlakyChannel(failures=2)
    sender = OutboxSender(store, channel, clock=clock, base_delay=timedelta(seconds=30))
    queue(store, "a")
    queue(store, "b", recipient="a.whitfield")
    assert (sender.drain().delivered, channel.delivered) == (0, [])  # both failed
    assert sender.drain().delivered == 0  # not due yet: waiting out the backoff
    clock.now += timedelta(seconds=30)
    assert sender.drain().delivered == 2
    clock.now += timedelta(hours=2)
    assert sender.drain().delivered == 0  # delivered rows are never sent again
    assert sorted(channel.delivered) == [("a.whitfield", "b"), ("d.price", "a")]
    with store.transaction() as tx:
        assert [(m.attempts, m.delivered_at is not None) for m in tx.outbox.list()] == [(2, True), (2, True)]


def test_queueing_the_same_key_twice_queues_once(store: Store):
    queue(store, "same")
    with store.transaction() as tx:
        again = tx.outbox.queue(school_id="riverside", recipient_id="d.price", replies=[], idempotency_key="same",
                                now=START)
        assert again is False and len(tx.outbox.list()) == 1


def test_a_claimed_row_is_not_claimed_by_a_second_sender_until_its_lease_ends(store: Store):
    queue(store, "a")
    with store.transaction() as tx:
        assert len(tx.outbox.claim_due(now=START, lease=timedelta(minutes=5))) == 1
    with store.transaction() as tx:
        assert tx.outbox.claim_due(now=START + timedelta(minutes=1), lease=timedelta(minutes=5)) == []
    with store.transaction() as tx:  # the first sender died: the lease runs out and the row is not lost
        assert len(tx.outbox.claim_due(now=START + timedelta(minutes=5), lease=timedelta(minutes=5))) == 1


def test_the_console_inbox_shows_each_message_once_even_if_delivered_twice(store: Store):
    deliverer = ConsoleInboxDeliverer(store, clock=lambda: START)
    deliverer.deliver(recipient_id="d.price", replies=[Text("alert")], idempotency_key="k1")
    deliverer.deliver(recipient_id="d.price", replies=[Text("alert")], idempotency_key="k1")
    assert take_inbox(store, "d.price") == [[Text("alert")]]
    assert take_inbox(store, "d.price") == []


@pytest.mark.parametrize("failures", [0, 3])
def test_nothing_is_lost_whatever_the_failures(store: Store, failures: int):
    clock, channel = Clock(), FlakyChannel(failures=failures)
    sender = OutboxSender(store, channel, clock=clock, base_delay=timedelta(seconds=1))
    for n in range(3):
        queue(store, f"m{n}")
    for _ in range(6):
        sender.drain()
        clock.now += timedelta(minutes=1)
    assert sorted(k for _, k in channel.delivered) == ["m0", "m1", "m2"]


def test_the_same_words_to_many_people_are_stored_once_and_deleted_with_their_last_message(store: Store):
    request = [to_dict(Text("Please read the policy"))]
    other = [to_dict(Text("A different message"))]
    with store.transaction(write=True) as tx:
        queued = tx.outbox.queue_many([QueuedMessage("riverside", f"p{n}", request, f"k{n}") for n in range(3)]
                                      + [QueuedMessage("riverside", "p9", list(other), "k9")], now=START)
        tx.outbox.queue(school_id="riverside", recipient_id="p8", replies=[to_dict(Text("Please read the policy"))],
                        idempotency_key="k8", now=START)  # equal words, another object: the same body
    assert queued == 4
    with store.transaction(write=True) as tx:  # the same keys again (a replayed sweep): nothing more
        assert tx.outbox.queue_many([QueuedMessage("riverside", f"p{n}", request, f"k{n}") for n in range(4)],
                                    now=START) == 1  # only k3 is new
    with store.transaction() as tx:
        assert [(m.recipient_id, m.replies) for m in tx.outbox.list()] == [
            ("p0", request), ("p1", request), ("p2", request), ("p9", other), ("p8", request), ("p3", request)]
    assert bodies(store) == [other, request] or bodies(store) == [request, other]
    with store.transaction(write=True) as tx:
        tx.privacy.erase("p9", user_ids={"p9"})
        tx.privacy.erase("p0", user_ids={"p0"})
    assert bodies(store) == [request]  # p1, p2 and p8 still use it
    with store.transaction() as tx:
        assert [m.replies for m in tx.outbox.list(recipient_id="p1")] == [request]


def test_the_longest_waiting_message_goes_first_then_the_order_queued(store: Store):
    for key, wait in (("later", 5), ("first", 0), ("second", 0)):
        with store.transaction() as tx:
            tx.outbox.queue(school_id="riverside", recipient_id="d.price", replies=[to_dict(Text(key))],
                            idempotency_key=key, now=START + timedelta(minutes=wait))
    with store.transaction(write=True) as tx:
        claimed = tx.outbox.claim_due(now=START + timedelta(minutes=10), lease=timedelta(minutes=1))
    assert [m.idempotency_key for m in claimed] == ["first", "second", "later"]


def _plans(store: Store, run: Callable[[Transaction], object]) -> list[str]:
    """SQLite's query plan of every SELECT that `run` makes."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        with store.transaction(write=True) as tx:
            run(tx)
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    with store.engine.connect() as connection:
        return [" / ".join(row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
                for sql, params in statements]


def test_the_sender_and_a_report_look_up_never_walk_the_delivered_messages(tmp_path: Path):
    """Delivered reminders are kept by the thousand: the sender's poll goes through the index of undelivered
    messages, a report's messages through the index of report messages (which reminders are not in)."""
    with open_store(f"sqlite:///{tmp_path / 'plans.db'}") as store:
        sender = _plans(store, lambda tx: tx.outbox.claim_due(now=START, lease=timedelta(minutes=1)))
        by_report = _plans(store, lambda tx: tx.outbox.report_keys(reference="R-1", recipient_id="d.price"))
    assert sender == ["SEARCH outbox USING INDEX ix_outbox_pending (next_attempt_at<?)"]
    assert "SEARCH outbox USING INDEX ix_outbox_report_id (report_id=?)" in by_report[0]
    assert "SCAN" not in " ".join(sender + by_report)
