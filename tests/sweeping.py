"""Helpers for tests of reminder sweeps."""

from __future__ import annotations

import threading
from datetime import datetime

from bot.reminders import Reminders
from bot.reminders.sweep import Queued


def sweeps_at_once(reminders: Reminders, *, now: datetime, count: int = 2) -> list[Queued]:
    """`count` sweeps at the same moment, in threads released together (as two workers by mistake would be);
    everything they queued between them."""
    results: list[list[Queued]] = [[] for _ in range(count)]
    barrier = threading.Barrier(count)

    def sweep(n: int) -> None:
        barrier.wait()
        results[n] = reminders.run_due(now=now)

    threads = [threading.Thread(target=sweep, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [queued for result in results for queued in result]
