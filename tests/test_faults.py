"""Faults: the chat platform down for minutes, the database connection dropped mid-sweep, and the process killed
(SIGKILL) between form steps, in the middle of sending a report and in the middle of delivering a message.

Afterwards nothing is lost, nothing is duplicated, and a user is told "sent" only when the report is committed.
Time is the test's: a clock function moved by hand. Killed processes are real OS processes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from bot.answer.build import build_engine
from bot.core.conversation import Who
from bot.core.delivery import OutboxSender
from bot.core.inbox import ConsoleInboxDeliverer, take_inbox
from bot.core.replies import Reply, Text, to_dict
from bot.core.service import ChatService, build_chat_service
from bot.forms import DialogueKey, Step, load_forms
from bot.reminders import build_reminders
from bot.school import load_school
from bot.staff import sync_from_school
from bot.store import Store, open_store

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday in term, in school hours
FORMS = load_forms()
FORM = "media_enquiry"
ME = Who(staff_id="r.ahmed", school_id="riverside", key=DialogueKey("console", "riverside", "r.ahmed"))
SENT = "Sent: "  # how the confirmation of a sent report starts (intents/forms/_messages.yaml `submitted`)


class Clock:
    def __init__(self, at: datetime = NOW) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now


def service_on(url: str, deliverer: Any, clock: Any = lambda: NOW) -> ChatService:
    store = open_store(url)
    return build_chat_service(store, config=load_school(), engine=build_engine(), deliverer=deliverer, clock=clock)


def answer_for(step: Step) -> str:
    if step.type in ("choice", "multi_choice"):
        return step.options[0].value
    return {"text": f"details for {step.id}", "yes_no": "no", "url": "https://example.com/page",
            "datetime": "tomorrow 10am" if step.tense == "future" else "yesterday 9pm", "staff": "Emily Clarke",
            "pupil": "AB Y7"}[step.type]


def answer_steps(service: ChatService, count: int | None = None) -> None:
    """Answer the form's steps in order (`count` of them, or all until the summary)."""
    answered = 0
    while count is None or answered < count:
        state = service.conversation.dialogues.get(ME.key)
        assert state is not None
        if state["stage"] != "ask":
            return
        service.handle(ME, answer_for(FORMS.get(FORM).step(state["step"])))  # type: ignore[arg-type]
        answered += 1


def start_form(service: ChatService) -> None:
    service.handle(ME, "report")
    service.handle(ME, FORM)


def reports_in(url: str) -> list[str]:
    with open_store(url) as store, store.transaction() as tx:
        return [r.reference for r in tx.reports.list()]


# -- the chat platform down for minutes ---------------------------------------------------------------------


class PlatformError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class FlakyPlatform:
    """A chat platform that fails every call until `until` (500s, timeouts and 429s in turn), then works. It
    keeps what it accepted by idempotency key, as Slack and Teams adapters do, so a message accepted whose
    response was lost (a timeout after acceptance) is not shown twice."""

    def __init__(self, clock: Clock, until: datetime) -> None:
        self.clock, self.until = clock, until
        self.calls = 0
        self.accepted: Counter[str] = Counter()
        self.shown: dict[str, tuple[str, list[Reply]]] = {}

    def deliver(self, *, recipient_id: str, replies: Sequence[Reply], idempotency_key: str) -> None:
        self.calls += 1
        if self.clock.now < self.until:
            kind = self.calls % 4
            if kind == 0:  # accepted, but the response timed out: the sender will try again
                self.accepted[idempotency_key] += 1
                self.shown.setdefault(idempotency_key, (recipient_id, list(replies)))
                raise TimeoutError("read timed out")
            raise [PlatformError(500), TimeoutError("connect timed out"), PlatformError(429)][kind - 1]
        self.accepted[idempotency_key] += 1
        self.shown.setdefault(idempotency_key, (recipient_id, list(replies)))


