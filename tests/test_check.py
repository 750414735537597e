"""`policybot check` passes on what ships and names file and line when something is wrong."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = None
    if home is not None:
        import os

        env = {**os.environ, "POLICYBOT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "check"], capture_output=True, text=True, cwd=ROOT, env=env
    )


def test_shipped_configuration_passes() -> None:
    proc = run_check()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all checks passed" in proc.stdout


def copy_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    for name in ("intents", "policy_text", "school"):
        shutil.copytree(ROOT / name, home / name)
    return home


def test_bad_intent_form_names_file_and_line(tmp_path: Path) -> None:
    home = copy_home(tmp_path)
    path = home / "intents" / "questions" / "a_pupils.yaml"
    text = path.read_text()
    path.write_text(text.replace("form: pupil_contact", "form: pupil_contct", 1))
    proc = run_check(home)
    assert proc.returncode == 1
    line = next(n for n, raw in enumerate(path.read_text().splitlines(), 1) if "pupil_contct" in raw)
    assert f"a_pupils.yaml:{line}:" in proc.stdout
    assert "unknown form 'pupil_contct'" in proc.stdout


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    home = copy_home(tmp_path)
    (home / "intents" / "vocabulary.yaml").write_text("synonyms:\n  pupil: [kid, kids\n  parent: mum\n")
    proc = run_check(home)
    assert proc.returncode == 1
    assert "vocabulary.yaml:" in proc.stdout and "YAML syntax error" in proc.stdout


def test_unknown_topic_in_intent(tmp_path: Path) -> None:
    home = copy_home(tmp_path)
    path = home / "intents" / "questions" / "a_people.yaml"
    path.write_text(path.read_text().replace("topics: [colleagues]", "topics: [colleages]", 1))
    proc = run_check(home)
    assert proc.returncode == 1
    assert "unknown topic colleages" in proc.stdout


def test_bad_routing_role_names_file(tmp_path: Path) -> None:
    home = copy_home(tmp_path)
    path = home / "intents" / "routing.yaml"
    path.write_text(path.read_text().replace("dsl", "dls", 1))
    proc = run_check(home)
    assert proc.returncode == 1
    assert "routing.yaml:" in proc.stdout


def test_a_bad_reminder_campaign_names_file_and_line(tmp_path: Path) -> None:
    home = copy_home(tmp_path)
    path = home / "intents" / "campaigns" / "training.yaml"
    path.write_text(path.read_text().replace("offset_days: 3, to: staff", "offset_days: 3, to: everyone", 1))
    proc = run_check(home)
    assert proc.returncode == 1
    line = next(n for n, raw in enumerate(path.read_text().splitlines(), 1) if "to: everyone" in raw)
    assert f"training.yaml:{line}:" in proc.stdout and "FAIL reminder campaigns" in proc.stdout


def test_training_must_follow_policies_that_exist(tmp_path: Path) -> None:
    home = copy_home(tmp_path)
    path = home / "intents" / "campaigns" / "training.yaml"
    path.write_text(path.read_text().replace("policies: [kaleidoscope-2024, snmat]", "policies: [no-such-policy]"))
    proc = run_check(home)
    assert proc.returncode == 1
    assert "training.yaml:" in proc.stdout and "no-such-policy" in proc.stdout
