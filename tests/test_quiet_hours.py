"""Quiet hours: a non-urgent alert or notification waits in the outbox until the recipient's school opens
(school days from the term dates and closures, in the school's time zone); an urgent one goes at once.
Time is controlled by the test."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.delivery import DrainResult, OutboxSender
from bot.core.inbox import ConsoleInboxDeliverer, take_inbox
from bot.core.quiet_hours import QuietHours
from bot.forms import Submitted, load_forms
from bot.reports import default_desk
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import Store
from bot.store.outbox_repo import OutboxRepository
from bot.store.report_repo import ReportRepository

FORMS = load_forms()
LONDON = ZoneInfo("Europe/London")
FRIDAY_EVENING = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)
MONDAY_OPENING = datetime(2026, 11, 30, 8, 0, tzinfo=LONDON)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def submitted(form_id: str, *, urgent: bool = False) -> Submitted:
    return Submitted(form_id=form_id, answers={"what": "private detail"}, urgent=urgent, subjects=(),
                     summary=(("What happened", "private detail"),))


@pytest.mark.parametrize(("moment", "opens"), [
    (datetime(2026, 11, 24, 10, 0, tzinfo=UTC), None),  # a Tuesday in term, in school hours
    (datetime(2026, 11, 24, 7, 0, tzinfo=LONDON), datetime(2026, 11, 24, 8, 0, tzinfo=LONDON)),  # before opening
    (FRIDAY_EVENING, MONDAY_OPENING),  # after Friday's close: Monday morning
    (datetime(2026, 10, 23, 18, 0, tzinfo=LONDON), datetime(2026, 11, 2, 8, 0, tzinfo=LONDON)),  # half term
    (datetime(2026, 12, 18, 17, 0, tzinfo=LONDON), datetime(2027, 1, 4, 8, 0, tzinfo=LONDON)),  # the holidays
    (datetime(2027, 4, 30, 17, 30, tzinfo=LONDON), datetime(2027, 5, 4, 8, 0, tzinfo=LONDON)),  # a bank holiday
    (datetime(2027, 6, 1, 12, 0, tzinfo=UTC), datetime(2027, 6, 7, 8, 0, tzinfo=LONDON)),  # BST: 07:00 UTC
])
def test_the_next_opening_follows_the_school_calendar(demo_school: SchoolConfig, moment: datetime,
                                                      opens: datetime | None):
    assert demo_school.school("riverside").next_opening(moment) == opens


def test_a_calendar_with_no_school_day_ahead_holds_nothing(demo_school: SchoolConfig):
    """Term dates not yet entered for next year: deliver rather than hold a message for ever."""
    assert demo_school.school("riverside").next_opening(datetime(2027, 8, 1, 12, 0, tzinfo=UTC)) is None


@pytest.fixture
def clock() -> Clock:
    return Clock(FRIDAY_EVENING)


@pytest.fixture
def parts(store: Store, demo_school: SchoolConfig, clock: Clock):
    sync_from_school(store, config=demo_school)
    desk = default_desk(store, forms=FORMS, schools=demo_school, clock=clock)
    sender = OutboxSender(store, ConsoleInboxDeliverer(store, clock=clock), clock=clock,
                          quiet_hours=QuietHours(demo_school))
    return desk, sender


def inbox(store: Store, staff_id: str, clock: Clock) -> list[str]:
    return [m[0].text for m in take_inbox(store, staff_id, clock=clock)]  # type: ignore[attr-defined]


def test_a_non_urgent_alert_waits_for_the_school_day_and_then_goes(store: Store, parts, clock: Clock):
    desk, sender = parts
    ref = desk.submit(submitted("pupil_contact"), reporter_id="r.ahmed", school_id="riverside").reference
    assert sender.drain().held == 2  # the DSL's alert and the Head's copy
    assert inbox(store, "d.price", clock) == []  # the console inbox shows nothing before it is due
    with store.transaction() as tx:
        assert {m.next_attempt_at for m in tx.outbox.list()} == {MONDAY_OPENING}
        assert {m.attempts for m in tx.outbox.list()} == {0}  # holding is not a failed attempt
    clock.now = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)  # Saturday: nothing is even claimed
    assert sender.drain() == DrainResult(0, 0, 0)
    clock.now = MONDAY_OPENING - timedelta(minutes=1)
    assert sender.drain().delivered == 0
    clock.now = MONDAY_OPENING
    assert sender.drain().delivered == 2
    assert ref in inbox(store, "d.price", clock)[0]
    assert desk.read(ref, reader_id="d.price").status == "delivered"


def test_an_urgent_alert_ignores_quiet_hours(store: Store, parts, clock: Clock):
    desk, sender = parts
    clock.now = datetime(2026, 11, 29, 2, 30, tzinfo=UTC)  # the small hours of a Sunday
    ref = desk.submit(submitted("safeguarding_concern", urgent=True), reporter_id="h.li",
                      school_id="riverside").reference
    assert sender.drain() == DrainResult(1, 0, 0)
    assert ref in inbox(store, "d.price", clock)[0]
    desk.acknowledge(ref, staff_id="d.price")  # the reporter hears at once too: it is about an urgent report
    assert sender.drain().delivered == 1
    assert "acknowledged by Daniel Price" in inbox(store, "h.li", clock)[0]


def test_a_notification_to_the_reporter_waits_too(store: Store, parts, clock: Clock):
    desk, sender = parts
    clock.now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    ref = desk.submit(submitted("media_enquiry"), reporter_id="r.ahmed", school_id="riverside").reference
    assert sender.drain().delivered == 1
    clock.now = FRIDAY_EVENING
    desk.acknowledge(ref, staff_id="a.whitfield")  # the Head works late; the reporter is told on Monday
    assert sender.drain().held == 1 and inbox(store, "r.ahmed", clock) == []
    clock.now = MONDAY_OPENING
    assert sender.drain().delivered == 1 and "acknowledged" in inbox(store, "r.ahmed", clock)[0]


def test_a_retry_that_falls_due_after_hours_waits_for_the_morning(store: Store, demo_school: SchoolConfig,
                                                                   parts, clock: Clock):
    desk, _ = parts

    class Down:
        def deliver(self, **_: object) -> None:
            raise ConnectionError("channel down")

    clock.now = datetime(2026, 11, 27, 16, 59, 50, tzinfo=LONDON)
    desk.submit(submitted("media_enquiry"), reporter_id="r.ahmed", school_id="riverside")
    failing = OutboxSender(store, Down(), clock=clock, quiet_hours=QuietHours(demo_school))
    assert failing.drain().failed == 1  # retried 30 s later: 17:00:20, after the close
    clock.now += timedelta(minutes=1)
    assert failing.drain() == DrainResult(0, 0, 1)
    with store.transaction() as tx:
        [message] = tx.outbox.list()
    assert (message.next_attempt_at, message.attempts, message.delivered_at) == (MONDAY_OPENING, 1, None)


def test_each_recipient_follows_their_own_school(demo_trust: SchoolConfig):
    quiet = QuietHours(demo_trust)
    at_0810 = datetime(2026, 11, 24, 8, 10, tzinfo=LONDON)  # Riverside opens at 08:00, Hillside at 08:15
    assert quiet.hold_until(school_id="riverside", urgent=False, moment=at_0810) is None
    assert quiet.hold_until(school_id="hillside", urgent=False, moment=at_0810) == at_0810.replace(minute=15)
    assert quiet.hold_until(school_id="hillside", urgent=True, moment=at_0810) is None


def test_an_acknowledgement_made_as_the_alert_is_delivered_is_kept(store: Store, parts, clock: Clock,
                                                                  monkeypatch: pytest.MonkeyPatch):
    """The DSL acknowledges at the moment the outbox marks their alert delivered: the report stays acknowledged
    (the outbox's "delivered" waits and then leaves it alone), or it would escalate as if nobody had read it."""
    desk, sender = parts
    ref = desk.submit(submitted("safeguarding_concern", urgent=True), reporter_id="r.ahmed",
                      school_id="riverside").reference
    get, mark_delivered, marked = ReportRepository.get, OutboxRepository.mark_delivered, threading.Event()
    acknowledging = threading.Thread(target=lambda: desk.acknowledge(ref, staff_id="d.price"))

    def marking(self: OutboxRepository, *args: Any, **kwargs: Any) -> Any:
        marked.set()  # what follows in this transaction: the report read, then marked delivered
        return mark_delivered(self, *args, **kwargs)

    def read_as_delivered(self: ReportRepository, reference: str, *, lock: bool = False) -> Any:
        report = get(self, reference, lock=lock)
        if marked.is_set() and acknowledging.ident is None:
            acknowledging.start()
            time.sleep(0.3)  # the outbox has read the report and not yet marked it delivered
        return report

    monkeypatch.setattr(OutboxRepository, "mark_delivered", marking)
    monkeypatch.setattr(ReportRepository, "get", read_as_delivered)
    assert sender.drain().delivered >= 1
    acknowledging.join()
    report = desk.read(ref, reader_id="d.price")
    assert (report.status, report.acknowledged_by, report.escalate_at) == ("acknowledged", "d.price", None)
