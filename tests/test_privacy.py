"""Privacy: reports deleted by the worker when their retention ends (with a log entry that outlives them), a
member of staff's data exported and erased on request (safeguarding records kept), secrets never shown."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.errors import ConfigError
from bot.forms import DialogueKey, Submitted, load_forms
from bot.privacy import ErasureRefused, delete_delivered_messages, delete_expired_reports, erase_staff, export_staff
from bot.privacy.retention import years_before
from bot.reminders import build_reminders
from bot.reminders.worker import Clock
from bot.reports import default_desk
from bot.reports.desk import ReportAccessRefused, ReportDesk
from bot.school import SchoolConfig, load_school
from bot.staff import sync_from_school
from bot.store import StaffRecord, StaffSource, StaffStatus, Store, open_store
from bot.store.dialogue_repo import DatabaseDialogueStateStore
from bot.store.engine import make_engine
from bot.store.models import OutboxBodyRow
from bot.store.reminder_repo import AcknowledgementRecord
from bot.store.store import Store as StoreClass

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SECRET = "Zqx privacy-suite secret"
FORMS = load_forms()


def school_file(tmp_path: Path, *, retention: str | None = None, without: tuple[str, ...] = ()) -> Path:
    """The demo school file, with a `retention:` setting and without some of its staff (they have left)."""
    lines = (ROOT / "school" / "demo-school.yaml").read_text(encoding="utf-8").splitlines()
    kept: list[str] = []
    skipping = False
    for line in lines:
        if line.startswith("  - id: "):
            skipping = line.removeprefix("  - id: ").strip() in without
        elif not line.startswith("    ") and line.strip():
            skipping = False
        if line.startswith("staff:") and retention is not None:
            kept += ["retention:", f"  {retention}"]
        if not skipping:
            kept.append(line)
    path = tmp_path / "school.yaml"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


def desk_at(store: Store, config: SchoolConfig, at: datetime) -> ReportDesk:
    return default_desk(store, forms=FORMS, schools=config, clock=lambda: at)


def submit(desk: ReportDesk, form_id: str, *, reporter: str, subjects: tuple[str, ...] = ()) -> str:
    report = desk.submit(Submitted(form_id=form_id, answers={"what": SECRET}, urgent=False, subjects=subjects,
                                   summary=(("What happened", SECRET),)), reporter_id=reporter, school_id="riverside")
    return report.reference


# -- retention ---------------------------------------------------------------------------------------------


def test_retention_defaults_to_25_years_and_is_validated_with_a_line(tmp_path: Path) -> None:
    assert load_school(ROOT / "school" / "demo-school.yaml").schools[0].retention.reports_years == 25
    assert load_school(school_file(tmp_path, retention="reports_years: 7")).schools[0].retention.reports_years == 7
    assert load_school(ROOT / "school" / "demo-school.yaml").schools[0].retention.messages_days == 90
    assert load_school(school_file(tmp_path, retention="messages_days: 30")).schools[0].retention.messages_days == 30
    for bad in ("reports_years: 0", "reports_years: seven", "report_years: 7", "messages_days: 1"):
        with pytest.raises(ConfigError) as error:
            load_school(school_file(tmp_path, retention=bad))
        assert "school.yaml:" in str(error.value) and "retention" in str(error.value)


def test_years_before_handles_a_leap_day() -> None:
    assert years_before(datetime(2028, 2, 29, 9, tzinfo=UTC), 7) == datetime(2021, 2, 28, 9, tzinfo=UTC)


def test_reports_past_retention_are_deleted_with_their_trail_and_the_deletion_is_logged(
        store: Store, tmp_path: Path) -> None:
    config = load_school(school_file(tmp_path, retention="reports_years: 7"))
    sync_from_school(store, config=config)
    old_day, recent_day = datetime(2019, 3, 1, 10, tzinfo=UTC), datetime(2024, 3, 1, 10, tzinfo=UTC)
    old = submit(desk_at(store, config, old_day), "pupil_contact", reporter="r.ahmed")
    desk_at(store, config, old_day).acknowledge(old, staff_id="d.price")
    recent = submit(desk_at(store, config, recent_day), "pupil_contact", reporter="r.ahmed")
    reopened = submit(desk_at(store, config, old_day), "media_enquiry", reporter="h.li")
    desk_at(store, config, recent_day).read(reopened, reader_id="h.li")  # a view is not a change
    desk_at(store, config, recent_day).acknowledge(reopened, staff_id="a.whitfield")  # a change: kept longer

    assert delete_expired_reports(store, config=config, now=NOW) == [old]
    assert delete_expired_reports(store, config=config, now=NOW) == []  # a second sweep finds nothing
    with store.transaction() as tx:
        assert tx.reports.get(old) is None
        assert {r.reference for r in tx.reports.list()} == {recent, reopened}
        assert tx.audit.trail(old) == []
        assert not [m for m in tx.outbox.list() if m.idempotency_key.startswith(f"report:{old}:")]
        [entry] = tx.privacy.entries(subject=old)
    with store.engine.connect() as connection:  # the words of its messages went with them
        words = json.dumps(list(connection.execute(select(OutboxBodyRow.replies)).scalars()))
    assert recent in words and old not in words
    assert (entry.action, entry.actor_id, entry.at, entry.school_id) == ("report_deleted", "policybot", NOW,
                                                                          "riverside")
    assert "pupil_contact" in (entry.detail or "") and "kept 7 years" in (entry.detail or "")
    assert SECRET not in (entry.detail or "")


def test_two_sweeps_at_once_delete_and_log_each_report_once(store: Store, demo_school: SchoolConfig) -> None:
    sync_from_school(store, config=demo_school)
    desk = desk_at(store, demo_school, NOW - timedelta(days=366 * 26))
    old = {submit(desk, "media_enquiry", reporter="r.ahmed") for _ in range(6)}
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            results.append(delete_expired_reports(store, config=demo_school, now=NOW))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(ref for deleted in results for ref in deleted) == sorted(old)
    with store.transaction() as tx:
        assert sorted(e.subject for e in tx.privacy.entries()) == sorted(old) and tx.reports.list() == []


def test_the_worker_tick_applies_retention(store: Store, demo_school: SchoolConfig) -> None:
    sync_from_school(store, config=demo_school)
    old = submit(desk_at(store, demo_school, NOW - timedelta(days=366 * 26)), "media_enquiry", reporter="r.ahmed")
    kept = submit(desk_at(store, demo_school, NOW - timedelta(days=365 * 24)), "media_enquiry", reporter="r.ahmed")
    clock = Clock(reminders=build_reminders(store, config=demo_school), desk=desk_at(store, demo_school, NOW),
                  dialogues=DatabaseDialogueStateStore(store), forms=FORMS, now=lambda: NOW)
    clock.tick()
    with store.transaction() as tx:
        assert [r.reference for r in tx.reports.list()] == [kept]
        assert [e.subject for e in tx.privacy.entries()] == [old]


def _sent(store: Store, key: str, *, queued: datetime, delivered: datetime | None,
          report: str | None = None) -> None:
    """A message to h.li queued at `queued` (about `report`, if given) and delivered at `delivered`."""
    with store.transaction(write=True) as tx:
        report_id = tx.reports.get(report).id if report else None  # type: ignore[union-attr]
        tx.outbox.queue(school_id="riverside", recipient_id="h.li", replies=[{"type": "text", "text": key}],
                        idempotency_key=key, now=queued, report_id=report_id)
        if delivered is not None:
            [message] = [m for m in tx.outbox.list(recipient_id="h.li") if m.idempotency_key == key]
            tx.outbox.mark_delivered(message.id, now=delivered)


def _keys(store: Store) -> set[str]:
    with store.transaction() as tx:
        return {m.idempotency_key for m in tx.outbox.list(recipient_id="h.li")}


def test_delivered_messages_are_deleted_after_the_schools_period_but_not_a_reports_or_one_still_to_go(
        store: Store, tmp_path: Path) -> None:
    config = load_school(school_file(tmp_path, retention="messages_days: 30"))
    sync_from_school(store, config=config)
    report = submit(desk_at(store, config, NOW - timedelta(days=60)), "media_enquiry", reporter="r.ahmed")
    _sent(store, "old", queued=NOW - timedelta(days=41), delivered=NOW - timedelta(days=40))
    _sent(store, "recent", queued=NOW - timedelta(days=11), delivered=NOW - timedelta(days=10))
    _sent(store, "waiting", queued=NOW - timedelta(days=40), delivered=None)  # still to deliver: kept
    _sent(store, "of-a-report", queued=NOW - timedelta(days=41), delivered=NOW - timedelta(days=40), report=report)

    assert delete_delivered_messages(store, config=config, now=NOW) == 1
    assert delete_delivered_messages(store, config=config, now=NOW) == 0
    assert _keys(store) == {"recent", "waiting", "of-a-report"}
    with store.engine.connect() as connection:  # the words went with the message
        words = json.dumps(list(connection.execute(select(OutboxBodyRow.replies)).scalars()))
    assert '"old"' not in words and '"recent"' in words


def test_the_worker_looks_for_expired_messages_hourly_not_every_tick(store: Store, demo_school: SchoolConfig) -> None:
    sync_from_school(store, config=demo_school)
    now = [NOW]
    clock = Clock(reminders=build_reminders(store, config=demo_school), desk=desk_at(store, demo_school, NOW),
                  dialogues=DatabaseDialogueStateStore(store), forms=FORMS, now=lambda: now[0])
    clock.tick()
    _sent(store, "expires-now", queued=NOW - timedelta(days=91), delivered=NOW - timedelta(days=90))
    now[0] = NOW + timedelta(minutes=30)
    clock.tick()
    assert "expires-now" in _keys(store)  # looked for at the last hour's tick, not again yet
    now[0] = NOW + timedelta(hours=1)
    clock.tick()
    assert "expires-now" not in _keys(store)


# -- subject access: export --------------------------------------------------------------------------------


@pytest.fixture
def reports(store: Store, demo_school: SchoolConfig) -> dict[str, str]:
    """r.ahmed reports a pupil contact (the DSL acknowledges it) and a concern about h.li's conduct."""
    sync_from_school(store, config=demo_school)
    desk = desk_at(store, demo_school, NOW)
    contact = submit(desk, "pupil_contact", reporter="r.ahmed")
    desk.acknowledge(contact, staff_id="d.price")
    conduct = submit(desk, "staff_conduct_concern", reporter="r.ahmed", subjects=("h.li",))
    with store.transaction(write=True) as tx:
        tx.acknowledgements.record(AcknowledgementRecord(
            school_id="riverside", staff_id="h.li", policy_id="kaleidoscope-2024", version="2024",
            academic_year="2026-27", channel="console", acknowledged_at=NOW))
        tx.notices.first_time("h.li", now=NOW)
    return {"contact": contact, "conduct": conduct}


