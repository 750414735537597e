"""`policybot staff list --json` (fixed in DESIGN.md) and `staff import` through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, env=env
    )


def test_staff_list_json_on_a_fresh_database(tmp_path: Path) -> None:
    proc = run(tmp_path, "staff", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    people = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(people) >= 10
    assert all(set(p) == {"id", "name", "roles", "school", "email", "slack_id", "teams_id"} for p in people)
    dsl = next(p for p in people if "dsl" in p["roles"])
    assert dsl["school"] and dsl["slack_id"] and dsl["teams_id"]


def test_staff_import_reports_what_changed(tmp_path: Path) -> None:
    csv = tmp_path / "mis.csv"
    csv.write_text("Staff Code,First Name,Last Name,Email,Role\nNEW1,Ada,Lovelace,ada@example.org,teacher\n")
    proc = run(tmp_path, "staff", "import", str(csv), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["added"]
    listed = run(tmp_path, "staff", "list", "--json").stdout
    assert "ada@example.org" in listed
