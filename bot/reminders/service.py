"""The reminders service: the configuration, policies and campaign a sweep and the chat need, loaded once."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import OperationalError

from bot import paths
from bot.policies.loader import load_policies
from bot.policies.model import Policy
from bot.policies.titles import display_titles
from bot.reminders.calendar import may_remind
from bot.reminders.campaigns import AcknowledgementCampaign, load_acknowledgement_campaign
from bot.reminders.consent import ConsentCampaign, consent_due, load_consent_campaign
from bot.reminders.induction import InductionCampaign, induction_due, load_induction_campaign
from bot.reminders.policy_review import ReviewCampaign, load_review_campaign, review_due
from bot.reminders.sweep import Queued, sweep_acknowledgements
from bot.reminders.training import TrainingCampaign, load_training_campaign, note_policy_changes, training_sweep
from bot.school import School, SchoolConfig
from bot.store import Store, Transaction
from bot.store.engine import deadlocked

#: Schools swept per write transaction: one commit (a disk flush) per batch instead of per school, while the
#: write lock is still held only for a fraction of a second (a few thousand staff).
SCHOOLS_PER_TRANSACTION = 10

#: On a database that takes several writers at once (PostgreSQL) this many batches are swept at once, each in
#: its own transaction: while one waits for the server to insert its rows, another builds its own, so the
#: sweep's Python work and the server's overlap (the 50,000-staff benchmark on two cores: 8.0 s one batch at a
#: time, 5.5 s four at once). SQLite has one writer: its batches go one after another.
PARALLEL_BATCHES = 4

#: Batches touch different schools' rows but may insert the same new message body (the same request to every
#: school) in different orders; two transactions then waiting on each other is a deadlock, which PostgreSQL
#: breaks by failing one of them. That batch, rolled back whole, is swept again.
TRIES_AFTER_DEADLOCK = 3


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector for one sweep. A sweep over a trust allocates hundreds of thousands of
    short-lived tuples, which keeps triggering full collections that rescan every long-lived object (the
    configuration, the policies, the answer engine in `chat`): measured, a quarter of a sweep's CPU time. The
    sweep makes no reference cycles worth collecting (its objects are freed by reference counting as soon as
    it returns), and the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class Reminders:
    store: Store
    config: SchoolConfig
    campaign: AcknowledgementCampaign
    policies: dict[str, Policy] = field(default_factory=dict)

    consent: ConsentCampaign | None = None
    induction: InductionCampaign | None = None
    training: TrainingCampaign | None = None
    review: ReviewCampaign | None = None

    def run_due(self, *, now: datetime) -> list[Queued]:
        """One sweep at `now` (aware, or naive in each school's time): what the clock, `run-due` and `chat`
        call. The schools open for reminders are swept a few at a time, each batch in one write transaction
        (one commit, so one disk flush, per batch); each school's staff are read once for every campaign
        (acknowledgement, training, policy review, induction, consent). On PostgreSQL several batches are swept
        at once (`PARALLEL_BATCHES`), and a lock per school makes a second sweep at the same moment wait, then
        find everything already sent."""
        if self.training is not None:
            note_policy_changes(self.store, config=self.config, campaign=self.training, policies=self.policies,
                                now=now)
        open_now = [school for school in self.config.schools if may_remind(school, now)]
        versions = {policy_id: policy.version for policy_id, policy in self.policies.items()}
        batches = [open_now[first:first + SCHOOLS_PER_TRANSACTION]
                   for first in range(0, len(open_now), SCHOOLS_PER_TRANSACTION)]

        def sweep(batch: Sequence[School]) -> list[Queued]:
            return self._sweep_batch(batch, versions=versions, now=now)

        with _cyclic_gc_paused():
            if self.store.concurrent_writers and len(batches) > 1:
                with ThreadPoolExecutor(max_workers=PARALLEL_BATCHES, thread_name_prefix="sweep") as pool:
                    swept = list(pool.map(sweep, batches))
            else:
                swept = [sweep(batch) for batch in batches]
        return [queued for batch in swept for queued in batch]

    def _sweep_batch(self, schools: Sequence[School], *, versions: dict[str, str], now: datetime) -> list[Queued]:
        """Sweep a few schools in one write transaction, again if the database broke a deadlock by failing it."""
        tries = 1
        while True:
            try:
                with self.store.transaction(write=True) as tx:
                    queued: list[Queued] = []
                    for school in schools:
                        tx.locks.exclusive(f"reminders:{school.id}")
                        queued += self._sweep_school(tx, school=school, versions=versions, now=school.local(now))
                    return queued
            except OperationalError as error:
                if not deadlocked(error) or tries == TRIES_AFTER_DEADLOCK:
                    raise
                tries += 1

    def _sweep_school(self, tx: Transaction, *, school: School, versions: dict[str, str],
                      now: datetime) -> list[Queued]:
        staff = tx.reminders.remindees(school_id=school.id)
        queued = sweep_acknowledgements(tx, school=school, staff=staff, policies=self.applicable(school.id),
                                        versions=versions, campaign=self.campaign, now=now)
        if self.training is not None:
            queued += training_sweep(tx, school=school, staff=staff, campaign=self.training, now=now)
        if self.review is not None:
            queued += review_due(tx, config=self.config, school=school, staff=staff,
                                 policies=self.applicable(school.id), campaign=self.review, now=now)
        if self.induction is not None:
            queued += [Queued(staff=staff_id, campaign=self.induction.id, kind=step, items=())
                       for staff_id, step in induction_due(tx, school=school, staff=staff, campaign=self.induction,
                                                           now=now)]
        if self.consent is not None:
            queued += [Queued(staff=recipient, campaign=self.consent.id, kind=kind, items=())
                       for recipient, kind in consent_due(tx, school=school, staff=staff, campaign=self.consent,
                                                          now=now)]
        return queued

    def applicable(self, school_id: str) -> list[Policy]:
        """The policies a school's staff acknowledge, in the school file's order."""
        return [self.policies[p] for p in self.config.policies_for(school_id) if p in self.policies]


def build_reminders(store: Store, *, config: SchoolConfig, policies_dir: Path | None = None,
                    campaign: AcknowledgementCampaign | None = None) -> Reminders:
    """Load the applicable policies (from `policies_dir`, default policy_text/) and the campaign. Policies are
    named as citations name them: a school asked to confirm two documents both called "Social Media Policy"
    must be told which is which."""
    loaded = load_policies(policies_dir or paths.policy_dir(), only=config.all_policy_ids())
    titles = display_titles(loaded)
    return Reminders(store=store, config=config, campaign=campaign or load_acknowledgement_campaign(),
                     policies={p.id: replace(p, title=titles[p.id]) for p in loaded}, consent=load_consent_campaign(),
                     induction=load_induction_campaign(), training=load_training_campaign(),
                     review=load_review_campaign())