def test_the_reporter_gets_their_reports_in_full_and_the_export_is_audited(store: Store,
                                                                           reports: dict[str, str]) -> None:
    data = export_staff(store, staff_id="r.ahmed", now=NOW)
    json.dumps(data)
    assert data["staff_record"]["name"] == "Rashid Ahmed"
    assert {r["reference"] for r in data["reports_made"]} == set(reports.values())
    assert all(r["answers"] == {"what": SECRET} for r in data["reports_made"])
    with store.transaction() as tx:
        assert "exported" in [e.action for e in tx.audit.trail(reports["contact"])]


def test_a_recipient_gets_what_they_did_not_what_the_report_says(store: Store, reports: dict[str, str]) -> None:
    data = export_staff(store, staff_id="d.price", now=NOW)
    assert {"reference": reports["contact"], "action": "acknowledged", "at": NOW.isoformat()} in data["report_actions"]
    assert SECRET not in json.dumps(data) and data["reports_made"] == []


def test_the_subject_of_a_concern_gets_nothing_of_it(store: Store, reports: dict[str, str]) -> None:
    desk = default_desk(store, forms=FORMS, clock=lambda: NOW)
    with pytest.raises(ReportAccessRefused):  # the refusal is audited under h.li's name
        desk.read(reports["conduct"], reader_id="h.li")
    data = export_staff(store, staff_id="h.li", now=NOW)
    text = json.dumps(data)
    assert reports["conduct"] not in text and SECRET not in text
    assert [a["policy_id"] for a in data["policy_acknowledgements"]] == ["kaleidoscope-2024"]
    assert [p["staff_id"] for p in data["privacy_notice"]] == ["h.li"]


