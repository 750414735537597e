"""Policy acknowledgement reminders: a year of the demo school with the time set by the test, never slept.

Runs on every database under test (the `store` fixture): SQLite always, PostgreSQL when TEST_DATABASE_URL
is set.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sweeping import sweeps_at_once

from bot.errors import ConfigError
from bot.policies.model import Clause
from bot.reminders import Reminders, build_reminders, compliance_rows, load_acknowledgement_campaign
from bot.reminders.calendar import is_reminder_day
from bot.reminders.chat import AcknowledgementDesk
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import StaffStatus, Store

TUESDAY = datetime(2026, 11, 24, 10, 0)  # naive: the school's local time
SATURDAY = datetime(2026, 11, 28, 10, 0)
YEAR_START, YEAR_END = date(2026, 9, 1), date(2027, 8, 31)


@pytest.fixture
def reminders(store: Store, demo_school: SchoolConfig) -> Reminders:
    sync_from_school(store, config=demo_school)
    return build_reminders(store, config=demo_school)


def active_ids(reminders: Reminders) -> set[str]:
    with reminders.store.transaction() as tx:
        return {p.id for p in tx.staff.list(school_id="riverside", statuses=[StaffStatus.ACTIVE])}


def ledger(reminders: Reminders):
    with reminders.store.transaction() as tx:
        return tx.reminders.sent(campaigns=["policy_acknowledgement"], period_prefix="")


def travel(reminders: Reminders, start: date, end: date, *, at: time = time(10, 0), before=None) -> list:
    """One sweep a day at `at`, from start to end inclusive; `before(day)` runs first each day."""
    queued = []
    day = start
    while day <= end:
        if before is not None:
            before(day)
        queued += reminders.run_due(now=datetime.combine(day, at))
        day += timedelta(days=1)
    return queued


def set_status(reminders: Reminders, staff_id: str, status: StaffStatus) -> None:
    with reminders.store.transaction(write=True) as tx:
        tx.staff.update(replace(tx.staff.get(staff_id), status=status))


def test_a_school_day_asks_everyone_once_and_a_second_sweep_nothing(reminders: Reminders):
    queued = reminders.run_due(now=TUESDAY)
    assert {q.staff for q in queued} == active_ids(reminders)
    assert all(q.kind == "ask" and set(q.to_json()["policies"]) == set(reminders.policies) for q in queued)
    assert reminders.run_due(now=TUESDAY) == []
    with reminders.store.transaction() as tx:
        assert len(tx.outbox.list()) == len(queued)


def test_policies_with_the_same_title_are_told_apart_in_the_ask(reminders: Reminders):
    """The demo school has two documents called "Social Media Policy" and two called "Social Media and
    Networking Policy": the ask and each declaration must say which one is meant, as citations do."""
    reminders.run_due(now=TUESDAY)
    with reminders.store.transaction() as tx:
        ask = tx.outbox.list(recipient_id="b.turner")[-1].replies
    declarations = [card["prompt"] for card in ask[1:]]
    assert len(declarations) == len(set(declarations)) == len(reminders.policies) == 4
    titles = [reminders.policies[p].title for p in reminders.policies]
    assert len(set(titles)) == 4 and all(title in ask[0]["text"] for title in titles)
    assert "Social Media Policy (SNMAT)" in titles


def test_no_reminders_at_weekends_before_opening_or_in_holidays(reminders: Reminders):
    assert reminders.run_due(now=SATURDAY) == []
    assert reminders.run_due(now=datetime(2026, 11, 24, 7, 30)) == []  # before school hours
    assert reminders.run_due(now=datetime(2026, 10, 28, 10, 0)) == []  # October half term
    assert reminders.run_due(now=datetime(2026, 12, 28, 10, 0)) == []  # Christmas holidays
    assert reminders.run_due(now=datetime(2027, 5, 3, 10, 0)) == []  # early May bank holiday