def test_a_platform_down_for_ten_minutes_loses_and_duplicates_nothing(store: Store) -> None:
    sync_from_school(store, config=load_school())
    clock = Clock()
    platform = FlakyPlatform(clock, until=NOW + timedelta(minutes=10))
    service = build_chat_service(store, config=load_school(), engine=build_engine(), deliverer=platform,
                                 clock=clock)
    service.sender = OutboxSender(store, platform, clock=clock, base_delay=timedelta(seconds=15),
                                  max_delay=timedelta(minutes=2))
    told = []
    for reporter in ("r.ahmed", "h.li", "e.clarke"):
        who = Who(staff_id=reporter, school_id="riverside", key=DialogueKey("console", "riverside", reporter))
        service.handle(who, "report")
        service.handle(who, FORM)
        while (state := service.conversation.dialogues.get(who.key)) and state["stage"] == "ask":
            service.handle(who, answer_for(FORMS.get(FORM).step(state["step"])))  # type: ignore[arg-type]
        told.append(service.handle(who, "send"))  # while the platform is down
        clock.now += timedelta(seconds=20)
        service.drain()
    assert all(any(SENT in r.text for r in replies if isinstance(r, Text)) for replies in told)
    service.reminders.run_due(now=clock.now)  # reminders queued during the outage too
    while clock.now < NOW + timedelta(minutes=20):
        service.drain()
        clock.now += timedelta(seconds=10)

    with store.transaction() as tx:
        outbox = tx.outbox.list()
        reports = tx.reports.list()
    assert len(reports) == 3 and all(r.status == "delivered" for r in reports)
    assert outbox and all(m.delivered_at is not None for m in outbox)
    assert max(m.attempts for m in outbox) > 3, "the outage was not felt: the test would prove nothing"
    assert set(platform.shown) == {m.idempotency_key for m in outbox}  # every message reached its person
    assert sum(1 for count in platform.accepted.values() if count > 1) > 0  # some were re-sent after a timeout...
    assert len(platform.shown) == len(outbox)  # ...and each is shown once, by its idempotency key


# -- the database connection dropped in the middle of a sweep ----------------------------------------------


def _starts(statement: str, start: str) -> bool:
    """Whether SQL `statement` begins with `start` (upper case, identifiers unquoted)."""
    return statement.replace('"', "").lstrip().upper().startswith(start)


def drop_connection_on(store: Store, statement_start: str) -> dict[str, bool]:
    """Make the next statement starting with `statement_start` fail as a dropped connection does: on
    PostgreSQL the server ends the session (pg_terminate_backend from another connection); on SQLite the
    driver's OperationalError is raised, as for a disk or lock failure."""
    armed = {"armed": True, "fired": False}
    admin = create_engine(store.engine.url) if store.engine.dialect.name == "postgresql" else None

    @event.listens_for(store.engine, "before_cursor_execute")
    def drop(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not armed["armed"] or not _starts(statement, statement_start):
            return
        armed["armed"], armed["fired"] = False, True
        if admin is None:
            import sqlite3

            raise sqlite3.OperationalError("disk I/O error")
        with admin.begin() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cursor.connection.info.backend_pid})

    return armed


def test_a_connection_dropped_mid_sweep_fails_cleanly_and_the_next_sweep_completes(store: Store,
                                                                                  tmp_path: Path) -> None:
    config = load_school()
    with open_store(f"sqlite:///{tmp_path / 'reference.db'}") as clean:  # what one undisturbed sweep queues
        sync_from_school(clean, config=config)
        expected = sorted(q.to_json()["staff"] for q in build_reminders(clean, config=config).run_due(now=NOW))
    sync_from_school(store, config=config)
    reminders = build_reminders(store, config=config)
    dropped = drop_connection_on(store, "INSERT INTO OUTBOX")
    with pytest.raises((OperationalError, DBAPIError)):
        reminders.run_due(now=NOW)
    assert dropped["fired"]
    with store.transaction() as tx:  # rolled back whole: no reminder marked sent without its message
        assert tx.outbox.list() == []
    queued = reminders.run_due(now=NOW)  # the same engine: the dead connection was replaced
    assert sorted(q.to_json()["staff"] for q in queued) == expected
    assert reminders.run_due(now=NOW) == []
    with store.transaction() as tx:
        keys = [m.idempotency_key for m in tx.outbox.list()]
    assert len(keys) == len(set(keys)) == len(expected)


