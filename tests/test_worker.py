"""`policybot worker`: the clock runs the same sweeps, coalesced, with a misfire grace of hours."""

from __future__ import annotations

from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.forms import load_forms
from bot.reminders import build_reminders
from bot.reminders.worker import JOB_ID, MISFIRE_GRACE, Clock, schedule
from bot.reports import default_desk
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import Store
from bot.store.dialogue_repo import DatabaseDialogueStateStore


def make_clock(store: Store, config: SchoolConfig, at: datetime) -> Clock:
    forms = load_forms()
    return Clock(reminders=build_reminders(store, config=config), desk=default_desk(store, forms=forms, schools=config),
                 dialogues=DatabaseDialogueStateStore(store), forms=forms, now=lambda: at)


def test_a_tick_runs_the_reminder_sweep_once(store: Store, demo_school: SchoolConfig):
    sync_from_school(store, config=demo_school)
    clock = make_clock(store, demo_school, datetime(2026, 11, 24, 10, 0).astimezone())
    first = clock.tick()
    assert first.reminders == len([p for p in demo_school.schools[0].staff if p.status == "active"])
    assert clock.tick().reminders == 0  # a replayed tick (a restart, a second worker) sends nothing twice


def test_the_job_coalesces_and_tolerates_hours_of_delay(store: Store, demo_school: SchoolConfig):
    scheduler = BackgroundScheduler()
    schedule(scheduler, make_clock(store, demo_school, datetime(2026, 11, 28, 10, 0).astimezone()),
             interval_seconds=60)
    job = scheduler.get_job(JOB_ID)
    assert job.coalesce is True and job.max_instances == 1
    assert job.misfire_grace_time == MISFIRE_GRACE.total_seconds() >= 3600