def test_a_year_of_sweeps(reminders: Reminders):
    """A school year of daily sweeps of the demo school (every campaign): everyone asked once per policy; a
    responder never chased; a non-responder chased on days 3 and 7 and then their line manager told; a policy
    whose text changes in January asked about again (and only it); a new starter inducted on the right days;
    nothing sent on a non-school day or outside school hours; someone on leave never chased."""
    school = reminders.config.school("riverside")
    desk = AcknowledgementDesk(reminders, clock=lambda: datetime(2026, 9, 2, 11, 0).astimezone())
    set_status(reminders, "h.li", StaffStatus.ON_LEAVE)
    snmat = reminders.policies["snmat"]

    def before(day: date) -> None:
        if day == date(2026, 9, 2):
            for policy in reminders.policies:
                desk.acknowledge(staff_id="r.ahmed", school_id="riverside", policy_id=policy)
        if day == date(2027, 1, 11):  # the trust amends one clause of one policy
            first = snmat.clauses[0]
            reminders.policies["snmat"] = replace(snmat, clauses=[
                Clause(policy=first.policy, ref=first.ref, text=first.text + " Amended."), *snmat.clauses[1:]])

    travel(reminders, YEAR_START, YEAR_END, before=before, at=time(9, 0))
    with reminders.store.transaction() as tx:
        everything = tx.reminders.sent(campaigns=["policy_acknowledgement", "induction", "training", "consent_refresh",
                                                  "policy_review"], period_prefix="")
        outbox = tx.outbox.list()
    assert {s.campaign for s in everything} == {"policy_acknowledgement", "induction", "training", "consent_refresh",
                                                "policy_review"}
    assert all(is_reminder_day(school, s.sent_at.astimezone(school.tz).date()) for s in everything)
    assert all(school.in_school_hours(m.next_attempt_at) for m in outbox)  # queued then, never delivered here
    sends = ledger(reminders)
    # one ledger row per person and step; each (policy, version) asked about once per person
    asked_pairs = [(s.staff_id, tuple(pair)) for s in sends if s.step == "ask" for pair in s.items]
    amended = ("snmat", reminders.policies["snmat"].version)
    changed_asks = {staff for staff, pair in asked_pairs if pair == amended}
    assert len(asked_pairs) == len(set(asked_pairs)) == len(active_ids(reminders)) * (len(reminders.policies) + 1)
    assert changed_asks == active_ids(reminders) and "r.ahmed" in changed_asks
    assert len({(s.staff_id, s.period) for s in sends if s.step == "ask"}) == 2 * len(active_ids(reminders))
    assert not [s for s in everything if s.staff_id == "h.li" or s.recipient_id == "h.li"]
    assert [(s.step, s.items) for s in sends if s.staff_id == "r.ahmed" and s.step != "ask"] == [
        ("reminder-1", [list(amended)]), ("reminder-2", [list(amended)]), ("manager", [list(amended)])]  # not agreed
    with reminders.store.transaction() as tx:
        asked_again = [m for m in tx.outbox.list(recipient_id="r.ahmed") if "changed" in m.replies[0].get("text", "")]
    assert len(asked_again) == 1
    first_round = next(s.period for s in sends if s.staff_id == "b.turner" and s.step == "ask"
                       and ["snmat", snmat.version] in s.items)
    turner = {s.step: s for s in sends if s.staff_id == "b.turner" and s.period == first_round}
    assert list(turner) == ["ask", "reminder-1", "reminder-2", "manager"]
    assert all(len(s.items) == len(reminders.policies) for s in turner.values())  # nothing acknowledged
    asked = turner["ask"].sent_at.date()
    assert asked == date(2026, 9, 1)
    assert turner["reminder-1"].sent_at.date() == date(2026, 9, 4)  # day 3, a Friday
    assert turner["reminder-2"].sent_at.date() == date(2026, 9, 8)  # day 7 is a Tuesday
    assert turner["manager"].sent_at.date() == date(2026, 9, 11)  # day 10 is a Friday
    assert turner["manager"].recipient_id == "k.dawson" and turner["manager"].kind == "escalation"
    # c.mensah starts on Monday 2 November: welcome that day, the checklist on day 1, training on day 7, the
    # check-in on day 30 (Wednesday 2 December)
    induction = {s.step: s.sent_at.astimezone(school.tz).date() for s in everything
                 if s.campaign == "induction" and s.staff_id == "c.mensah"}
    assert induction == {"welcome": date(2026, 11, 2), "privacy": date(2026, 11, 3), "training": date(2026, 11, 9),
                         "check-in": date(2026, 12, 2)}