# -- erasure -----------------------------------------------------------------------------------------------


def test_someone_still_in_the_school_file_or_current_is_not_erased(store: Store, reports: dict[str, str],
                                                                   demo_school: SchoolConfig) -> None:
    with pytest.raises(ErasureRefused, match="still in the school file"):
        erase_staff(store, config=demo_school, staff_id="h.li", now=NOW)
    with store.transaction(write=True) as tx:
        tx.staff.add(StaffRecord(id="x.new", school_id="riverside", name="New Person", source=StaffSource.PLATFORM))
    with pytest.raises(ErasureRefused, match="current member of staff"):
        erase_staff(store, config=demo_school, staff_id="x.new", now=NOW)


def test_erasure_keeps_safeguarding_records_and_deletes_the_rest(store: Store, demo_school: SchoolConfig,
                                                                 tmp_path: Path) -> None:
    sync_from_school(store, config=demo_school)
    desk = desk_at(store, demo_school, NOW)
    made = submit(desk, "pupil_contact", reporter="c.mensah")
    about = submit(desk, "staff_conduct_concern", reporter="r.ahmed", subjects=("c.mensah",))
    with store.transaction(write=True) as tx:
        for staff_id in ("c.mensah", "g.singh"):
            tx.acknowledgements.record(AcknowledgementRecord(
                school_id="riverside", staff_id=staff_id, policy_id="kaleidoscope-2024", version="2024",
                academic_year="2026-27", channel="console", acknowledged_at=NOW))
            tx.inbox.put(recipient_id=staff_id, replies=[], idempotency_key=f"k-{staff_id}", now=NOW)
    DatabaseDialogueStateStore(store).put(DialogueKey("console", "riverside", "c.mensah"), {"form": "cyberbullying"})

    left = load_school(school_file(tmp_path, without=("c.mensah", "g.singh")))
    sync_from_school(store, config=left)  # they have left: marked left, not deleted
    result = erase_staff(store, config=left, staff_id="c.mensah", now=NOW)
    assert result["reports_kept"] == [made, about]
    assert result["deleted"]["policy_acknowledgements"] == 1 and result["deleted"]["unfinished_forms"] == 1
    assert erase_staff(store, config=left, staff_id="g.singh", now=NOW)["staff_record"] == "deleted"

    with store.transaction() as tx:
        person = tx.staff.get("c.mensah")
        assert person is not None and person.name == "Chris Mensah" and person.email is None
        assert person.status == StaffStatus.LEFT and person.slack_id is None and person.line_manager is None
        assert tx.staff.get("g.singh") is None
        assert {a.staff_id for a in tx.acknowledgements.list()} == set()
        kept = {reference: tx.reports.get(reference) for reference in (made, about)}
        assert all(r is not None and r.answers == {"what": SECRET} for r in kept.values())  # whole
        assert kept[made].reporter_id == "c.mensah" and kept[about].subjects == ("c.mensah",)  # type: ignore[union-attr]
        entries = tx.privacy.entries(subject="c.mensah")
    assert [e.action for e in entries] == ["staff_erased"] and SECRET not in (entries[0].detail or "")
    assert "kept 2 safeguarding report(s)" in (entries[0].detail or "")
    assert DatabaseDialogueStateStore(store).get(DialogueKey("console", "riverside", "c.mensah")) is None
    again = export_staff(store, staff_id="c.mensah", now=NOW)
    assert again["policy_acknowledgements"] == [] and again["console_messages"] == []


