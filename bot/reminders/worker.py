"""`policybot worker`: the one clock process (DESIGN.md). APScheduler runs here only.

Every tick runs the same sweeps as `policybot reminders run-due` and `chat`'s in-process loop: reminders,
escalation of unacknowledged urgent reports, nudges and expiry of unfinished forms. The scheduler is
told to coalesce missed runs into one and to still run a tick that is hours late (a sleeping laptop, a
restarted dyno), because exactly-once comes from the store: a late or repeated tick sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.core.sweeps import sweep_forms
from bot.forms import DialogueStateStore, FormSet
from bot.privacy import delete_delivered_messages, delete_expired_reports
from bot.reminders.service import Reminders
from bot.reports.desk import ReportDesk

log = logging.getLogger(__name__)

#: A tick this late still runs (once, however many were missed).
MISFIRE_GRACE = timedelta(hours=6)
#: Delivered messages past retention are looked for this often, not every tick: each look reads the outbox.
MESSAGE_RETENTION_EVERY = timedelta(hours=1)
JOB_ID = "policybot-sweeps"


@dataclass(frozen=True, slots=True)
class TickResult:
    reminders: int
    escalated: int
    forms: int


@dataclass
class Clock:
    """The sweeps one tick runs, at the time the clock function gives (tests pass their own)."""

    reminders: Reminders
    desk: ReportDesk
    dialogues: DialogueStateStore
    forms: FormSet
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    _messages_pruned_at: datetime | None = field(default=None, init=False)

    def tick(self) -> TickResult:
        moment = self.now()
        queued = self.reminders.run_due(now=moment)
        escalated = self.desk.escalate_due(now=moment)
        handled = sweep_forms(store=self.reminders.store, dialogues=self.dialogues, forms=self.forms, now=moment)
        delete_expired_reports(self.reminders.store, config=self.reminders.config, now=moment)  # retention
        if self._messages_pruned_at is None or moment - self._messages_pruned_at >= MESSAGE_RETENTION_EVERY:
            delete_delivered_messages(self.reminders.store, config=self.reminders.config, now=moment)
            self._messages_pruned_at = moment
        result = TickResult(reminders=len(queued), escalated=len(escalated), forms=len(handled))
        log.info("tick at %s: %d reminders queued, %d reports escalated, %d forms nudged or expired",
                 moment.isoformat(), result.reminders, result.escalated, result.forms)
        return result


def schedule(scheduler: BaseScheduler, clock: Clock, *, interval_seconds: int) -> None:
    """Add the tick to `scheduler`: every `interval_seconds`, first at once, coalesced, one at a time."""
    scheduler.add_job(clock.tick, "interval", seconds=interval_seconds, id=JOB_ID, replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
                      next_run_time=datetime.now(UTC))


def run_worker(*, interval_seconds: int = 60) -> int:
    """Run the clock until interrupted (the `worker` process of the Procfile)."""
    from bot.cli import open_synced_store
    from bot.forms import load_forms
    from bot.reminders.service import build_reminders
    from bot.reports import default_desk
    from bot.school import load_school
    from bot.store.dialogue_repo import DatabaseDialogueStateStore

    if interval_seconds < 1:
        from bot.errors import PolicybotError

        raise PolicybotError("--interval must be 1 second or more")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = open_synced_store()
    config = load_school()
    forms = load_forms()
    clock = Clock(reminders=build_reminders(store, config=config),
                  desk=default_desk(store, forms=forms, schools=config), dialogues=DatabaseDialogueStateStore(store),
                  forms=forms)
    scheduler = BlockingScheduler(timezone=UTC)
    schedule(scheduler, clock, interval_seconds=interval_seconds)
    try:
        scheduler.start()
    finally:
        store.close()
    return 0