def test_a_day_falling_in_a_holiday_goes_out_on_the_next_school_day(reminders: Reminders):
    reminders.run_due(now=datetime(2026, 10, 21, 10, 0))  # asked on Wednesday before half term
    travel(reminders, date(2026, 10, 22), date(2026, 11, 6))
    steps = {s.step: s.sent_at.date() for s in ledger(reminders) if s.staff_id == "b.turner"}
    # day 3 (Saturday 24th) and day 7 (in half term) both wait for Monday 2 November, one step a day
    assert steps["reminder-1"] == date(2026, 11, 2) and steps["reminder-2"] == date(2026, 11, 3)


def test_the_next_academic_year_asks_again(reminders: Reminders):
    school = reminders.config.schools[0]
    # the demo's term dates stop in July 2027: a school listing none is open every weekday
    reminders.config = SchoolConfig(schools=(school.model_copy(update={"term_dates": ()}),))
    desk = AcknowledgementDesk(reminders, clock=lambda: datetime(2026, 11, 24, 11, 0).astimezone())
    for policy in reminders.policies:
        desk.acknowledge(staff_id="r.ahmed", school_id="riverside", policy_id=policy)
    assert not [q for q in reminders.run_due(now=TUESDAY) if q.staff == "r.ahmed"]
    next_year = reminders.run_due(now=datetime(2027, 9, 7, 10, 0))
    assert [q.kind for q in next_year if q.staff == "r.ahmed"] == ["ask"]


def test_a_changed_policy_text_asks_again_and_only_then(reminders: Reminders):
    desk = AcknowledgementDesk(reminders, clock=lambda: datetime(2026, 11, 24, 11, 0).astimezone())
    reminders.run_due(now=TUESDAY)
    for policy in reminders.policies:
        desk.acknowledge(staff_id="r.ahmed", school_id="riverside", policy_id=policy)
    assert not [q for q in reminders.run_due(now=TUESDAY + timedelta(days=1)) if q.staff == "r.ahmed"]
    snmat = reminders.policies["snmat"]
    reminders.policies["snmat"] = replace(snmat, owner="a new owner")  # metadata only: same version
    assert not [q for q in reminders.run_due(now=TUESDAY + timedelta(days=2)) if q.staff == "r.ahmed"]
    first = snmat.clauses[0]
    changed = replace(snmat, clauses=[Clause(policy=first.policy, ref=first.ref, text=first.text + " Amended."),
                                      *snmat.clauses[1:]])
    reminders.policies["snmat"] = changed
    again = [q for q in reminders.run_due(now=TUESDAY + timedelta(days=6)) if q.staff == "r.ahmed"]
    assert [(q.kind, q.to_json()["policies"]) for q in again] == [("ask", ["snmat"])]
    with reminders.store.transaction() as tx:
        message = tx.outbox.list(recipient_id="r.ahmed")[-1]
    assert "changed" in message.replies[0]["text"]


def test_a_reminder_names_only_what_is_still_outstanding(reminders: Reminders):
    desk = AcknowledgementDesk(reminders, clock=lambda: datetime(2026, 11, 24, 11, 0).astimezone())
    reminders.run_due(now=TUESDAY)
    policies = list(reminders.policies)
    for policy in policies[:2]:
        desk.acknowledge(staff_id="b.turner", school_id="riverside", policy_id=policy)
    queued = [q for q in reminders.run_due(now=datetime(2026, 11, 27, 10, 0)) if q.staff == "b.turner"]
    assert [(q.kind, q.to_json()["policies"]) for q in queued] == [("reminder", sorted(policies[2:]))]
    reminder = next(s for s in ledger(reminders) if s.staff_id == "b.turner" and s.step == "reminder-1")
    assert [policy for policy, _ in reminder.items] == policies[2:]
    with reminders.store.transaction() as tx:
        message = tx.outbox.list(recipient_id="b.turner")[-1]
    titles = {reminders.policies[p].title for p in policies[2:]}
    assert all(title in message.replies[0]["text"] for title in titles)
    assert [c["options"][0]["value"] for c in message.replies[1:]] == [f"acknowledge {p}" for p in policies[2:]]


