"""The store's contract: every database the bot supports must pass these (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from bot.errors import PolicybotError
from bot.store import SchoolRecord, StaffRecord, StaffSource, StaffStatus, Store
from bot.store.models import StaffRow
from bot.store.reminder_repo import ReminderSend


def _school(store: Store, school_id: str = "riverside") -> None:
    with store.transaction() as tx:
        tx.schools.save(SchoolRecord(id=school_id, name=school_id.title(), timezone="Europe/London"))


def _person(**fields: object) -> StaffRecord:
    base = StaffRecord(id="d.price", school_id="riverside", name="Daniel Price", email="D.Price@Example.org")
    return replace(base, **fields)  # type: ignore[arg-type]


def test_schools_save_get_list(store: Store) -> None:
    with store.transaction() as tx:
        saved = tx.schools.save(SchoolRecord(id="riverside", name="Riverside", timezone="Europe/London"))
        tx.schools.save(
            SchoolRecord(id="hillside", name="Hillside", timezone="Europe/London", trust_id="nlt")
        )
    assert saved.created_at is not None and saved.created_at.tzinfo is not None
    with store.transaction() as tx:
        renamed = tx.schools.save(
            SchoolRecord(id="riverside", name="Riverside Academy", timezone="Europe/London")
        )
        assert [s.id for s in tx.schools.list()] == ["hillside", "riverside"]
        assert tx.schools.get("hillside").trust_id == "nlt"  # type: ignore[union-attr]
        assert tx.schools.get("nowhere") is None
    assert renamed.name == "Riverside Academy"
    assert renamed.created_at == saved.created_at
    assert (
        renamed.updated_at is not None
        and saved.updated_at is not None
        and renamed.updated_at > saved.updated_at
    )


def test_staff_round_trip(store: Store) -> None:
    _school(store)
    person = _person(
        roles=("dsl", "teacher", "staff"),
        job_title="Deputy Head",
        line_manager="a.whitfield",
        start_date=date(2021, 1, 4),
        slack_id="U07RAFHUG4A",
        teams_id="7D836E77-AF67-4461-A416-3207D0944996",
    )
    with store.transaction() as tx:
        added = tx.staff.add(person)
    with store.transaction() as tx:
        got = tx.staff.get("d.price")
    assert got == added
    assert got is not None
    assert got.email == "d.price@example.org"  # stored lower-case
    assert got.teams_id == "7d836e77-af67-4461-a416-3207d0944996"
    assert got.roles == ("dsl", "teacher", "staff")
    assert got.start_date == date(2021, 1, 4)
    assert got.status is StaffStatus.ACTIVE and got.source is StaffSource.SCHOOL_FILE
    assert got.created_at is not None and got.created_at.tzinfo == UTC


def test_update_moves_updated_at_only_on_a_change(store: Store) -> None:
    _school(store)
    with store.transaction() as tx:
        added = tx.staff.add(_person())
    with store.transaction() as tx:
        same = tx.staff.update(_person(email="d.price@example.org"))
        changed = tx.staff.update(_person(status=StaffStatus.ON_LEAVE))
    assert same.updated_at == added.updated_at
    assert changed.status is StaffStatus.ON_LEAVE
    assert (
        changed.updated_at is not None
        and added.updated_at is not None
        and changed.updated_at > added.updated_at
    )
    assert changed.created_at == added.created_at


def test_add_twice_and_update_unknown_are_errors(store: Store) -> None:
    _school(store)
    with store.transaction() as tx:
        tx.staff.add(_person())
    with pytest.raises(PolicybotError, match="already stored"), store.transaction() as tx:
        tx.staff.add(_person())
    with pytest.raises(PolicybotError, match="no staff member"), store.transaction() as tx:
        tx.staff.update(_person(id="nobody"))


def test_a_failed_transaction_changes_nothing(store: Store) -> None:
    _school(store)
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.staff.add(_person())
        raise RuntimeError("boom")
    with store.transaction() as tx:
        assert tx.staff.get("d.price") is None


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError), store.transaction() as tx:
        tx.staff.add(_person(school_id="no-such-school"))


def test_status_is_constrained(store: Store) -> None:
    _school(store)
    with pytest.raises(ValueError), store.transaction() as tx:
        tx.staff.add(_person(status="retired"))  # type: ignore[arg-type]


def test_lists_and_current_members(store: Store) -> None:
    _school(store)
    _school(store, "hillside")
    with store.transaction() as tx:
        tx.staff.add(_person(id="b", school_id="hillside", email=None))
        tx.staff.add(_person(id="a", email=None))
        tx.staff.add(_person(id="c", email=None, status=StaffStatus.LEFT))
        tx.staff.add(_person(id="d", email=None, status=StaffStatus.PENDING))
        tx.staff.add(_person(id="e", email=None, status=StaffStatus.ON_LEAVE))
    with store.transaction() as tx:
        assert [p.id for p in tx.staff.list()] == ["b", "a", "c", "d", "e"]  # by school, then id
        assert [p.id for p in tx.staff.list(school_id="riverside")] == ["a", "c", "d", "e"]
        assert [p.id for p in tx.staff.list(statuses=[StaffStatus.PENDING])] == ["d"]
        assert [p.id for p in tx.staff.current()] == ["b", "a", "e"]
        assert [p.id for p in tx.staff.current(school_id="riverside")] == ["a", "e"]


def test_find_by_email_ignores_case_and_puts_current_staff_first(store: Store) -> None:
    _school(store)
    with store.transaction() as tx:
        tx.staff.add(_person(id="old", status=StaffStatus.LEFT))
        tx.staff.add(_person(id="new"))
    with store.transaction() as tx:
        assert [p.id for p in tx.staff.find_by_email("  D.PRICE@example.ORG ")] == ["new", "old"]
        assert tx.staff.find_by_email("someone@else.org") == []


def test_find_by_platform_id(store: Store) -> None:
    _school(store)
    with store.transaction() as tx:
        tx.staff.add(_person(id="gone", slack_id="U0SAME", status=StaffStatus.LEFT))
        tx.staff.add(_person(id="here", slack_id="U0SAME", teams_id="6f1c2e4a-93b1-4c0e-9a77-2f5d8e1b0c33"))
    with store.transaction() as tx:
        assert tx.staff.find_by_platform_id(platform="slack", user_id="U0SAME").id == "here"  # type: ignore[union-attr]
        by_teams = tx.staff.find_by_platform_id(
            platform="teams", user_id="6F1C2E4A-93B1-4C0E-9A77-2F5D8E1B0C33"
        )
        assert by_teams is not None and by_teams.id == "here"
        assert tx.staff.find_by_platform_id(platform="slack", user_id="U0OTHER") is None


def test_records_outlive_their_transaction(store: Store) -> None:
    _school(store)
    with store.transaction() as tx:
        tx.staff.add(_person())
        listed = tx.staff.list()
    assert listed[0].name == "Daniel Price" and listed[0].current


def test_the_reminder_ledger_claims_each_key_once_and_returns_only_what_it_inserted(store: Store) -> None:
    """The exactly-once check of every sweep: a batch mixing new keys, keys already claimed and a key twice
    gets back exactly the new ones (the very objects given, in order), however the database inserts them."""
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

    def send(staff: str, step: str = "ask") -> ReminderSend:
        return ReminderSend("riverside", staff, "policy_acknowledgement", step, "2026-27:abc", staff, step, at,
                            [["snmat", "v1"]])

    first = [send("a"), send("b")]
    with store.transaction(write=True) as tx:
        assert tx.reminders.claim(first) == first
        assert tx.reminders.claim(first) == []
    mixed = [send("c"), send("a"), send("b", "reminder-1"), send("c"), send("d")]
    with store.transaction(write=True) as tx:
        claimed = tx.reminders.claim(mixed)
    assert [(s.staff_id, s.step) for s in claimed] == [("c", "ask"), ("b", "reminder-1"), ("d", "ask")]
    with store.transaction() as tx:
        ledger = tx.reminders.sent(campaigns=["policy_acknowledgement"], period_prefix="2026-27:")
    assert sorted((s.staff_id, s.step) for s in ledger) == [("a", "ask"), ("b", "ask"), ("b", "reminder-1"),
                                                           ("c", "ask"), ("d", "ask")]
    assert all(s.items == [["snmat", "v1"]] and s.sent_at == at for s in ledger)


def test_a_schools_ledger_is_read_by_campaign_and_period_prefix_taken_literally(store: Store) -> None:
    """A sweep reads one school's rows of one campaign whose period starts with a prefix; "_" and "%" in the
    prefix are characters, not LIKE wildcards."""
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    sends = [ReminderSend(school, staff, campaign, "ask", period, staff, "ask", at, [["snmat", "v1"]])
             for school, staff, campaign, period in (
                 ("riverside", "a", "policy_acknowledgement", "2026_27:abc"),
                 ("riverside", "b", "policy_acknowledgement", "2026-27:abc"),  # "_" would match "-"
                 ("riverside", "c", "policy_acknowledgement", "2026_27%:abc"),
                 ("riverside", "d", "induction", "2026_27:abc"),
                 ("hillside", "e", "policy_acknowledgement", "2026_27:abc"))]
    with store.transaction(write=True) as tx:
        tx.reminders.claim(sends)
    with store.transaction() as tx:
        steps = tx.reminders.steps_sent(campaign="policy_acknowledgement", period_prefix="2026_27",
                                        school_id="riverside")
        rounds = tx.reminders.rounds(campaign="policy_acknowledgement", period_prefix="2026_27%",
                                     school_id="riverside")
        everything = tx.reminders.steps_sent(campaign="policy_acknowledgement", period_prefix="",
                                             school_id="riverside")
    assert sorted(staff for staff, *_ in steps) == ["a", "c"]
    assert [(staff, items) for staff, _, _, _, items in rounds] == [("c", (("snmat", "v1"),))]
    assert sorted(staff for staff, *_ in everything) == ["a", "b", "c"]


def test_writers_in_one_process_queue_for_each_other_instead_of_failing(store: Store) -> None:
    """A web process answers many people at once, and each message writes. The threads of one process queue
    for the write lock among themselves (on SQLite the store's own lock, not SQLite's sleep-and-retry): with
    SQLite's busy timeout at zero, any writer left to meet another at the database would fail at once."""
    if store.engine.dialect.name == "sqlite":
        store.engine.dispose()
        event.listen(store.engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout = 0"))
    _school(store)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with store.transaction(write=True) as tx:
                    tx.staff.add(_person(id=f"w{n}.{i}", email=None))
                    time.sleep(0.001)  # hold the lock while others arrive
        except Exception as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with store.transaction() as tx:
        assert len([p for p in tx.staff.list(school_id="riverside") if p.id.startswith("w")]) == 8 * 15


# -- a unit of work: one transaction for several steps (a chat turn) --------------------------------------------


def _commits(store: Store) -> list[object]:
    seen: list[object] = []
    event.listen(store.engine, "commit", seen.append)
    return seen


def test_a_unit_of_work_commits_its_steps_once_together(store: Store) -> None:
    _school(store)
    commits = _commits(store)
    with store.unit_of_work():
        with store.transaction(write=True) as tx:
            tx.staff.add(_person(id="a.one", email=None))
        with store.transaction() as tx:  # a later step sees the earlier one's work
            assert tx.staff.get("a.one") is not None
        with store.unit_of_work(), store.transaction(write=True) as tx:  # a unit inside a unit joins it
            tx.staff.add(_person(id="a.two", email=None))
        assert commits == []  # nothing committed yet: the unit commits when it ends
    assert len(commits) == 1
    with store.transaction() as tx:
        assert {p.id for p in tx.staff.list(school_id="riverside")} == {"a.one", "a.two"}


def test_a_unit_of_work_that_raises_stores_nothing(store: Store) -> None:
    _school(store)
    with pytest.raises(LookupError), store.unit_of_work():
        with store.transaction(write=True) as tx:
            tx.staff.add(_person(id="a.one", email=None))
        raise LookupError("the turn failed after its first step")
    with store.transaction() as tx:
        assert tx.staff.get("a.one") is None


def test_a_failed_step_that_only_read_may_be_caught_and_the_unit_goes_on(store: Store) -> None:
    """A domain error raised while reading ("no such report") is caught and shown to the user; the turn's
    other work still commits."""
    _school(store)
    with store.unit_of_work():
        with store.transaction(write=True) as tx:
            tx.staff.add(_person(id="a.one", email=None))
        with pytest.raises(LookupError), store.transaction() as tx:
            if tx.staff.get("nobody") is None:
                raise LookupError("no such person")
    with store.transaction() as tx:
        assert tx.staff.get("a.one") is not None


@pytest.mark.parametrize("flushed", [True, False], ids=["written", "pending"])
def test_a_failed_step_that_changed_data_dooms_the_unit_even_if_caught(store: Store, flushed: bool) -> None:
    """A step that wrote (or left an ORM change pending) and then failed must not half-commit because its
    caller carried on: the whole unit rolls back and says so."""
    _school(store)
    with pytest.raises(RuntimeError, match="rolled back"), store.unit_of_work():
        with store.transaction(write=True) as tx:
            tx.staff.add(_person(id="a.one", email=None))
        with pytest.raises(LookupError), store.session(write=True) as session:
            now = datetime.now(UTC)
            session.add(StaffRow(id="a.two", school_id="riverside", name="Two", roles=[], status="active",
                                 source="school_file", created_at=now, updated_at=now))
            if flushed:
                session.flush()
            raise LookupError("the step failed after its change")
    with store.transaction() as tx:
        assert tx.staff.get("a.one") is None and tx.staff.get("a.two") is None


def test_units_of_work_in_different_threads_are_separate_transactions(store: Store) -> None:
    _school(store)
    inside, outside = threading.Event(), threading.Event()
    seen: list[object] = []

    def other_thread() -> None:
        inside.wait(timeout=10)
        with store.transaction() as tx:  # not part of the first thread's unit: its work is not visible yet
            seen.append(tx.staff.get("a.one"))
        outside.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with store.unit_of_work():
        with store.transaction(write=True) as tx:
            tx.staff.add(_person(id="a.one", email=None))
        inside.set()
        assert outside.wait(timeout=10)
    thread.join()
    assert seen == [None]
