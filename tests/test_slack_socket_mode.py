"""Socket Mode: exactly one process may hold Slack's socket; a second is refused cleanly, before any work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.channels.slack.socket_lock import SocketModeTaken, lock_path, single_socket


def test_a_second_holder_of_the_socket_is_refused_and_the_first_can_hold_it_again(tmp_path: Path) -> None:
    lock = tmp_path / "socket.lock"
    with single_socket(lock), pytest.raises(SocketModeTaken, match="only one process"), single_socket(lock):
        pass
    with single_socket(lock):  # released when the first holder stopped
        pass


def test_a_second_socket_mode_process_exits_with_a_message(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("policybot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    env = {**os.environ, "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test",
           "SLACK_API_URL": "http://127.0.0.1:9/api/", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    with single_socket(lock_path(env["DATABASE_URL"])):  # this deployment's lock, as its first process holds it
        done = subprocess.run([*command, "serve", "slack"], env=env, capture_output=True, text=True, timeout=60,
                              check=False)
    assert done.returncode == 2
    assert "Socket Mode is already running" in done.stderr and "Traceback" not in done.stderr
