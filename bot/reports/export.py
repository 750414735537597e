"""A report as a plain-text document a DSL can attach to CPOMS or MyConcern, or to a LADO referral."""

from __future__ import annotations

from collections.abc import Callable

from bot.forms import FormSet
from bot.store.report_repo import ReportRecord


def export_text(report: ReportRecord, *, forms: FormSet, name_of: Callable[[str], str],
                trail: list[tuple[str, str, str]]) -> str:
    """The whole record: what was reported, by whom, to whom, what happened since (the audit trail as
    (when, who, what)). Only for someone `ReportDesk.read` has let read it."""
    form = forms.get(report.form_id)
    lines = [
        f"{form.title}",
        f"Reference: {report.reference}",
        f"School: {report.school_id}",
        f"Reported by: {name_of(report.reporter_id)} ({report.reporter_id})",
        f"Reported at: {report.created_at:%d %B %Y %H:%M} UTC",
        f"Urgent: {'yes' if report.urgent else 'no'}",
        f"Status: {report.status}" + (f" - outcome: {report.outcome}" if report.outcome else ""),
        f"Sent to: {', '.join(name_of(p) for p in report.routed_to)}",
    ]
    if report.acknowledged_by and report.acknowledged_at:
        when = f"{report.acknowledged_at:%d %B %Y %H:%M} UTC"
        lines.append(f"Acknowledged by: {name_of(report.acknowledged_by)} at {when}")
    lines += ["", "Details", "-------"]
    for label, value in report.summary:
        lines.append(f"{label}:")
        lines += [f"    {line}" for line in value.splitlines() or [""]]
    if report.notes:
        lines += ["", "Notes", "-----", *report.notes]
    lines += ["", "Record of access and changes", "----------------------------"]
    lines += [f"{when}  {who}  {what}" for when, who, what in trail]
    return "\n".join(lines) + "\n"
