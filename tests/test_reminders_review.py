"""Policy review reminders: the owner before the review date, and each term while it is overdue."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from bot.reminders import Reminders, build_reminders
from bot.reminders.policy_review import review_date
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import StaffStatus, Store


@pytest.fixture
def reminders(store: Store, demo_school: SchoolConfig) -> Reminders:
    sync_from_school(store, config=demo_school)
    return build_reminders(store, config=demo_school)


def review_sends(reminders: Reminders):
    with reminders.store.transaction() as tx:
        return tx.reminders.sent(campaigns=["policy_review"], period_prefix="")


def travel(reminders: Reminders, start: date, end: date) -> None:
    day = start
    while day <= end:
        reminders.run_due(now=datetime.combine(day, time(10, 0)))
        day += timedelta(days=1)


@pytest.mark.parametrize(("text", "expected"), [
    ("November 2025", date(2025, 11, 1)), ("Nov 2025", date(2025, 11, 1)), ("6 November 2025", date(2025, 11, 6)),
    ("6th November, 2025", date(2025, 11, 6)), ("2025-11-06", date(2025, 11, 6)), ("06/11/2025", date(2025, 11, 6)),
    ("Autumn term 2025", date(2025, 9, 1)), ("Summer 2026", date(2026, 4, 1)), ("2027", date(2027, 9, 1)),
    (None, None), ("", None), ("annually", None), ("31 February 2026", None),
])
def test_review_dates_are_read_as_people_write_them(text: str | None, expected: date | None):
    assert review_date(text) == expected


def test_the_owner_is_reminded_before_the_review_date_and_each_term_once_overdue(reminders: Reminders):
    snmat = reminders.policies["snmat"]
    reminders.policies["snmat"] = replace(snmat, dates={**snmat.dates, "review": "12 March 2027"})
    travel(reminders, date(2026, 9, 1), date(2027, 7, 20))
    sent = review_sends(reminders)
    snmat_sends = [(s.step, s.sent_at.date(), s.recipient_id) for s in sent if s.period.startswith("snmat:")]
    # 30 days before (10 February), 7 days before (5 March), then overdue on the first school day of the
    # summer term (the spring term began before the review date)
    assert snmat_sends == [("before-30", date(2027, 2, 10), "a.whitfield"),
                           ("before-7", date(2027, 3, 5), "a.whitfield"), ("overdue", date(2027, 4, 12), "a.whitfield")]
    # kaleidoscope-nsesp (review "September 2020") is overdue: its owner, the DSL, once each term
    nsesp = [(s.step, s.sent_at.date(), s.recipient_id) for s in sent if s.period.startswith("kaleidoscope-nsesp:")]
    assert nsesp == [("overdue", date(2026, 9, 1), "d.price"), ("overdue", date(2027, 1, 4), "d.price"),
                     ("overdue", date(2027, 4, 12), "d.price")]
    with reminders.store.transaction() as tx:
        texts = [m.replies[0].get("text", "") for m in tx.outbox.list(recipient_id="d.price")]
    assert sum("was due for review in September 2020" in t for t in texts) == 3


def test_an_owner_away_is_replaced_by_the_head(reminders: Reminders):
    with reminders.store.transaction(write=True) as tx:
        tx.staff.update(replace(tx.staff.get("d.price"), status=StaffStatus.ON_LEAVE))
    queued = [q for q in reminders.run_due(now=datetime(2026, 9, 1, 10, 0)) if q.campaign == "policy_review"]
    assert {(q.staff, q.items[0][1]) for q in queued} >= {("a.whitfield", "kaleidoscope-nsesp")}
    assert not [q for q in reminders.run_due(now=datetime(2026, 9, 1, 11, 0)) if q.campaign == "policy_review"]
