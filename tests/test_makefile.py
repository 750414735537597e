"""The README's first command: `make chat` chats as the first member of staff, `make chat AS=ID` as ID.

Make has a built-in variable AS (the assembler, "as"); the chat target must not mistake it for a staff id.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _chat_command(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "AS"}
    done = subprocess.run(["make", "-n", "-C", str(ROOT), "chat", *args], env=env, capture_output=True, text=True,
                          check=True)
    return next(line for line in done.stdout.splitlines() if "policybot chat" in line)


def test_make_chat_without_as_names_nobody() -> None:
    assert "--as" not in _chat_command()


def test_make_chat_with_as_chats_as_that_person() -> None:
    assert _chat_command("AS=d.price").endswith("--as d.price")
