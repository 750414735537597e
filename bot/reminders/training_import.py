"""`policybot training import FILE`: an administrator records training done elsewhere (a course, a platform
export), one row per completion: the staff id or email, the training, the date completed.

The reader is as lenient as the MIS import (bot.staff.mis_csv): headers matched ignoring case and
punctuation, UK or ISO dates, Excel encodings. A row it cannot use is reported with its line, never dropped
silently; the rows it can use are recorded in one transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.errors import PolicybotError
from bot.reminders.training import TrainingCampaign
from bot.staff.mis_csv import csv_dialect, header_key, parse_date, read_csv_text
from bot.store import Store

_COLUMNS: dict[str, str] = {
    **dict.fromkeys(["staff", "staffid", "id", "staffcode", "email", "emailaddress", "workemail", "person"],
                    "staff"),
    **dict.fromkeys(["training", "trainingid", "course", "courseid", "module"], "training"),
    **dict.fromkeys(["completed", "completedon", "completeddate", "datecompleted", "completiondate", "date",
                     "completedat"], "completed"),
}


@dataclass(slots=True)
class TrainingImportReport:
    """What an import recorded: `recorded` as "staff id: training (date)", `closed` dues it satisfied."""

    recorded: list[str] = field(default_factory=list)
    closed: int = 0
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_training(store: Store, path: Path, *, campaign: TrainingCampaign,
                    now: datetime | None = None) -> TrainingImportReport:
    """Record every usable row of the CSV at `path`; see the module docstring for the columns."""
    text = read_csv_text(Path(path))
    reader = csv.reader(io.StringIO(text), dialect=csv_dialect(text))
    header = next(reader, None) or []
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = _COLUMNS.get(header_key(title))
        if name is not None and name not in columns:
            columns[name] = index
    if set(columns) != {"staff", "training", "completed"}:
        raise PolicybotError(f"{path}: the header needs three columns: staff id or email, training and the date "
                             f"completed (e.g. 'Staff,Training,Completed'); it has: {', '.join(header) or 'none'}")
    known = {t.id for t in campaign.trainings}
    report = TrainingImportReport()
    moment = now or datetime.now(UTC)
    with store.transaction(write=True) as tx:
        for row in reader:
            cells = {name: row[index].strip() if index < len(row) else "" for name, index in columns.items()}
            if not any(cells.values()):
                continue
            line = reader.line_num
            who = cells["staff"]
            person = tx.staff.get(who) or next((p for p in tx.staff.find_by_email(who) if p.current), None) \
                if who else None
            if person is None or not person.current:
                report.problems.append(f"line {line}: {who!r} is not a current member of staff (staff id or "
                                       "email) - row skipped")
                continue
            training = cells["training"].lower()
            if training not in known:
                report.problems.append(f"line {line}: unknown training {cells['training']!r} - use one of: "
                                       f"{', '.join(sorted(known))} - row skipped")
                continue
            try:
                on = parse_date(cells["completed"], what="completed date")
            except ValueError as exc:
                report.problems.append(f"line {line}: {exc} - row skipped")
                continue
            report.closed += tx.training.complete(school_id=person.school_id, staff_id=person.id,
                                                  training=training, on=on, via="import", now=moment)
            report.recorded.append(f"{person.id}: {training} ({on.isoformat()})")
    return report
