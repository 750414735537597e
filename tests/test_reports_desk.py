"""The report desk on each database: storing, access control and its audit, acknowledgement, approval
chains and escalation, with time controlled by the test."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.replies import Choices, Text, reply_from_dict
from bot.forms import Submitted, load_forms
from bot.reports import ReportAccessRefused, default_desk, escalate_due
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import Store

FORMS = load_forms()
START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(store: Store, demo_school: SchoolConfig, clock: Clock):
    sync_from_school(store, config=demo_school)
    return default_desk(store, forms=FORMS, clock=clock)


def submitted(form_id: str, *, answers: dict | None = None, subjects: tuple[str, ...] = (),
              urgent: bool = False) -> Submitted:
    return Submitted(form_id=form_id, answers=answers or {"what": "private detail"}, urgent=urgent,
                     subjects=subjects, summary=(("What happened", "private detail"),))


def outbox(desk) -> list[tuple[str, str]]:
    with desk.store.transaction() as tx:
        return [(m.recipient_id, m.idempotency_key.split(":")[2]) for m in tx.outbox.list()]


def texts_to(desk, staff_id: str) -> list[str]:
    with desk.store.transaction() as tx:
        return [r.text for m in tx.outbox.list(recipient_id=staff_id)
                for r in map(reply_from_dict, m.replies) if isinstance(r, Text)]


def test_a_report_is_stored_with_a_reference_and_its_alerts_carry_no_details(desk):
    report = desk.submit(submitted("pupil_contact"), reporter_id="r.ahmed", school_id="riverside")
    assert report.reference == "PC-2026-0001" and report.status == "submitted"
    assert report.routed_to == ("d.price", "a.whitfield")
    assert outbox(desk) == [("d.price", "alert"), ("a.whitfield", "copy")]
    alert = texts_to(desk, "d.price")
    assert "Rashid Ahmed" in alert[0] and "PC-2026-0001" in alert[0] and "not urgent" in alert[0]
    assert not any("private detail" in t for t in alert)
    assert desk.submit(submitted("pupil_contact"), reporter_id="r.ahmed",
                       school_id="riverside").reference == "PC-2026-0002"


def test_references_stay_unique_with_concurrent_writers(desk):
    refs: list[str] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            refs.append(desk.submit(submitted("media_enquiry"), reporter_id="r.ahmed",
                                    school_id="riverside").reference)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(refs) == [f"ME-2026-{n:04d}" for n in range(1, 7)]


def test_reporter_and_recipients_may_read_others_are_refused_and_audited(desk):
    ref = desk.submit(submitted("pupil_contact"), reporter_id="r.ahmed", school_id="riverside").reference
    for reader in ("r.ahmed", "d.price", "a.whitfield"):
        assert desk.read(ref, reader_id=reader).reference == ref
    with pytest.raises(ReportAccessRefused, match="This attempt has been recorded"):
        desk.read(ref, reader_id="e.clarke")
    assert [(who, what) for _, who, what in desk.audit_trail(ref)] == [
        ("r.ahmed", "submitted"), ("r.ahmed", "viewed"), ("d.price", "viewed"), ("a.whitfield", "viewed"),
        ("e.clarke", "refused")]
    assert [r.reference for r in desk.readable_by("e.clarke")] == []
    assert [r.reference for r in desk.readable_by("d.price")] == [ref]


def test_the_subject_of_a_concern_is_refused_whatever_their_role(desk):
    ref = desk.submit(submitted("staff_conduct_concern", answers={"child_harm": False}, subjects=("a.whitfield",)),
                      reporter_id="r.ahmed", school_id="riverside").reference
    with pytest.raises(ReportAccessRefused):
        desk.read(ref, reader_id="a.whitfield")
    assert desk.read(ref, reader_id="m.hughes").routed_to == ("m.hughes",)
    assert ("a.whitfield", "refused") in [(who, what) for _, who, what in desk.audit_trail(ref)]
    assert "a.whitfield" not in [who for who, _ in outbox(desk)]


def test_acknowledging_tells_the_reporter_and_closing_gives_the_outcome(desk):
    ref = desk.submit(submitted("pupil_contact"), reporter_id="r.ahmed", school_id="riverside").reference
    assert "Only the people" in desk.acknowledge(ref, staff_id="e.clarke")[0].text
    desk.acknowledge(ref, staff_id="d.price")
    desk.close(ref, staff_id="d.price", outcome="Parents contacted")
    told = texts_to(desk, "r.ahmed")
    assert told[0].endswith("has been read and acknowledged by Daniel Price.")
    assert told[1].endswith("Outcome: Parents contacted")
    report = desk.read(ref, reader_id="d.price")
    assert (report.status, report.outcome, report.acknowledged_by) == ("closed", "Parents contacted", "d.price")


def test_two_acknowledgements_at_once_are_one_acknowledgement(desk, monkeypatch):
    """The DSL acknowledges from Slack and from Teams at the same moment: the second waits for the first and is
    told it is already acknowledged, and the reporter hears once."""
    ref = desk.submit(submitted("pupil_contact"), reporter_id="r.ahmed", school_id="riverside").reference
    for_recipient, first_read = type(desk)._for_recipient, threading.Event()

    def slowly(self, tx, reference, staff_id):
        report = for_recipient(self, tx, reference, staff_id)
        if not first_read.is_set():
            first_read.set()
            time.sleep(0.3)  # the first has read the report and not yet marked it acknowledged
        return report

    monkeypatch.setattr(type(desk), "_for_recipient", slowly)
    replies: list[str] = []
    first = threading.Thread(target=lambda: replies.extend(r.text for r in desk.acknowledge(ref, staff_id="d.price")))
    first.start()
    assert first_read.wait(10)
    replies.extend(r.text for r in desk.acknowledge(ref, staff_id="d.price"))
    first.join()
    assert len(replies) == 2 and "already" in replies[1] and "already" not in replies[0]
    assert len([t for t in texts_to(desk, "r.ahmed") if "acknowledged by" in t]) == 1


def test_an_urgent_report_escalates_to_the_deputy_dsl_then_the_head(desk, clock):
    ref = desk.submit(submitted("safeguarding_concern", urgent=True), reporter_id="r.ahmed",
                      school_id="riverside").reference
    clock.now = START + timedelta(minutes=14)
    assert escalate_due(desk.store, clock.now, desk=desk) == []
    clock.now = START + timedelta(minutes=15)
    assert escalate_due(desk.store, clock.now, desk=desk) == [ref]
    assert escalate_due(desk.store, clock.now, desk=desk) == []  # a second sweep at the same moment: nothing
    assert "Escalated to you" in texts_to(desk, "p.nair")[0]
    clock.now = START + timedelta(minutes=30)
    assert escalate_due(desk.store, clock.now, desk=desk) == [ref]
    assert desk.read(ref, reader_id="a.whitfield").routed_to == ("d.price", "p.nair", "a.whitfield")
    clock.now = START + timedelta(minutes=45)
    assert escalate_due(desk.store, clock.now, desk=desk) == []  # the chain is exhausted


def test_an_acknowledged_urgent_report_does_not_escalate(desk, clock):
    ref = desk.submit(submitted("safeguarding_concern", urgent=True), reporter_id="r.ahmed",
                      school_id="riverside").reference
    desk.acknowledge(ref, staff_id="d.price")
    clock.now = START + timedelta(hours=2)
    assert escalate_due(desk.store, clock.now, desk=desk) == []
    assert [who for who, _ in outbox(desk)] == ["d.price", "r.ahmed"]


def test_blocked_content_is_approved_by_the_head_then_the_technician_is_told(desk):
    ref = desk.submit(submitted("blocked_content_request"), reporter_id="r.ahmed", school_id="riverside").reference
    assert outbox(desk) == [("t.bailey", "alert"), ("a.whitfield", "approval-0")]
    assert "not waiting for your approval" in desk.decide(ref, staff_id="t.bailey", approve=True)[0].text
    desk.decide(ref, staff_id="a.whitfield", approve=True)
    assert "fully approved" in texts_to(desk, "r.ahmed")[0]
    assert "you may go ahead" in texts_to(desk, "t.bailey")[-1]
    assert desk.read(ref, reader_id="t.bailey").outcome == "approved"


def test_site_creation_goes_through_each_approver_and_the_requester_is_told_each_step(desk):
    ref = desk.submit(submitted("site_creation_request"), reporter_id="s.kowalski",
                      school_id="riverside").reference
    assert outbox(desk) == [("e.clarke", "approval-0")]
    desk.decide(ref, staff_id="e.clarke", approve=True)
    assert texts_to(desk, "s.kowalski")[0].endswith("It now goes to Laura Fraser for approval.")
    assert ("l.fraser", "approval-1") in outbox(desk)
    assert "give a reason" in desk.decide(ref, staff_id="l.fraser", approve=False)[0].text
    desk.decide(ref, staff_id="l.fraser", approve=False, reason="Use the school's main account instead")
    assert texts_to(desk, "s.kowalski")[1].endswith("Reason: Use the school's main account instead")
    report = desk.read(ref, reader_id="s.kowalski")
    assert report.status == "closed" and report.outcome.startswith("declined")
    assert "a.whitfield" not in [who for who, _ in outbox(desk)]


def test_export_is_a_plain_document_with_the_audit_trail(desk):
    ref = desk.submit(submitted("staff_conduct_concern", answers={"child_harm": True}, subjects=("e.clarke",)),
                      reporter_id="r.ahmed", school_id="riverside").reference
    text = desk.export(ref, reader_id="d.price")
    assert ref in text and "private detail" in text and "LADO" in text and "d.price  exported" in text
    with pytest.raises(ReportAccessRefused):
        desk.export(ref, reader_id="e.clarke")


def test_a_copied_head_reads_but_may_not_acknowledge_or_close(desk):
    ref = desk.submit(submitted("pupil_contact"), reporter_id="r.ahmed", school_id="riverside").reference
    assert desk.read(ref, reader_id="a.whitfield").reference == ref
    for refused in (desk.acknowledge(ref, staff_id="a.whitfield"),
                    desk.close(ref, staff_id="a.whitfield", outcome="Done")):
        assert "copied on" in refused[0].text and "not acknowledge" in refused[0].text
    assert desk.read(ref, reader_id="d.price").status == "submitted"
    assert ("a.whitfield", "refused") in [(who, what) for _, who, what in desk.audit_trail(ref)]
    with desk.store.transaction() as tx:
        [copy] = tx.outbox.list(recipient_id="a.whitfield")
    choices = next(r for r in map(reply_from_dict, copy.replies) if isinstance(r, Choices))
    assert [o.value for o in choices.options] == [f"show {ref}"]  # a copy offers to open it, not to acknowledge
    assert desk.acknowledge(ref, staff_id="d.price")[0].text.startswith(f"Acknowledged {ref}")


def test_a_copied_head_escalated_to_on_an_urgent_report_may_then_acknowledge(desk, clock):
    ref = desk.submit(submitted("pupil_contact", urgent=True), reporter_id="r.ahmed", school_id="riverside").reference
    assert "copied on" in desk.acknowledge(ref, staff_id="a.whitfield")[0].text
    for minutes in (15, 30):  # the deputy DSL, then the Head
        clock.now = START + timedelta(minutes=minutes)
        assert escalate_due(desk.store, clock.now, desk=desk) == [ref]
    assert "Escalated to you" in texts_to(desk, "a.whitfield")[-1]
    assert desk.acknowledge(ref, staff_id="a.whitfield")[0].text.startswith(f"Acknowledged {ref}")


def test_a_later_approver_can_neither_read_nor_decide_before_their_turn(desk):
    ref = desk.submit(submitted("site_creation_request"), reporter_id="s.kowalski",
                      school_id="riverside").reference
    for later in ("l.fraser", "a.whitfield"):
        with pytest.raises(ReportAccessRefused):
            desk.read(ref, reader_id=later)
        assert "not waiting for your approval" in desk.decide(ref, staff_id=later, approve=True)[0].text
    assert [r.reference for r in desk.readable_by("a.whitfield")] == []
    desk.decide(ref, staff_id="e.clarke", approve=True)
    assert desk.read(ref, reader_id="l.fraser").reference == ref  # now their turn
    with pytest.raises(ReportAccessRefused):
        desk.read(ref, reader_id="a.whitfield")
    desk.decide(ref, staff_id="l.fraser", approve=True)
    for reader in ("s.kowalski", "e.clarke", "l.fraser", "a.whitfield"):  # requester, earlier and current
        assert desk.read(ref, reader_id=reader).reference == ref
    # two reads and one decision before their turn, each refused and audited
    assert [(who, what) for _, who, what in desk.audit_trail(ref)].count(("a.whitfield", "refused")) == 3


def test_a_declined_request_stays_closed_to_the_approvers_never_asked(desk):
    ref = desk.submit(submitted("site_creation_request"), reporter_id="s.kowalski",
                      school_id="riverside").reference
    desk.decide(ref, staff_id="e.clarke", approve=False, reason="Not needed")
    for never_asked in ("l.fraser", "a.whitfield"):
        with pytest.raises(ReportAccessRefused):
            desk.read(ref, reader_id=never_asked)
