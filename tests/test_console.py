"""The console channel, driven as a user would drive it: lines in, rendered replies out."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.channels.console import run_console
from bot.errors import PolicybotError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def chat(tmp_path: Path):
    def run(lines: list[str], *, as_staff: str | None = None) -> str:
        out = io.StringIO()
        assert run_console(as_staff=as_staff, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out,
                           database_url=f"sqlite:///{tmp_path / 'policybot.db'}") == 0
        return out.getvalue()

    return run


def test_answer_with_citation_and_form_offer(chat) -> None:
    text = chat(["a pupil sent me a friend request on instagram"])
    assert "  > " in text and "    - " in text  # a quoted clause and its citation
    assert "Would you like to make a report now" in text
    assert "1. Yes, start the report" in text


def test_declining_the_offer_then_asking_again(chat) -> None:
    text = chat(["a pupil sent me a friend request on instagram", "2", "can i add colleagues on facebook"])
    assert "OK. If you change your mind" in text
    assert text.count("Would you like to make a report now") == 1


def test_unknown_staff_id_is_a_clear_error(chat) -> None:
    with pytest.raises(PolicybotError, match="no staff member with id 'nobody'"):
        chat(["hello"], as_staff="nobody")


def test_the_privacy_notice_is_shown_on_first_use_only(chat) -> None:
    assert chat(["hello"]).count("Before you start: how this bot uses your information") == 1
    assert "Before you start" not in chat(["hello"])


def test_piped_stdin_through_the_real_command(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="whats the wifi password\nquit\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'policybot.db'}"},
        check=True,
    )
    assert "won't guess" in proc.stdout