# -- the command line --------------------------------------------------------------------------------------


def test_privacy_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    with open_store(url) as store:
        sync_from_school(store, config=load_school())
        submit(desk_at(store, load_school(), NOW), "pupil_contact", reporter="r.ahmed")
    assert main(["privacy", "export", "r.ahmed"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["staff_id"] == "r.ahmed" and len(exported["reports_made"]) == 1
    assert main(["privacy", "export", "nobody.here"]) == 2
    assert "nothing is held" in capsys.readouterr().err
    assert main(["privacy", "erase", "h.li"]) == 2
    assert "still in the school file" in capsys.readouterr().err
    monkeypatch.setenv("POLICYBOT_SCHOOL", str(school_file(tmp_path, without=("g.singh",))))
    assert main(["privacy", "erase", "g.singh", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["staff_record"] == "deleted"
    assert main(["privacy", "log", "--json"]) == 0
    [entry] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (entry["action"], entry["subject"]) == ("staff_erased", "g.singh")


# -- secrets come from the environment and are never shown --------------------------------------------------

PASSWORD = "Pw-never-shown-8f3a"
TOKENS = {"SLACK_BOT_TOKEN": "xoxb-never-shown-1234", "SLACK_SIGNING_SECRET": "signing-never-shown-5678",
          "SLACK_APP_TOKEN": "xapp-never-shown-9012", "MICROSOFT_APP_PASSWORD": "ms-never-shown-3456"}


def test_store_url_hides_the_password() -> None:
    store = StoreClass(make_engine(f"postgresql+psycopg://policybot:{PASSWORD}@db.example:5432/policybot"))
    assert PASSWORD not in store.url and "***" in store.url
    store.close()


@pytest.mark.parametrize("command", [["reports", "list", "--as", "d.price"], ["worker", "--interval", "5"],
                                     ["privacy", "export", "r.ahmed"]])
def test_a_database_that_cannot_be_reached_is_a_clear_error_without_the_password(tmp_path: Path,
                                                                                   command: list[str]) -> None:
    env = {**os.environ, **TOKENS, "POLICYBOT_HOME": str(ROOT),
           "DATABASE_URL": f"postgresql://policybot:{PASSWORD}@127.0.0.1:9/policybot"}  # port 9: refused
    proc = subprocess.run([sys.executable, "-m", "bot", *command], capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=120)
    assert proc.returncode == 2
    output = proc.stdout + proc.stderr
    assert "cannot open the database" in output and "policybot:***@127.0.0.1:9" in output
    assert "Traceback" not in output
    for secret in (PASSWORD, *TOKENS.values()):
        assert secret not in output


def test_secrets_in_the_environment_never_reach_the_logs(store: Store, demo_school: SchoolConfig,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    sync_from_school(store, config=demo_school)
    clock = Clock(reminders=build_reminders(store, config=demo_school), desk=desk_at(store, demo_school, NOW),
                  dialogues=DatabaseDialogueStateStore(store), forms=FORMS, now=lambda: NOW)
    clock.tick()
    submit(desk_at(store, demo_school, NOW), "safeguarding_concern", reporter="r.ahmed")
    assert caplog.records, "nothing was logged: the test would prove nothing"
    for secret in (*TOKENS.values(), SECRET):
        assert secret not in caplog.text
