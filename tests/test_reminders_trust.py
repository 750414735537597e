"""A sweep over a trust of many schools: batches of schools, swept at once on PostgreSQL, one after another on
SQLite, and either way every message queued exactly once.

Runs on every database under test (the `store` fixture): SQLite always, PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

import psycopg.errors
import pytest
from sqlalchemy.exc import OperationalError
from sweeping import sweeps_at_once

from bot.reminders import Reminders, build_reminders
from bot.reminders import service as reminders_service
from bot.school import School, SchoolConfig
from bot.staff import sync_from_school
from bot.store import StaffStatus, Store

TUESDAY = datetime(2026, 11, 24, 10, 0)  # a school day in term, in school hours (each school's local time)
SCHOOLS = 2 * reminders_service.SCHOOLS_PER_TRANSACTION + 3  # three batches


def school_copy(demo: School, n: int) -> School:
    """The demo school as school `n` of a trust: its own id and staff ids (emails and chat ids dropped: they
    belong to one person)."""
    def own(staff_id: str | None) -> str | None:
        return None if staff_id is None else f"{staff_id}.{n}"

    staff = tuple(person.model_copy(update={"id": own(person.id), "line_manager": own(person.line_manager),
                                            "email": None, "slack_id": None, "teams_id": None})
                  for person in demo.staff)
    return demo.model_copy(update={"id": f"school{n:02d}", "staff": staff,
                                   "policy_owners": {p: own(s) for p, s in demo.policy_owners.items()}})


@pytest.fixture
def trust(store: Store, demo_school: SchoolConfig) -> Reminders:
    config = SchoolConfig(schools=tuple(school_copy(demo_school.schools[0], n) for n in range(SCHOOLS)))
    sync_from_school(store, config=config)
    return build_reminders(store, config=config)


def active_ids(reminders: Reminders) -> set[str]:
    with reminders.store.transaction() as tx:
        return {p.id for p in tx.staff.list(statuses=[StaffStatus.ACTIVE])}


def test_every_school_of_a_trust_is_swept_and_each_person_asked_once(trust: Reminders):
    queued = trust.run_due(now=TUESDAY)
    asked = Counter(q.staff for q in queued if q.kind == "ask")
    assert set(asked) == active_ids(trust) and set(asked.values()) == {1}
    assert [q.staff.rsplit(".", 1)[1] for q in queued] == sorted((q.staff.rsplit(".", 1)[1] for q in queued),
                                                                 key=int)  # in the school file's order
    with trust.store.transaction() as tx:
        assert Counter(m.recipient_id for m in tx.outbox.list()) == Counter(q.staff for q in queued)
    assert trust.run_due(now=TUESDAY) == []


def test_two_sweeps_of_a_trust_at_once_queue_each_message_once(trust: Reminders):
    keys = Counter((q.staff, q.campaign, q.kind) for q in sweeps_at_once(trust, now=TUESDAY))
    assert {staff for staff, _, kind in keys if kind == "ask"} == active_ids(trust)
    assert set(keys.values()) == {1}
    with trust.store.transaction() as tx:
        assert len(tx.outbox.list()) == sum(keys.values())


def deadlock() -> OperationalError:
    """The error SQLAlchemy raises when PostgreSQL fails a transaction to break a deadlock."""
    return OperationalError("INSERT ...", {}, psycopg.errors.DeadlockDetected("deadlock detected"))


def test_a_batch_failed_to_break_a_deadlock_is_swept_again_and_nothing_is_lost(trust: Reminders, monkeypatch):
    sweep_school = Reminders._sweep_school
    failed: set[str] = set()

    def failing_once(self: Reminders, tx, *, school: School, **kwargs):
        queued = sweep_school(self, tx, school=school, **kwargs)  # written, then rolled back with its batch
        if school.id.endswith("1") and school.id not in failed:
            failed.add(school.id)
            raise deadlock()
        return queued

    monkeypatch.setattr(Reminders, "_sweep_school", failing_once)
    queued = trust.run_due(now=TUESDAY)
    assert failed == {"school01", "school11", "school21"}
    assert Counter(q.staff for q in queued if q.kind == "ask") == Counter(active_ids(trust))
    with trust.store.transaction() as tx:
        assert Counter(m.recipient_id for m in tx.outbox.list()) == Counter(q.staff for q in queued)


def test_a_batch_deadlocked_at_every_try_fails_the_sweep_and_the_next_sweep_sends_what_it_did_not(
        trust: Reminders, monkeypatch):
    sweep_school = Reminders._sweep_school

    def always_failing(self: Reminders, tx, *, school: School, **kwargs):
        if school.id == "school05":
            raise deadlock()
        return sweep_school(self, tx, school=school, **kwargs)

    monkeypatch.setattr(Reminders, "_sweep_school", always_failing)
    with pytest.raises(OperationalError):
        trust.run_due(now=TUESDAY)
    monkeypatch.setattr(Reminders, "_sweep_school", sweep_school)
    queued = trust.run_due(now=TUESDAY)  # the next tick
    assert any(q.staff.endswith(".5") for q in queued)  # school05's staff, asked now
    with trust.store.transaction() as tx:
        assert Counter(m.recipient_id for m in tx.outbox.list()) == Counter(active_ids(trust))


def test_other_errors_are_not_retried(trust: Reminders, monkeypatch):
    calls = Counter[str]()

    def broken(self: Reminders, tx, *, school: School, **kwargs):
        calls[school.id] += 1
        raise OperationalError("SELECT 1", {}, psycopg.errors.AdminShutdown("terminating connection"))

    monkeypatch.setattr(Reminders, "_sweep_school", broken)
    with pytest.raises(OperationalError):
        trust.run_due(now=TUESDAY)
    assert calls and set(calls.values()) == {1}


def test_batches_are_swept_at_once_on_postgresql_and_in_turn_on_sqlite(trust: Reminders, monkeypatch):
    sweep_school = Reminders._sweep_school
    threads: set[str] = set()

    def noting_thread(self: Reminders, tx, **kwargs):
        threads.add(threading.current_thread().name)
        return sweep_school(self, tx, **kwargs)

    monkeypatch.setattr(Reminders, "_sweep_school", noting_thread)
    trust.run_due(now=TUESDAY)
    if trust.store.concurrent_writers:
        assert threads and all(name.startswith("sweep") for name in threads)
    else:
        assert threads == {threading.current_thread().name}
