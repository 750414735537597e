"""Exactly one Socket Mode process per deployment.

Slack spreads a Socket Mode app's events over every connection it has open, so a second process would
silently take half of the conversations. A second process is refused instead, with a message, by an
exclusive lock on a file in the checkout's `var/` folder, one per database (a deployment is its database; a
Socket Mode school runs the bot on one machine: that is why it has no public URL). The operating system
drops the lock when a process dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot import paths
from bot.errors import PolicybotError


def lock_path(database_url: str) -> Path:
    """The lock file of the deployment using `database_url` (its URL hashed: it may hold a password)."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return paths.home() / "var" / f"slack-socket-mode-{digest}.lock"


class SocketModeTaken(PolicybotError):
    """Another process already holds the Socket Mode connection."""


@contextmanager
def single_socket(path: Path) -> Iterator[None]:
    """Hold the Socket Mode lock `path` while the block runs; SocketModeTaken if another process has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise SocketModeTaken(f"Socket Mode is already running here (process {holder}) - only one process "
                                  "may hold Slack's socket; stop it first, or use HTTP mode (unset SLACK_APP_TOKEN)"
                                  ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