def test_leavers_stop_at_once_and_staff_on_leave_are_paused(reminders: Reminders):
    reminders.run_due(now=TUESDAY)
    set_status(reminders, "b.turner", StaffStatus.LEFT)
    set_status(reminders, "c.mensah", StaffStatus.ON_LEAVE)
    travel(reminders, date(2026, 11, 25), date(2026, 12, 11))
    assert {s.step for s in ledger(reminders) if s.staff_id in ("b.turner", "c.mensah")} == {"ask"}
    set_status(reminders, "c.mensah", StaffStatus.ACTIVE)  # back from leave: chasing resumes
    queued = reminders.run_due(now=datetime(2026, 12, 14, 10, 0))
    assert [q.kind for q in queued if q.staff == "c.mensah"] == ["reminder"]


def test_two_sweeps_at_the_same_moment_send_each_message_once(reminders: Reminders):
    recipients = [q.staff for q in sweeps_at_once(reminders, now=TUESDAY)]
    assert sorted(recipients) == sorted(active_ids(reminders))
    with reminders.store.transaction() as tx:
        assert sorted(m.recipient_id for m in tx.outbox.list()) == sorted(recipients)


def test_compliance_counts_acknowledgements_of_the_current_version(reminders: Reminders):
    now = TUESDAY.astimezone()
    desk = AcknowledgementDesk(reminders, clock=lambda: now)
    desk.acknowledge(staff_id="r.ahmed", school_id="riverside", policy_id="snmat")
    rows = compliance_rows(reminders, now=now)
    snmat = next(r for r in rows if r["policy"] == "snmat")
    school = next(r for r in rows if r["scope"] == "school")
    assert snmat["acknowledged"] == 1 and "r.ahmed" not in snmat["outstanding"]
    assert school["acknowledged"] == 1 and school["staff"] == snmat["staff"]


def test_the_head_sees_who_has_not_acknowledged_and_others_may_not(reminders: Reminders):
    desk = AcknowledgementDesk(reminders, clock=lambda: TUESDAY.astimezone())
    for policy in reminders.policies:
        desk.acknowledge(staff_id="r.ahmed", school_id="riverside", policy_id=policy)
    head = desk.handle(staff_id="a.whitfield", school_id="riverside", text="Who hasn't acknowledged the policies?")
    assert head is not None and "Beverley Turner" in head[0].text
    assert "Rashid Ahmed" not in head[0].text
    refused = desk.handle(staff_id="r.ahmed", school_id="riverside", text="who hasn't acknowledged?")
    assert refused is not None and "Only the Head" in refused[0].text


