"""The console channel, driven as a user would drive it: lines in, rendered replies out."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.channels.console import Menu, run_console
from bot.core.replies import Choice, Choices
from bot.errors import PolicybotError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def chat(tmp_path: Path):
    def run(lines: list[str], *, as_staff: str | None = None, clock=None) -> str:
        out = io.StringIO()
        assert run_console(as_staff=as_staff, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out,
                           database_url=f"sqlite:///{tmp_path / 'policybot.db'}", clock=clock) == 0
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


def test_numbers_run_on_across_the_lists_shown_at_once(chat) -> None:
    """The yearly ask shows one declaration per policy, each with its own three choices: they are numbered
    1-12, so 4 agrees to the second policy, not to whichever list came last."""
    tuesday = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    text = chat(["4"], as_staff="r.ahmed", clock=lambda: tuesday)
    assert "  1. I agree" in text and "  4. I agree" in text and "  12. I have a question first" in text
    assert "agree to the Social Media Policy (St Elisabeth's CE Primary School)" in text.replace("\n", " ")


def test_several_numbers_pick_boxes_of_one_multi_choice_list_only() -> None:
    menu = Menu()
    menu.add(Choices("Which?", (Choice("A", "a"), Choice("B", "b"), Choice("C", "c")), multi=True))
    menu.add(Choices("Sure?", (Choice("Yes", "yes"), Choice("No", "no"))))
    assert menu.pick("1, 3") == "a, c"
    assert menu.pick("5") == "no"
    assert menu.pick("1, 4") == "1, 4"  # two lists: passed on as typed
    assert menu.pick("4, 5") == "4, 5"  # not a multi-choice list
    assert menu.pick("9") == "9" and menu.pick("two") == "two"


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
