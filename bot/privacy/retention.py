"""Retention: the worker deletes each report once the school's retention period has passed since it last
changed (`retention.reports_years` in the school file), with its audit trail and its messages; and every other
message the bot sent once `retention.messages_days` have passed since it was delivered.

What survives is a privacy-log entry saying which reference was deleted, when and after how long, so the
school can show that it applied its retention schedule; the entry never holds the report's contents.
Several workers may sweep at once: the rows are locked as they are taken (SKIP LOCKED), so each report is
deleted, and logged, once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from bot.school import SchoolConfig
from bot.store import Store

log = logging.getLogger(__name__)

ACTOR = "policybot"
ACTION = "report_deleted"


def years_before(moment: datetime, years: int) -> datetime:
    """The same calendar moment `years` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def delete_expired_reports(store: Store, *, config: SchoolConfig, now: datetime) -> list[str]:
    """Delete every report whose school's retention period has passed since it last changed; returns the
    references deleted."""
    deleted: list[str] = []
    for school in config.schools:
        years = school.retention.reports_years
        with store.transaction(write=True) as tx:
            for report in tx.reports.last_changed_before(school_id=school.id, moment=years_before(now, years)):
                tx.reports.delete(report.reference)
                tx.privacy.log(school_id=school.id, action=ACTION, subject=report.reference, actor_id=ACTOR, at=now,
                               detail=f"{report.form_id}: created {_day(report.created_at)}, last changed "
                                      f"{_day(report.updated_at)}, kept {years} years")
                deleted.append(report.reference)
    if deleted:
        log.info("retention: deleted %d report(s) past their retention period: %s", len(deleted), ", ".join(deleted))
    return deleted


def _day(moment: datetime) -> date:
    return moment.date()


def delete_delivered_messages(store: Store, *, config: SchoolConfig, now: datetime) -> int:
    """Delete the messages (not a report's) delivered more than each school's `messages_days` ago; returns how
    many. One statement per distinct period: each reads the outbox once, whatever the number of schools."""
    by_period: dict[int, list[str]] = defaultdict(list)
    for school in config.schools:
        by_period[school.retention.messages_days].append(school.id)
    with store.transaction(write=True) as tx:
        deleted = sum(tx.outbox.delete_delivered(school_ids=schools, before=now - timedelta(days=days))
                      for days, schools in by_period.items())
    if deleted:
        log.info("retention: deleted %d delivered message(s) past their retention period", deleted)
    return deleted