def test_a_campaign_error_names_file_and_line(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    good = (Path(__file__).resolve().parent.parent / "intents" / "campaigns" / "policy_acknowledgement.yaml")
    path.write_text(good.read_text(encoding="utf-8").replace("after_days: 3,", "after_days: 0,"), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_acknowledgement_campaign(path)
    assert "bad.yaml" in str(error.value) and "increasing days" in str(error.value)


def test_the_school_office_is_reminded_of_consent_once_at_the_start_of_the_year(reminders: Reminders):
    first_day = [q for q in reminders.run_due(now=datetime(2026, 9, 1, 9, 0)) if q.campaign == "consent_refresh"]
    assert [(q.staff, q.kind) for q in first_day] == [("k.dawson", "consent_refresh")]
    later = travel(reminders, date(2026, 9, 2), date(2026, 11, 30))
    assert not [q for q in later if q.campaign == "consent_refresh"]
    with reminders.store.transaction() as tx:
        texts = [m.replies[0].get("text", "") for m in tx.outbox.list(recipient_id="k.dawson")]
    assert sum("consent must be collected again" in t for t in texts) == 1


def test_consent_refresh_waits_for_the_first_school_day_and_not_past_its_window(reminders: Reminders):
    assert not reminders.run_due(now=datetime(2026, 8, 31, 10, 0))  # summer holiday, previous year
    school = reminders.config.schools[0]
    reminders.config = SchoolConfig(schools=(school.model_copy(update={"term_dates": ()}),))
    saturday = datetime(2027, 9, 4, 10, 0)
    assert [q.campaign for q in reminders.run_due(now=saturday)] == []
    monday = [q.campaign for q in reminders.run_due(now=datetime(2027, 9, 6, 10, 0))]
    assert "consent_refresh" in monday
    assert "consent_refresh" not in [q.campaign for q in reminders.run_due(now=datetime(2028, 10, 9, 10, 0))]


def test_a_new_starter_gets_the_induction_steps_on_the_right_days(reminders: Reminders):
    """Started on Friday 6 November 2026: welcome that day, the checklist on Monday (day 1 is a Saturday),
    training on day 7 (Friday 13th), the check-in on day 30 (Sunday 6 December, so Monday the 7th)."""
    set_status(reminders, "g.singh", StaffStatus.ACTIVE)
    with reminders.store.transaction(write=True) as tx:
        tx.staff.update(replace(tx.staff.get("g.singh"), start_date=date(2026, 11, 6)))
    queued = travel(reminders, date(2026, 11, 6), date(2027, 1, 31))
    days = {s.step: s.sent_at.date() for s in ledger_of(reminders, "induction") if s.staff_id == "g.singh"}
    assert days == {"welcome": date(2026, 11, 6), "privacy": date(2026, 11, 9), "training": date(2026, 11, 13),
                    "check-in": date(2026, 12, 7)}
    # c.mensah (started 2 November) is inducted too; nobody who started long ago is
    assert {q.staff for q in queued if q.campaign == "induction"} == {"g.singh", "c.mensah"}


def ledger_of(reminders: Reminders, campaign: str):
    with reminders.store.transaction() as tx:
        return tx.reminders.sent(campaigns=[campaign], period_prefix="")


def test_induction_and_consent_files_are_checked_on_load(tmp_path: Path):
    from bot.reminders.consent import load_consent_campaign
    from bot.reminders.induction import load_induction_campaign

    shipped = Path(__file__).resolve().parent.parent / "intents" / "campaigns"
    induction = tmp_path / "induction.yaml"
    induction.write_text((shipped / "induction.yaml").read_text(encoding="utf-8").replace(
        "recent_days: 45", "recent_days: 20"), encoding="utf-8")
    with pytest.raises(ConfigError, match="recent_days must be more than"):
        load_induction_campaign(induction)
    consent = tmp_path / "consent.yaml"
    consent.write_text((shipped / "consent_refresh.yaml").read_text(encoding="utf-8").replace(
        "to: school_office", "to: the_office"), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_consent_campaign(consent)
    assert "consent.yaml" in str(error.value) and "unknown role" in str(error.value)


@pytest.mark.parametrize("platform", ["slack", "teams", "console"])
def test_an_acknowledgement_records_the_channel_it_came_through(store: Store, demo_school: SchoolConfig,
                                                                platform: str):
    from bot.answer.build import build_engine
    from bot.core.conversation import Who
    from bot.core.service import build_chat_service
    from bot.forms import DialogueKey

    class Nowhere:
        def deliver(self, *, recipient_id: str, replies: object, idempotency_key: str) -> None:
            """The outbox is not under test."""

    sync_from_school(store, config=demo_school)
    service = build_chat_service(store, config=demo_school, engine=build_engine(), deliverer=Nowhere(),
                                 clock=lambda: TUESDAY.astimezone())
    replies = service.handle(Who("r.ahmed", "riverside", DialogueKey(platform, "W1", "U1")), "acknowledge snmat")
    assert "recorded" in replies[-1].text
    with store.transaction() as tx:
        assert [a.channel for a in tx.acknowledgements.list(staff_id="r.ahmed")] == [platform]
