"""Compliance figures: who has acknowledged each applicable policy (current version, this academic year).

The same rows feed `policybot compliance --json` (one object per line), its CSV export and the Head's
"who hasn't acknowledged?" in chat, so the three always agree. Staff on leave count (they are still
staff); leavers and unconfirmed joiners do not.

`unreachable` lists who of the outstanding the bot cannot message yet, so they are chased another way
rather than silently missed: in Teams a bot can write to someone only after they have opened the app (or an
administrator installed it for them), which is when it stores their conversation reference. A school is
taken to use Teams once anyone in it has such a reference; Slack can message anyone, so it has none.
"""

from __future__ import annotations

import csv
from datetime import datetime
from typing import Any, TextIO

from bot.reminders.service import Reminders
from bot.school import academic_year
from bot.store import StaffRecord, Transaction

CSV_FIELDS = ("scope", "school", "policy", "title", "version", "academic_year", "staff", "acknowledged",
              "percent", "outstanding", "unreachable")
#: Platforms that can message only people with a stored conversation reference.
NEEDS_REFERENCE = ("teams",)


def compliance_rows(reminders: Reminders, *, now: datetime, school_id: str | None = None) -> list[dict[str, Any]]:
    """Per school: one row per applicable policy, then the school's total (scope `policy` / `school`)."""
    rows: list[dict[str, Any]] = []
    for school in reminders.config.schools:
        if school_id is not None and school.id != school_id:
            continue
        year = academic_year(school.local(now).date())
        with reminders.store.transaction() as tx:
            staff = tx.staff.current(school_id=school.id)
            done = tx.acknowledgements.done(academic_year=year, school_ids=[school.id])
            unreachable = _unreachable(tx, school.id, staff)
        total = acknowledged_total = 0
        for policy in reminders.applicable(school.id):
            version = policy.version  # a hash of every clause: once per policy
            outstanding = [p.id for p in staff if (p.id, policy.id, version) not in done]
            acknowledged = len(staff) - len(outstanding)
            total += len(staff)
            acknowledged_total += acknowledged
            rows.append({"scope": "policy", "school": school.id, "policy": policy.id, "title": policy.title,
                         "version": version, "academic_year": year, "staff": len(staff),
                         "acknowledged": acknowledged, "percent": _percent(acknowledged, len(staff)),
                         "outstanding": outstanding, "unreachable": [i for i in outstanding if i in unreachable]})
        rows.append({"scope": "school", "school": school.id, "policy": None, "title": school.name, "version": None,
                     "academic_year": year, "staff": len(staff), "acknowledged": acknowledged_total,
                     "percent": _percent(acknowledged_total, total),
                     "outstanding": sorted({i for r in rows if r["school"] == school.id for i in r["outstanding"]}),
                     "unreachable": sorted({i for r in rows if r["school"] == school.id for i in r["unreachable"]})})
    return rows


def _unreachable(tx: Transaction, school_id: str, staff: list[StaffRecord]) -> set[str]:
    """Staff of the school the bot cannot message yet on a platform that needs a conversation reference."""
    for platform in NEEDS_REFERENCE:
        reachable = tx.conversation_refs.reachable(platform=platform, school_id=school_id)
        if reachable:
            return {p.id for p in staff} - reachable
    return set()


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 100.0


def write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    """The rows as CSV for a spreadsheet; `outstanding` and `unreachable` are space-separated staff ids."""
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "outstanding": " ".join(row["outstanding"]),
                         "unreachable": " ".join(row["unreachable"])})
