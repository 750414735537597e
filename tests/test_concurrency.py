"""Several processes on one database: two `web` processes and two worker sweeps at once, as real OS processes.

Every report is stored once with its own reference, every reminder is queued once, and every outbox message is
delivered exactly once although all four processes drain the outbox together (rows are claimed with
FOR UPDATE SKIP LOCKED on PostgreSQL, under SQLite's write lock on SQLite). Runs on SQLite always and on
PostgreSQL when TEST_DATABASE_URL is set (the `database_url` fixture says so when it skips).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.core.replies import Reply
from bot.forms import Submitted
from bot.reminders import build_reminders
from bot.school import load_school
from bot.staff import sync_from_school
from bot.store import open_store

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday in term, in school hours: reminders are due
REPORTS_PER_WEB = 12
REPORTERS = ("r.ahmed", "h.li", "e.clarke", "s.kowalski")
FORMS = ("pupil_contact", "media_enquiry", "cyberbullying", "inappropriate_content")


class LoggingDeliverer:
    """Appends each delivery's idempotency key to this process's own file, flushed at once, so the parent can
    count deliveries across processes afterwards."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("a", encoding="utf-8")

    def deliver(self, *, recipient_id: str, replies: Sequence[Reply], idempotency_key: str) -> None:
        self._file.write(f"{idempotency_key}\n")
        self._file.flush()


def _service(url: str, log: Path):
    from bot.answer.build import build_engine
    from bot.core.service import build_chat_service

    store = open_store(url)
    config = load_school()
    return build_chat_service(store, config=config, engine=build_engine(), deliverer=LoggingDeliverer(log),
                              clock=lambda: NOW)


def _drain_until_empty(service) -> None:
    while service.drain().delivered:
        pass


def web_process(url: str, log: Path, number: int, start: multiprocessing.synchronize.Barrier) -> None:
    """A web process: reports arriving and stored, the outbox drained after each (as `serve` does)."""
    service = _service(url, log)
    start.wait()
    for n in range(REPORTS_PER_WEB):
        submitted = Submitted(form_id=FORMS[n % len(FORMS)], answers={"what": f"web {number} report {n}"},
                              urgent=n % 3 == 0, subjects=(), summary=(("What happened", "details"),))
        service.conversation.desk.submit(submitted, reporter_id=REPORTERS[(n + number) % len(REPORTERS)],
                                         school_id="riverside")
        service.drain()
    _drain_until_empty(service)


def worker_process(url: str, log: Path, number: int, start: multiprocessing.synchronize.Barrier) -> None:
    """A worker sweep (reminders, escalation) that also delivers, as `policybot worker` plus `serve` would."""
    service = _service(url, log)
    start.wait()
    for _ in range(3):
        service.reminders.run_due(now=NOW)
        service.conversation.desk.escalate_due(now=NOW)
        service.drain()
    _drain_until_empty(service)


def test_two_web_processes_and_two_sweeps_store_queue_and_deliver_everything_exactly_once(
        database_url: str, tmp_path: Path) -> None:
    with open_store(database_url) as store:
        sync_from_school(store, config=load_school())
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(4)
    processes = [context.Process(target=web_process, args=(database_url, tmp_path / f"web{n}.log", n, start))
                 for n in range(2)]
    processes += [context.Process(target=worker_process, args=(database_url, tmp_path / f"worker{n}.log", n, start))
                  for n in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0], "a process failed (its traceback is above)"

    delivered = Counter(line for log in tmp_path.glob("*.log") for line in log.read_text().splitlines())
    with open_store(database_url) as store, store.transaction() as tx:
        reports = tx.reports.list()
        outbox = tx.outbox.list()
    assert len(reports) == 2 * REPORTS_PER_WEB
    assert len({r.reference for r in reports}) == len(reports)
    assert sorted(r.answers["what"] for r in reports) == sorted(
        f"web {w} report {n}" for w in range(2) for n in range(REPORTS_PER_WEB))
    reminders = [m for m in outbox if m.report_reference is None]
    assert reminders, "the sweeps queued no reminders: the test would prove nothing"
    assert all(m.delivered_at is not None for m in outbox), "a message was left undelivered"
    duplicates = {key: count for key, count in delivered.items() if count > 1}
    assert duplicates == {}, "delivered more than once"
    assert set(delivered) == {m.idempotency_key for m in outbox}
    with open_store(database_url) as store:
        sweep_again = build_reminders(store, config=load_school()).run_due(now=NOW)
    assert sweep_again == [], "a later sweep found reminders the concurrent sweeps had not queued"
