"""`policybot staff import FILE`: bringing one school's staff up to date from an MIS export.

Rules, so that the export, the school file and the chat platforms never fight:
- the school file governs the people it lists; the export does not change them (they are
  reported as `managed_by_school_file`);
- people the export lists are added or updated (source `mis_import`), matched by staff id,
  or by email when the export's id is new;
- people an earlier export added who are missing from this one are marked left, never deleted;
- an unconfirmed joiner (pending) with the same email becomes the imported person.
All of it happens in one transaction: a failed import changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.errors import PolicybotError
from bot.staff.changes import ImportReport
from bot.staff.mis_csv import CsvPerson, read_mis_csv
from bot.staff.pending import take_over_pending
from bot.store import StaffRecord, StaffSource, StaffStatus, Store, Transaction


def import_csv(store: Store, path: Path, *, school_id: str | None = None) -> ImportReport:
    """Import the export at `path` into `school_id` (optional when the deployment has one school)."""
    parsed = read_mis_csv(Path(path))
    if not parsed.people:
        details = "; ".join(parsed.problems) or "the file has a header but no rows"
        raise PolicybotError(
            f"{path}: no usable staff rows ({details}) - nothing was imported or marked as left"
        )
    report = ImportReport(unknown_columns=parsed.unknown_columns, problems=list(parsed.problems))
    with store.transaction() as tx:
        school = _school(tx, school_id)
        stored = {person.id: person for person in tx.staff.list()}
        in_school = [person for person in stored.values() if person.school_id == school]
        rows = _unique_rows(parsed.people, report)
        managers = _ManagerFinder(rows, in_school)
        accounted: set[str] = set()
        for row in rows:
            existing = stored.get(row.id)
            if existing is not None and existing.school_id != school:
                report.problems.append(
                    f"line {row.line}: staff id {row.id!r} belongs to school {existing.school_id} - "
                    "ids are unique across the trust; give this person another id - row skipped"
                )
                continue
            if existing is None:
                existing = _same_email(tx, row, school, report)
                if existing is not None:
                    accounted.add(existing.id)
                    continue
            else:
                accounted.add(existing.id)
                if existing.source == StaffSource.SCHOOL_FILE and existing.status != StaffStatus.LEFT:
                    report.managed_by_school_file.append(existing.id)
                    continue
            wanted = _record(
                row, existing=existing, school_id=school, line_manager=managers.find(row, report)
            )
            if existing is None:
                wanted, retired = take_over_pending(tx, wanted)
                tx.staff.add(wanted)
                report.added.append(row.id)
                if retired:
                    report.replaced_pending.append(retired)
            elif (
                tx.staff.update(wanted).updated_at != existing.updated_at
            ):  # updated_at moves only on a change
                report.changed.append(row.id)
            else:
                report.unchanged.append(row.id)
        for person in in_school:
            if (
                person.source == StaffSource.MIS_IMPORT
                and person.id not in accounted
                and person.status != StaffStatus.LEFT
            ):
                tx.staff.update(replace(person, status=StaffStatus.LEFT))
                report.marked_left.append(person.id)
    return report


def _school(tx: Transaction, school_id: str | None) -> str:
    schools = [school.id for school in tx.schools.list()]
    if school_id is not None:
        if school_id not in schools:
            raise PolicybotError(
                f"unknown school {school_id!r} - use one of: {', '.join(schools) or '(none loaded yet)'}"
            )
        return school_id
    if len(schools) == 1:
        return schools[0]
    if not schools:
        raise PolicybotError(
            "no school is loaded yet - check the school file (POLICYBOT_SCHOOL) and try again"
        )
    raise PolicybotError(
        f"this deployment has several schools ({', '.join(schools)}) - say which one to import into"
    )


def _unique_rows(people: list[CsvPerson], report: ImportReport) -> list[CsvPerson]:
    seen: dict[str, int] = {}
    rows: list[CsvPerson] = []
    for person in people:
        if person.id in seen:
            report.problems.append(
                f"line {person.line}: staff id {person.id!r} repeats line {seen[person.id]} - row skipped"
            )
            continue
        seen[person.id] = person.line
        rows.append(person)
    return rows


def _same_email(tx: Transaction, row: CsvPerson, school: str, report: ImportReport) -> StaffRecord | None:
    """A current member of this school already stored under another id with the row's email, if any."""
    if not row.email:
        return None
    for other in tx.staff.find_by_email(row.email):
        if other.school_id != school or not other.current:
            continue
        if other.source == StaffSource.SCHOOL_FILE:
            report.managed_by_school_file.append(other.id)
        else:
            report.problems.append(
                f"line {row.line}: {row.email} is already {other.id}'s email - if the MIS changed their "
                f"staff code, ask the administrator to retire {other.id} first - row skipped"
            )
        return other
    return None


def _record(
    row: CsvPerson, *, existing: StaffRecord | None, school_id: str, line_manager: str | None
) -> StaffRecord:
    """The row over what is stored: a column the export lacks keeps the stored value."""
    base = existing or StaffRecord(id=row.id, school_id=school_id, name=row.name)
    status = row.status or (base.status if base.current else StaffStatus.ACTIVE)
    return replace(
        base,
        school_id=school_id,
        name=row.name,
        email=row.email or base.email,
        roles=row.roles or base.roles,
        job_title=row.job_title or base.job_title,
        line_manager=line_manager or base.line_manager,
        start_date=row.start_date or base.start_date,
        slack_id=row.slack_id or base.slack_id,
        teams_id=row.teams_id or base.teams_id,
        status=status,
        source=StaffSource.MIS_IMPORT,
    )


class _ManagerFinder:
    """Line managers as exports write them: a staff id, an email, or a name."""

    def __init__(self, rows: list[CsvPerson], stored: list[StaffRecord]) -> None:
        people = [(p.id, p.email, p.name) for p in stored] + [(r.id, r.email, r.name) for r in rows]
        self._ids = {staff_id for staff_id, _, _ in people}
        self._emails = {email: staff_id for staff_id, email, _ in people if email}
        self._names: dict[str, set[str]] = {}
        for staff_id, _, name in people:
            self._names.setdefault(name.casefold(), set()).add(staff_id)

    def find(self, row: CsvPerson, report: ImportReport) -> str | None:
        written = row.line_manager
        if not written:
            return None
        found = written if written in self._ids else self._emails.get(written.lower())
        if found is None:
            named = self._names.get(written.casefold(), set())
            found = next(iter(named)) if len(named) == 1 else None
        if found is None or found == row.id:
            report.problems.append(
                f"line {row.line}: line manager {written!r} is not a staff id, email or unique name of "
                "another member of staff - line manager left as it was"
            )
            return None
        return found
