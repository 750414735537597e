"""Holding a chat service's turns until several have arrived at once, for the channels' concurrency tests.

A channel must work on many people's messages at the same time (bot.core.service.TURN_THREADS): a turn that waits
on the database must not hold up the next person's. `hold_turns` makes that observable without timing anything:
no turn may begin until AT_ONCE of them are waiting to, so a channel with fewer threads breaks the barrier and
nobody is answered.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.core.service import ChatService

#: Staff writing at the same moment: more than bolt's five listener threads, or the event loop's default executor
#: on a small machine.
AT_ONCE = 12


def hold_turns(service: ChatService, monkeypatch: pytest.MonkeyPatch) -> threading.Barrier:
    """Make `service.turn` wait until AT_ONCE turns have begun; the barrier, to check it was not broken."""
    together, all_here = threading.Barrier(AT_ONCE, timeout=30), threading.Event()
    turn = service.turn

    def after_the_others() -> Any:
        if not all_here.is_set():  # (a turn opens turns inside itself: those go straight on)
            together.wait()
            all_here.set()
        return turn()

    monkeypatch.setattr(service, "turn", after_the_others)
    return together
