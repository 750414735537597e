"""A member of staff's rights over their data: a copy of it (`policybot privacy export STAFF_ID`) and erasure
(`policybot privacy erase STAFF_ID`).

Safeguarding records are kept whole, whoever asks. Reports are child-protection and allegation records that
a school must keep and share with the DSL, children's social care and the LADO (Keeping Children Safe in
Education, parts 2 and 4; Working Together to Safeguard Children): UK GDPR article 17(3)(b) and (e) exempt
them from erasure. So erasure leaves every report, its audit trail and the alerts about it as they are,
including the person's part in them (what they reported, acknowledged, approved or viewed); it deletes
everything else (policy acknowledgements, training records, reminders, other messages, unfinished forms,
platform links) and reduces the staff record to id, school and name when a report still names them, or
deletes it when none does.

The export gives the person what they wrote and what was done with it: their own reports in full, what they
did to other reports (references and actions, not contents), and everything else held about them. Reports
about them are left out: disclosing one could identify the reporter or prejudice a child-protection enquiry
(DPA 2018, schedule 2 paragraph 16 and schedule 3 part 5); the Data Protection Officer decides on those
case by case. Every report included in an export is audited as exported.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from bot.errors import PolicybotError
from bot.school import SchoolConfig
from bot.store import StaffRecord, StaffStatus, Store, Transaction
from bot.store.report_repo import ReportRecord

EXPORT_ACTOR = "privacy-export"
ERASE_ACTOR = "privacy-erase"
ERASED = "staff_erased"


class ErasureRefused(PolicybotError):
    """The person's data cannot be erased yet; the message says what to do first."""


def _platform_keys(staff_id: str, person: StaffRecord | None) -> set[str]:
    """Every id a conversation of theirs may be keyed by: the console's staff id and their platform ids."""
    ids = {staff_id}
    if person is not None:
        ids |= {i for i in (person.slack_id, person.teams_id) if i}
    return ids


def _about(report: ReportRecord, staff_id: str) -> bool:
    return staff_id in report.subjects


def _names(report: ReportRecord, staff_id: str) -> bool:
    """Whether the report names the person in any part (reporter, subject, recipient, acknowledger, approver)."""
    approvers = {d.get("by") for d in (report.approval or {}).get("decisions", [])}
    return (staff_id == report.reporter_id or staff_id in report.subjects or staff_id in report.routed_to
            or staff_id in report.readers or staff_id == report.acknowledged_by or staff_id in approvers)


def export_staff(store: Store, *, staff_id: str, now: datetime) -> dict[str, Any]:
    """Everything held about `staff_id` that they are entitled to, as JSON-ready data (dates as ISO text)."""
    with store.transaction(write=True) as tx:
        person = tx.staff.get(staff_id)
        reports = tx.reports.list()
        about_them = {r.reference for r in reports if _about(r, staff_id)}
        made = [r for r in reports if r.reporter_id == staff_id and r.reference not in about_them]
        for report in made:
            tx.audit.append(report, actor_id=EXPORT_ACTOR, action="exported", at=now,
                            detail=f"subject access request of {staff_id}")
        actions = [{"reference": e.reference, "action": e.action, "at": e.at}
                   for e in tx.audit.by_actor(staff_id) if e.reference not in about_them]
        data = tx.privacy.personal_data(staff_id, user_ids=_platform_keys(staff_id, person))
    if person is None and not made and not actions and not any(data.values()):
        raise PolicybotError(f"nothing is held about {staff_id!r} - check the staff id (policybot staff list)")
    export: dict[str, Any] = {
        "staff_id": staff_id,
        "exported_at": now,
        "staff_record": asdict(person) if person else None,
        "reports_made": [{"reference": r.reference, "form": r.form_id, "created_at": r.created_at,
                          "status": r.status, "summary": [list(f) for f in r.summary], "answers": r.answers,
                          "outcome": r.outcome} for r in made],
        "report_actions": actions,
        **data,
    }
    return _jsonable(export)


def erase_staff(store: Store, *, config: SchoolConfig, staff_id: str, now: datetime) -> dict[str, Any]:
    """Erase what may be erased of a former member of staff; returns what was deleted and what was kept."""
    if config.staff_by_id(staff_id) is not None:
        raise ErasureRefused(f"{staff_id} is still in the school file ({config.source}) - remove them from it "
                             "first, or the next start would load them again")
    with store.transaction(write=True) as tx:
        person = tx.staff.get(staff_id)
        if person is not None and person.current:
            raise ErasureRefused(f"{staff_id} is a current member of staff ({person.status.value}) - mark them as "
                                 "left first (policybot staff import, or the school file)")
        user_ids = _platform_keys(staff_id, person)
        kept = list(dict.fromkeys([*(r.reference for r in tx.reports.list() if _names(r, staff_id)),
                                   *(e.reference for e in tx.audit.by_actor(staff_id))]))
        deleted = tx.privacy.erase(staff_id, user_ids=user_ids)
        record = _erase_record(tx, person, keep_name=bool(kept))
        if person is None and not any(deleted.values()):
            raise PolicybotError(f"nothing is held about {staff_id!r} - check the staff id (policybot staff list)")
        school_id = person.school_id if person else config.schools[0].id
        summary = ", ".join(f"{count} {kind}" for kind, count in deleted.items() if count) or "nothing else"
        tx.privacy.log(school_id=school_id, action=ERASED, subject=staff_id, actor_id=ERASE_ACTOR, at=now,
                       detail=f"deleted {summary}; staff record {record}; kept {len(kept)} safeguarding report(s)")
    return {"staff_id": staff_id, "deleted": deleted, "staff_record": record, "reports_kept": kept}


def _erase_record(tx: Transaction, person: StaffRecord | None, *, keep_name: bool) -> str:
    """Reduce the staff record to what the kept reports need to make sense (who someone was), or delete it."""
    if person is None:
        return "none"
    if not keep_name:
        tx.privacy.delete_staff(person.id)
        return "deleted"
    tx.staff.update(replace(person, email=None, roles=("staff",), job_title=None, line_manager=None,
                            start_date=None, slack_id=None, teams_id=None, status=StaffStatus.LEFT))
    return "reduced to id, school and name"


def _jsonable(value: Any) -> Any:
    """Dates and datetimes as ISO text, tuples as lists, recursively."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
