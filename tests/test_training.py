"""Training: dues per person (induction, annual refresher, after a policy change), staged chasing, "I've done
it" in chat, and an administrator's import. Time is passed in; runs on SQLite and, when TEST_DATABASE_URL is
set, PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.errors import ConfigError
from bot.policies.model import Clause
from bot.reminders import Reminders, build_reminders
from bot.reminders.calendar import is_reminder_day
from bot.reminders.chat import AcknowledgementDesk
from bot.reminders.training import load_training_campaign, training_due
from bot.reminders.training_import import import_training
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import StaffStatus, Store

TRAINING = "online-safety"


@pytest.fixture
def reminders(store: Store, demo_school: SchoolConfig) -> Reminders:
    sync_from_school(store, config=demo_school)
    return build_reminders(store, config=demo_school)


def travel(reminders: Reminders, start: date, end: date, *, before=None) -> list:
    queued, day = [], start
    while day <= end:
        if before is not None:
            before(day)
        queued += reminders.run_due(now=datetime.combine(day, time(10, 0)))
        day += timedelta(days=1)
    return queued


def sends(reminders: Reminders, staff_id: str | None = None):
    with reminders.store.transaction() as tx:
        rows = tx.reminders.sent(campaigns=["training"], period_prefix="")
    return [s for s in rows if staff_id is None or s.staff_id == staff_id]


def dues(reminders: Reminders, staff_id: str):
    with reminders.store.transaction() as tx:
        return tx.training.dues(staff_id=staff_id)


def desk_at(reminders: Reminders, moment: datetime) -> AcknowledgementDesk:
    return AcknowledgementDesk(reminders, clock=lambda: moment.astimezone())


def test_a_year_of_refresher_chasing(reminders: Reminders):
    """Everyone at work owes the refresher by 31 October; a responder is never chased again; a non-responder
    is told it is due, then overdue, then their manager is told; nothing goes out on a non-school day; staff
    on leave are not chased; a new starter owes induction training instead of the refresher."""
    school = reminders.config.school("riverside")
    with reminders.store.transaction(write=True) as tx:
        tx.staff.update(replace(tx.staff.get("s.kowalski"), status=StaffStatus.ON_LEAVE))

    def before(day: date) -> None:
        if day == date(2026, 11, 4):
            reply = desk_at(reminders, datetime(2026, 11, 4, 9, 0)).handle(
                staff_id="r.ahmed", school_id="riverside", text="I've done it", channel="slack")
            assert reply is not None and "recorded" in reply[0].text

    queued = travel(reminders, date(2026, 9, 1), date(2027, 7, 20), before=before)
    assert all(is_reminder_day(school, s.sent_at.astimezone(school.tz).date()) for s in sends(reminders))
    refresher = [d for d in dues(reminders, "b.turner") if d.reason == "refresher"]
    assert [(d.period, d.due_on) for d in refresher] == [("refresher:2026-27", date(2026, 10, 31))]
    # due-soon day (24 Oct) and the due date fall in half term: the first school day, 2 November; overdue on
    # day 3 (3 November); the manager on day 10 (10 November)
    turner = {s.step: s for s in sends(reminders, "b.turner")}
    assert {step: s.sent_at.date() for step, s in turner.items()} == {
        "due-soon": date(2026, 11, 2), "overdue": date(2026, 11, 3), "manager": date(2026, 11, 10)}
    assert turner["manager"].recipient_id == "k.dawson" and turner["manager"].kind == "training_escalation"
    assert [s.step for s in sends(reminders, "r.ahmed")] == ["due-soon", "overdue"]  # done on the 4th
    assert sends(reminders, "s.kowalski") == []
    done = [d for d in dues(reminders, "r.ahmed") if d.reason == "refresher"][0]
    assert done.completed_on == date(2026, 11, 4) and done.completed_via == "slack"
    assert [d.reason for d in dues(reminders, "h.li")] == ["induction"]  # started 1 September 2026
    assert {q.campaign for q in queued} >= {"training", "policy_acknowledgement"}


def test_induction_training_is_due_a_week_after_the_start_date(reminders: Reminders):
    travel(reminders, date(2026, 9, 1), date(2026, 9, 30))
    (due,) = dues(reminders, "h.li")
    assert (due.reason, due.due_on) == ("induction", date(2026, 9, 8))
    steps = {s.step: s.sent_at.date() for s in sends(reminders, "h.li")}
    # due-soon's day (1 September) is the first sweep; overdue on 11 September; h.li's manager on the 18th
    assert steps == {"due-soon": date(2026, 9, 1), "overdue": date(2026, 9, 11), "manager": date(2026, 9, 18)}


def test_a_policy_text_change_makes_training_due_again_and_only_then(reminders: Reminders):
    reminders.run_due(now=datetime(2026, 11, 24, 10, 0))
    before = {d.period for d in dues(reminders, "r.ahmed")}
    snmat = reminders.policies["snmat"]
    reminders.policies["snmat"] = replace(snmat, owner="someone else")  # metadata only: no change
    reminders.run_due(now=datetime(2026, 11, 25, 10, 0))
    assert {d.period for d in dues(reminders, "r.ahmed")} == before
    first = snmat.clauses[0]
    reminders.policies["snmat"] = replace(snmat, clauses=[Clause(policy=first.policy, ref=first.ref,
                                                                 text=first.text + " Amended."), *snmat.clauses[1:]])
    reminders.run_due(now=datetime(2026, 11, 26, 10, 0))
    reminders.run_due(now=datetime(2026, 11, 26, 11, 0))  # seen once: not a second change
    changed = [d for d in dues(reminders, "r.ahmed") if d.reason == "policy_change"]
    assert len(changed) == 1 and changed[0].due_on == date(2026, 12, 24)
    assert changed[0].period == f"policy_change:snmat:{reminders.policies['snmat'].version}"
    with reminders.store.transaction() as tx:
        owing = {d.staff_id for d in tx.training.dues(school_id="riverside") if d.reason == "policy_change"}
        at_work = {p.id for p in tx.staff.current(school_id="riverside")}
    assert owing == at_work  # everyone current, on leave too (chasing waits for their return)


def test_in_chat_training_is_listed_and_done_with_the_channel_it_came_through(reminders: Reminders):
    reminders.run_due(now=datetime(2026, 11, 24, 10, 0))
    desk = desk_at(reminders, datetime(2026, 11, 24, 11, 0))
    listed = desk.handle(staff_id="b.turner", school_id="riverside", text="Training")
    assert listed is not None and "Online safety and social media training - due 24 December 2026" in listed[0].text
    assert [d.training for d in training_due(reminders.store, "b.turner")] == [TRAINING]
    done = desk.handle(staff_id="b.turner", school_id="riverside", text="done training online-safety",
                       channel="teams")
    assert done is not None and "recorded that you completed" in done[0].text
    assert training_due(reminders.store, "b.turner") == []
    assert dues(reminders, "b.turner")[0].completed_via == "teams"
    nothing = desk.handle(staff_id="b.turner", school_id="riverside", text="my training")
    assert nothing is not None and "no training due" in nothing[0].text
    unknown = desk.handle(staff_id="b.turner", school_id="riverside", text="done training first-aid")
    assert unknown is not None and "don't know training called first-aid" in unknown[0].text
    assert desk.handle(staff_id="b.turner", school_id="riverside", text="can I follow a parent?") is None


def test_done_with_nothing_due_is_kept_and_satisfies_this_years_refresher(reminders: Reminders):
    desk = desk_at(reminders, datetime(2026, 9, 2, 9, 0))
    desk.handle(staff_id="e.clarke", school_id="riverside", text="I have done my training")
    travel(reminders, date(2026, 9, 2), date(2026, 11, 30))
    assert [d.reason for d in dues(reminders, "e.clarke")] == ["completed"]
    assert sends(reminders, "e.clarke") == []


def test_an_administrator_imports_completions_and_sees_what_was_recorded(reminders: Reminders, tmp_path: Path):
    reminders.run_due(now=datetime(2026, 11, 24, 10, 0))
    path = tmp_path / "training.csv"
    path.write_text("Staff,Training,Completed\n"
                    "b.turner,online-safety,20/11/2026\n"
                    "e.clarke@riverside-academy.example,Online-Safety,2026-11-21\n"
                    "nobody,online-safety,2026-11-21\n"
                    "r.ahmed,first-aid,2026-11-21\n"
                    "p.nair,online-safety,next week\n", encoding="utf-8")
    report = import_training(reminders.store, path, campaign=load_training_campaign())
    assert report.recorded == ["b.turner: online-safety (2026-11-20)", "e.clarke: online-safety (2026-11-21)"]
    assert report.closed == 2
    assert [p.split(":")[0] for p in report.problems] == ["line 4", "line 5", "line 6"]
    assert training_due(reminders.store, "b.turner") == []
    assert dues(reminders, "b.turner")[0].completed_via == "import"


def test_training_import_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'policybot.db'}")
    monkeypatch.delenv("POLICYBOT_SCHOOL", raising=False)
    path = tmp_path / "done.csv"
    path.write_text("Staff ID;Course;Date completed\nr.ahmed;online-safety;01/12/2026\n", encoding="utf-8")
    assert main(["training", "import", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"recorded": ["r.ahmed: online-safety (2026-12-01)"], "closed": 0, "problems": []}
    (tmp_path / "bad.csv").write_text("Who,When\nr.ahmed,today\n", encoding="utf-8")
    assert main(["training", "import", str(tmp_path / "bad.csv")]) == 2
    assert "needs three columns" in capsys.readouterr().err


def test_the_training_file_is_checked_on_load(tmp_path: Path):
    shipped = Path(__file__).resolve().parent.parent / "intents" / "campaigns" / "training.yaml"
    path = tmp_path / "training.yaml"
    path.write_text(shipped.read_text(encoding="utf-8").replace("offset_days: 3,", "offset_days: -9,"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_training_campaign(path)
    assert "training.yaml" in str(error.value) and "increasing days" in str(error.value)


def test_a_home_page_gets_the_training_due_with_its_button(reminders: Reminders):
    desk = desk_at(reminders, datetime(2026, 11, 24, 11, 0)).training
    assert desk is not None and desk.due_choices(staff_id="b.turner") is None
    reminders.run_due(now=datetime(2026, 11, 24, 10, 0))
    section = desk.due_choices(staff_id="b.turner")
    assert section is not None
    title, (choices,) = section
    assert title == "Training you have to do:" and "due 24 December 2026" in choices.prompt
    assert [o.value for o in choices.options] == ["done training online-safety"]


def test_a_holiday_bringing_two_steps_together_still_tells_the_person_first(reminders: Reminders):
    """Installed on 24 November: the refresher is due a month later, on Christmas Eve. Overdue (27 December)
    and the manager (3 January) both fall in the holidays: the person is told on the first day of term, their
    manager the next school day."""
    travel(reminders, date(2026, 11, 24), date(2027, 1, 8))
    steps = {s.step: (s.sent_at.date(), s.recipient_id) for s in sends(reminders, "b.turner")}
    assert steps == {"due-soon": (date(2026, 12, 17), "b.turner"), "overdue": (date(2027, 1, 4), "b.turner"),
                     "manager": (date(2027, 1, 5), "k.dawson")}


def test_the_home_page_has_a_training_section_only_when_some_is_due(store: Store, demo_school: SchoolConfig):
    from bot.answer.build import build_engine
    from bot.core.conversation import Who
    from bot.core.home import home_for
    from bot.core.service import build_chat_service
    from bot.forms import DialogueKey

    class Nowhere:
        def deliver(self, *, recipient_id: str, replies: object, idempotency_key: str) -> None:
            """Delivery is not under test."""

    sync_from_school(store, config=demo_school)
    service = build_chat_service(store, config=demo_school, engine=build_engine(), deliverer=Nowhere(),
                                 clock=lambda: datetime(2026, 11, 24, 11, 0).astimezone())
    turner = Who("b.turner", "riverside", DialogueKey("slack", "T1", "U1"))
    assert "training" not in [s.key for s in home_for(service, turner)]
    service.reminders.run_due(now=datetime(2026, 11, 24, 10, 0))
    section = next(s for s in home_for(service, turner) if s.key == "training")
    assert [o.value for r in section.replies for o in r.options] == ["done training online-safety"]
    service.handle(turner, "done training online-safety")
    assert "training" not in [s.key for s in home_for(service, turner)]
