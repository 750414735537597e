"""Reports once a form is finished: routing by rules as data, the store, alerts, acknowledgement, escalation.

    desk = default_desk(store)                      # intents/forms, intents/routing.yaml, intents/reports.yaml
    report = desk.submit(submitted, reporter_id="r.ahmed", school_id="riverside")
    desk.read(report.reference, reader_id="d.price")     # audited; ReportAccessRefused if not entitled
    desk.acknowledge(report.reference, staff_id="d.price")
    escalate_due(store, now)                        # the worker's sweep for urgent reports
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.forms import FormSet, load_forms
from bot.reports.desk import ReportAccessRefused, ReportDesk, ReportNotFound, may_read
from bot.reports.export import export_text
from bot.reports.messages import ReportMessages, load_report_messages
from bot.reports.routing import Directory, Routing, RoutingRules, load_routing, route
from bot.school import SchoolConfig, load_school
from bot.store import Store


def default_desk(store: Store, *, forms: FormSet | None = None, schools: SchoolConfig | None = None,
                 clock: Callable[[], datetime] | None = None) -> ReportDesk:
    """A desk with the shipped forms, routing rules and texts, and the school file's own routing rules."""
    return ReportDesk(store, forms=forms or load_forms(), rules=load_routing(), messages=load_report_messages(),
                      schools=schools or load_school(), clock=clock or (lambda: datetime.now(UTC)))


def escalate_due(store: Store, now: datetime, *, desk: ReportDesk | None = None) -> list[str]:
    """One escalation sweep at `now`: every urgent report not acknowledged in time goes one step up
    its chain. Returns the references escalated; a second sweep at the same moment does nothing."""
    return (desk or default_desk(store)).escalate_due(now=now)


__all__ = [
    "Directory", "ReportAccessRefused", "ReportDesk", "ReportMessages", "ReportNotFound", "Routing",
    "RoutingRules", "default_desk", "escalate_due", "export_text", "load_report_messages", "load_routing",
    "may_read", "route",
]
