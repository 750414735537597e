"""The fixed `policybot reminders run-due [--now T] --json` contract, `compliance`, and acknowledging in chat."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bot.channels.console import run_console
from bot.cli import main

TUESDAY = "2026-11-24T10:00"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'policybot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("POLICYBOT_SCHOOL", raising=False)
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    assert main(list(argv)) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_run_due_on_a_school_day_asks_everyone_then_nothing(db: str, capsys: pytest.CaptureFixture[str]):
    staff = run(capsys, "staff", "list", "--json")
    first = run(capsys, "reminders", "run-due", "--now", TUESDAY, "--json")
    assert sorted(m["staff"] for m in first) == sorted(p["id"] for p in staff)
    assert {(m["campaign"], m["kind"]) for m in first} == {("policy_acknowledgement", "ask")}
    assert run(capsys, "reminders", "run-due", "--now", TUESDAY, "--json") == []


def test_run_due_on_a_saturday_queues_nothing(db: str, capsys: pytest.CaptureFixture[str]):
    assert run(capsys, "reminders", "run-due", "--now", "2026-11-28T10:00", "--json") == []


def test_now_without_a_zone_is_the_schools_local_time(db: str, capsys: pytest.CaptureFixture[str]):
    # 16:30 on a June Tuesday is in school hours in London (BST) but 16:30 UTC is 17:30 there: closed
    assert run(capsys, "reminders", "run-due", "--now", "2027-06-08T16:30+00:00", "--json") == []
    assert run(capsys, "reminders", "run-due", "--now", "2027-06-08T16:30", "--json")


def test_a_bad_now_says_what_to_write(db: str, capsys: pytest.CaptureFixture[str]):
    assert main(["reminders", "run-due", "--now", "next tuesday", "--json"]) == 2
    assert "ISO date-time" in capsys.readouterr().err


def test_two_processes_at_the_same_moment_send_each_message_once(database_url: str,
                                                                 monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", database_url)  # SQLite, and PostgreSQL when TEST_DATABASE_URL is set
    monkeypatch.delenv("POLICYBOT_SCHOOL", raising=False)
    assert main(["staff", "list", "--json"]) == 0  # the directory is loaded first: the sweeps are under test
    command = [sys.executable, "-m", "bot", "reminders", "run-due", "--now", TUESDAY, "--json"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [r.communicate(timeout=120)[0] for r in runs]
    assert all(r.returncode == 0 for r in runs)
    messages = [json.loads(line)["staff"] for out in outputs for line in out.splitlines()]
    assert messages and len(messages) == len(set(messages))


def test_compliance_json_and_csv_agree(db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    out = io.StringIO()
    assert run_console(as_staff="r.ahmed", stdin=io.StringIO("acknowledge snmat\n"), stdout=out,
                       database_url=db) == 0
    capsys.readouterr()
    rows = run(capsys, "compliance", "--json", "--csv", str(tmp_path / "c.csv"))
    snmat = next(r for r in rows if r["policy"] == "snmat")
    assert snmat["acknowledged"] == 1 and "r.ahmed" not in snmat["outstanding"]
    with open(tmp_path / "c.csv", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [r["acknowledged"] for r in table] == [str(r["acknowledged"]) for r in rows]


def test_the_console_shows_the_request_and_a_number_acknowledges(db: str, capsys: pytest.CaptureFixture[str]):
    at = datetime.fromisoformat(TUESDAY).astimezone()
    out = io.StringIO()
    lines = "read policy snmat\n1\npending\n"  # read first, then "1" is the agree under the policy
    assert run_console(as_staff="r.ahmed", stdin=io.StringIO(lines), stdout=out, database_url=db,
                       clock=lambda: at) == 0
    text = out.getvalue()
    assert "--- message for you ---" in text and "I have read and understood" in text
    assert "Thank you - recorded" in text
    assert text.count("I have read and understood") >= 4
    capsys.readouterr()
    rows = run(capsys, "compliance", "--json", "--now", TUESDAY)
    assert next(r for r in rows if r["policy"] == "snmat")["acknowledged"] == 1
    head = io.StringIO()
    assert run_console(as_staff="a.whitfield", stdin=io.StringIO("who hasn't acknowledged?\n"), stdout=head,
                       database_url=db, clock=lambda: at) == 0
    listed = head.getvalue().split("Who has not acknowledged")[1]
    snmat_line = next(line for line in listed.splitlines() if "(snmat)" in line)
    assert "Rashid Ahmed" in listed and "Rashid Ahmed" not in snmat_line