def test_a_restarted_database_is_survived_by_a_long_running_process(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("a database server restart needs PostgreSQL")
    with store.transaction() as tx:  # a pooled connection now exists
        pid = tx.outbox._session.execute(text("SELECT pg_backend_pid()")).scalar_one()  # noqa: SLF001
    admin = create_engine(store.engine.url)
    with admin.begin() as other:  # the server ends the session, as in a restart
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    with store.transaction() as tx:  # pool_pre_ping notices the dead connection and opens a new one
        assert tx.outbox.list() == []


# -- processes killed (SIGKILL) mid-report and mid-delivery -------------------------------------------------


def _hang(ready: Any) -> None:
    """Tell the parent we are at the fault point, then wait to be killed."""
    ready.set()
    threading.Event().wait()


def report_child(url: str, point: str, told: Path, ready: Any) -> None:
    """Fill the form up to `point` in a real process, then stop there until killed."""
    service = service_on(url, deliverer=ConsoleInboxDeliverer(open_store(url)))
    start_form(service)
    if point == "between_steps":
        answer_steps(service, 2)
        _hang(ready)
    answer_steps(service)  # to the summary
    inserted = {"report": False}

    @event.listens_for(service.store.engine, "before_cursor_execute")
    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        inserted["report"] = inserted["report"] or _starts(statement, "INSERT INTO REPORTS")

    if point == "before_commit":
        @event.listens_for(service.store.engine, "commit")
        def at_commit(conn: Any) -> None:
            if inserted["report"]:
                _hang(ready)  # the report's transaction is written but not committed
    else:
        @event.listens_for(Session, "after_commit")
        def committed(session: Session) -> None:
            if inserted["report"]:
                _hang(ready)  # committed, but the user has not been told
    replies = service.handle(ME, "send")
    told.write_text("\n".join(r.text for r in replies if isinstance(r, Text)))


def run_until_killed(target: Any, *args: Any) -> None:
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    process = context.Process(target=target, args=(*args, ready))
    process.start()
    assert ready.wait(timeout=180), "the child never reached the fault point"
    os.kill(process.pid, signal.SIGKILL)  # type: ignore[arg-type]
    process.join(timeout=60)
    assert process.exitcode == -signal.SIGKILL


@pytest.mark.parametrize("point", ["between_steps", "before_commit", "after_commit"])
def test_a_process_killed_mid_report_loses_nothing_and_tells_no_lie(database_url: str, tmp_path: Path,
                                                                    point: str) -> None:
    with open_store(database_url) as store:
        sync_from_school(store, config=load_school())
    told = tmp_path / "told.txt"
    run_until_killed(report_child, database_url, point, told)
    assert not told.exists(), "the user was told something by a process that died before answering"

    service = service_on(database_url, deliverer=ConsoleInboxDeliverer(open_store(database_url)))
    state = service.conversation.dialogues.get(ME.key)
    if point == "after_commit":  # the report and its alerts were committed together; the form is gone
        assert state is None and len(reports_in(database_url)) == 1
        with service.store.transaction() as tx:
            assert [m for m in tx.outbox.list() if m.report_reference]
        return
    assert reports_in(database_url) == []  # nothing half-stored
    assert state is not None, "the form was lost"
    resumed = service.conversation.arrive(ME)
    if point == "between_steps":
        assert len(state["answers"]) == 2 and state["stage"] == "ask"
        prompt = FORMS.get(FORM).step(state["step"]).prompt  # type: ignore[union-attr]
        assert any(prompt.split("\n")[0][:40] in getattr(r, "text", getattr(r, "prompt", "")) for r in resumed)
        answer_steps(service)
    else:
        assert state["stage"] == "confirm"
    replies = service.handle(ME, "send")
    assert any(SENT in r.text for r in replies if isinstance(r, Text))
    assert len(reports_in(database_url)) == 1


def delivery_child(url: str, when: str, ready: Any) -> None:
    """Drain the outbox into the console inbox and be killed `before` or `after` the delivery itself."""
    store = open_store(url)
    inbox = ConsoleInboxDeliverer(store, clock=lambda: NOW)

    class Dying:
        def deliver(self, *, recipient_id: str, replies: Sequence[Reply], idempotency_key: str) -> None:
            if when == "after":
                inbox.deliver(recipient_id=recipient_id, replies=replies, idempotency_key=idempotency_key)
            _hang(ready)

    OutboxSender(store, Dying(), clock=lambda: NOW).drain()


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_process_killed_mid_delivery_delivers_once_after_its_lease(database_url: str, when: str) -> None:
    with open_store(database_url) as store, store.transaction() as tx:
        tx.outbox.queue(school_id="riverside", recipient_id="d.price", replies=[to_dict(Text("an alert"))],
                        idempotency_key="alert-1", now=NOW)
    run_until_killed(delivery_child, database_url, when)

    with open_store(database_url) as store:
        later = Clock(NOW + timedelta(minutes=1))
        sender = OutboxSender(store, ConsoleInboxDeliverer(store, clock=later), clock=later)
        assert sender.drain().delivered == 0  # still leased to the dead process
        later.now = NOW + timedelta(minutes=6)  # the lease (5 minutes) has run out
        assert sender.drain().delivered == 1
        assert sender.drain().delivered == 0
        assert take_inbox(store, "d.price") == [[Text("an alert")]]  # shown once, whatever happened before
        with store.transaction() as tx:
            [message] = tx.outbox.list()
        assert message.delivered_at is not None
