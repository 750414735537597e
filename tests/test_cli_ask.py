"""`policybot ask` through the real command line: the fixed JSON contract, batch order, --policies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"answered", "escalate", "form", "intent", "answer", "clauses"}
CLAUSE_KEYS = {"policy", "title", "ref", "text", "score"}


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, check=check)


def test_ask_json_contract() -> None:
    out = run("ask", "--json", "can I follow a parent on instagram?").stdout
    data = json.loads(out)
    assert set(data) == KEYS
    assert data["answered"] is True and data["escalate"] is False
    assert 1 <= len(data["clauses"]) <= 3
    for clause in data["clauses"]:
        assert set(clause) == CLAUSE_KEYS
        assert isinstance(clause["score"], float)


def test_batch_one_object_per_line_in_order(tmp_path: Path) -> None:
    questions = [
        "whats the staff wifi password",
        "a pupil sent me a friend request",
        "",
        "my niece is in reception, do i need to tell anyone",
    ]
    batch = tmp_path / "q.txt"
    batch.write_text("\n".join(questions) + "\n")
    lines = run("ask", "--batch", str(batch), "--json", "--top", "2").stdout.splitlines()
    assert len(lines) == 3  # blank lines are not questions
    results = [json.loads(line) for line in lines]
    assert results[0]["answered"] is False
    assert results[1]["form"] == "pupil_contact"
    assert results[2]["form"] == "family_declaration"
    assert all(len(r["clauses"]) <= 2 for r in results)


def test_policies_dir_answers_from_those_files_only(tmp_path: Path) -> None:
    (tmp_path / "kaleidoscope-2024.yaml").write_text((ROOT / "policy_text" / "kaleidoscope-2024.yaml").read_text())
    data = json.loads(run("--policies", str(tmp_path), "ask", "--json", "a pupil sent me a friend request").stdout)
    assert data["answered"]
    assert {c["policy"] for c in data["clauses"]} == {"kaleidoscope-2024"}


def test_ask_does_not_import_chat_sdks_or_database() -> None:
    code = (
        "import sys; from bot.cli import main; main(['ask', '--json', 'can i follow a parent']); "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('slack_bolt', 'slack_sdk', 'botbuilder', 'sqlalchemy', 'alembic') or m.startswith('bot.store')]; "
        "print('IMPORTED', bad, file=sys.stderr); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("args", [["ask"], ["ask", "--top", "0", "x"], ["ask", "--batch", "/nonexistent", "--json"]])
def test_usage_errors_are_clear(args: list[str]) -> None:
    proc = run(*args, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("policybot: ")
    assert "Traceback" not in proc.stderr


def test_engine_cache_is_rebuilt_when_an_input_changes(tmp_path: Path) -> None:
    import os
    import shutil

    home = tmp_path / "home"
    for name in ("intents", "policy_text", "school"):
        shutil.copytree(ROOT / name, home / name)
    env = {**os.environ, "POLICYBOT_HOME": str(home)}

    def ask() -> dict:
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--json", "can i add colleagues on facebook"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            check=True,
        )
        return json.loads(proc.stdout)

    first = ask()
    assert list((home / "var" / "cache").glob("engine-*.pickle"))
    assert ask() == first  # served from the cache
    intents = home / "intents" / "questions" / "a_people.yaml"
    intents.write_text(intents.read_text().replace("You can, but be cautious:", "Yes, with care:"))
    assert ask()["answer"].startswith("Yes, with care:")
