"""The reports service: stores a finished form as a report, routes it, and tracks it to acknowledgement.

Every change is one transaction that also queues the messages it causes in the outbox, so a report is
never stored without its alerts, nor alerts sent for a report that was not stored; the caller tells
the reporter only after `submit` returns (the commit). Reads go through `read`, which refuses anyone
not entitled (the subject of a concern always) and audits both the view and the refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.replies import Choice, Choices, Reply, Summary, Text, to_dict
from bot.errors import PolicybotError
from bot.forms import FormSet, Submitted
from bot.reports.export import export_text
from bot.reports.messages import ReportMessages
from bot.reports.routing import Directory, RoutingRules, escalation_targets, route
from bot.school import SchoolConfig
from bot.store import Store, Transaction
from bot.store.report_repo import ReportRecord


class ReportAccessRefused(PolicybotError):
    """The staff member may not read this report (the refusal is already in the audit trail)."""


class ReportNotFound(PolicybotError):
    """No report has this reference."""


#: The outbox kind of an alert to someone copied for information (they may read the report, not act on it).
COPY = "copy"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _key(reference: str, kind: str, recipient: str) -> str:
    """An outbox message's idempotency key: one message of each kind per report and recipient."""
    return f"report:{reference}:{kind}:{recipient}"


def _kind(key: str) -> str:
    """The kind of a report message from its key (see `_key`)."""
    return key.split(":")[2]


def may_read(report: ReportRecord, staff_id: str) -> bool:
    """The reporter and the people and roles it was routed to may read it; the subject never may, nor an
    approver whose turn has not come (they are asked, and may read it, only once the earlier ones approve)."""
    if staff_id in report.subjects:
        return False
    if staff_id == report.reporter_id:
        return True
    return staff_id in report.readers and not _waiting_approver(report, staff_id)


def _waiting_approver(report: ReportRecord, staff_id: str) -> bool:
    """An approver not yet asked: in the chain but not yet among the people the request was sent to."""
    chain = report.approval["chain"] if report.approval else []
    return staff_id in chain and staff_id not in report.routed_to


class ReportDesk:
    """One per process; holds no per-report state (everything is in the store)."""

    def __init__(self, store: Store, *, forms: FormSet, rules: RoutingRules, messages: ReportMessages,
                 schools: SchoolConfig, clock: Callable[[], datetime] = _utc_now) -> None:
        self.store = store
        self.forms = forms
        self.rules = rules
        self.messages = messages
        self._clock = clock
        # Each school's rules (its own over its trust's over intents/routing.yaml), built and checked once.
        self._school_rules = {s.id: rules.for_school(schools.routing_for(s.id)) for s in schools.schools}

    def rules_for(self, school_id: str) -> RoutingRules:
        """The routing rules a report of `school_id` follows."""
        return self._school_rules.get(school_id, self.rules)

    # -- submitting -----------------------------------------------------------------------------

    def submit(self, submitted: Submitted, *, reporter_id: str, school_id: str,
               finish: Callable[[Transaction], None] | None = None) -> ReportRecord:
        """Store, route and queue the alerts of a finished form, atomically; returns the stored report.
        `finish` runs in the same transaction (the conversation deletes the sent form's state there)."""
        now = self._clock()
        form = self.forms.get(submitted.form_id)
        with self.store.transaction(write=True) as tx:
            directory = Directory(tx.staff.current(school_id=school_id))
            reporter = tx.staff.get(reporter_id)
            routing = route(self.rules_for(school_id), form_id=form.id, answers=submitted.answers, reporter=reporter,
                            subjects=submitted.subjects, directory=directory)
            number = tx.reports.next_reference_number(prefix=form.ref_prefix, year=now.year)
            approval = ({"chain": list(routing.approvers), "position": 0, "decisions": []}
                        if routing.approvers else None)
            report = tx.reports.add(ReportRecord(
                reference=form.reference(year=now.year, number=number), school_id=school_id, form_id=form.id,
                reporter_id=reporter_id, answers=submitted.answers, summary=submitted.summary,
                urgent=submitted.urgent, status="submitted", subjects=submitted.subjects,
                routed_to=tuple(dict.fromkeys((*routing.to, *routing.copied, *routing.approvers[:1]))),
                readers=routing.readers, notes=routing.notes, approval=approval, created_at=now, updated_at=now,
                escalate_at=now + timedelta(minutes=self.rules.escalation.after_minutes) if submitted.urgent else None,
            ))
            tx.audit.append(report, actor_id=reporter_id, action="submitted", at=now)
            who = self._name(tx, reporter_id)
            for staff_id in routing.to:
                self._queue(tx, report, staff_id, "alert", self._alert(report, who, self.messages.alert))
            for staff_id in routing.copied:
                self._queue(tx, report, staff_id, COPY, self._alert(report, who, self.messages.alert_copy, copy=True))
            if routing.approvers:
                self._queue(tx, report, routing.approvers[0], "approval-0", self._approval_request(report, who))
            if finish is not None:
                finish(tx)
        return report

    # -- reading --------------------------------------------------------------------------------

    def read(self, reference: str, *, reader_id: str, action: str = "viewed") -> ReportRecord:
        """The report, if `reader_id` may read it (audited as `action`); else ReportAccessRefused (audited)."""
        now = self._clock()
        with self.store.transaction(write=True) as tx:
            report = tx.reports.get(reference.upper())
            if report is None:
                raise ReportNotFound(self.messages.not_found.format(reference=reference))
            allowed = may_read(report, reader_id)
            tx.audit.append(report, actor_id=reader_id, action=action if allowed else "refused",
                            detail=None if allowed else f"{action} refused", at=now)
        if not allowed:
            raise ReportAccessRefused(self.messages.refused.format(reference=report.reference))
        return report

    def readable_by(self, staff_id: str) -> list[ReportRecord]:
        """The reports `staff_id` may read (listing shows no details, so it is not a view)."""
        with self.store.transaction() as tx:
            return [r for r in tx.reports.list() if may_read(r, staff_id)]

    def show(self, report: ReportRecord) -> list[Reply]:
        """A report as replies, for someone entitled to read it."""
        form = self.forms.get(report.form_id)
        m = self.messages
        with self.store.transaction() as tx:
            reporter = self._name(tx, report.reporter_id)
        status = m.report_status.format(status=report.status, reporter=reporter,
                                        created=report.created_at.strftime("%d %b %Y %H:%M UTC"),
                                        urgency=m.urgent if report.urgent else m.not_urgent)
        replies: list[Reply] = [Summary(m.report_title.format(reference=report.reference, title=form.title),
                                        report.summary), Text(status)]
        replies += [Text(note) for note in report.notes]
        if report.outcome:
            replies.append(Text(f"Outcome: {report.outcome}"))
        return replies

    def audit_trail(self, reference: str) -> list[tuple[str, str, str]]:
        """(when, actor, action) in order: every view, change and refusal of the report."""
        with self.store.transaction() as tx:
            return [(f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor_id, e.action) for e in tx.audit.trail(reference.upper())]

    def export(self, reference: str, *, reader_id: str) -> str:
        """The report as a plain-text document, if `reader_id` may read it (audited as an export)."""
        report = self.read(reference, reader_id=reader_id, action="exported")
        with self.store.transaction() as tx:
            names = {p.id: p.name for p in tx.staff.list(school_id=report.school_id)}
        return export_text(report, forms=self.forms, name_of=lambda i: names.get(i, i),
                           trail=self.audit_trail(report.reference))

    # -- acting on a report ---------------------------------------------------------------------

    def acknowledge(self, reference: str, *, staff_id: str) -> list[Reply]:
        m = self.messages
        now = self._clock()
        with self.store.transaction(write=True) as tx:
            report = self._for_recipient(tx, reference, staff_id)
            if isinstance(report, list):
                return report
            if report.status in ("acknowledged", "closed"):
                by = self._name(tx, report.acknowledged_by or "")
                return [Text(m.already_acknowledged.format(reference=report.reference, name=by))]
            report = tx.reports.update(replace(report, status="acknowledged", acknowledged_by=staff_id,
                                               acknowledged_at=now, escalate_at=None), now=now)
            tx.audit.append(report, actor_id=staff_id, action="acknowledged", at=now)
            title = self.forms.get(report.form_id).title
            self._queue(tx, report, report.reporter_id, "acknowledged", [Text(m.acknowledged_reporter.format(
                reference=report.reference, title=title, name=self._name(tx, staff_id)))])
            return [Text(m.acknowledged_actor.format(reference=report.reference,
                                                     reporter=self._name(tx, report.reporter_id)))]

    def close(self, reference: str, *, staff_id: str, outcome: str) -> list[Reply]:
        m = self.messages
        now = self._clock()
        outcome = outcome.strip()
        with self.store.transaction(write=True) as tx:
            report = self._for_recipient(tx, reference, staff_id)
            if isinstance(report, list):
                return report
            if report.status == "closed":
                return [Text(m.already_closed.format(reference=report.reference))]
            if not outcome:
                return [Text(m.close_needs_outcome.format(reference=report.reference))]
            report = self._close(tx, report, staff_id=staff_id, outcome=outcome, now=now)
            self._queue(tx, report, report.reporter_id, "closed", [Text(m.closed_reporter.format(
                reference=report.reference, title=self.forms.get(report.form_id).title,
                name=self._name(tx, staff_id), outcome=outcome))])
            return [Text(m.closed_actor.format(reference=report.reference,
                                               reporter=self._name(tx, report.reporter_id)))]

    def decide(self, reference: str, *, staff_id: str, approve: bool, reason: str = "") -> list[Reply]:
        """An approver's decision: approved goes to the next approver (or completes); declined ends it."""
        m = self.messages
        now = self._clock()
        reason = reason.strip()
        with self.store.transaction(write=True) as tx:
            report = tx.reports.get(reference.upper(), lock=True)  # changed below from what is read here
            if report is None:
                return [Text(m.not_found.format(reference=reference))]
            ref = report.reference
            if report.approval is None:
                tx.audit.append(report, actor_id=staff_id, action="refused", detail="no approval asked", at=now)
                return [Text(m.no_approval.format(reference=ref))]
            approval: dict[str, Any] = {**report.approval, "decisions": list(report.approval["decisions"])}
            chain, position = approval["chain"], approval["position"]
            if report.status == "closed" or position >= len(chain) or chain[position] != staff_id:
                tx.audit.append(report, actor_id=staff_id, action="refused", detail="not their turn", at=now)
                return [Text(m.not_your_turn.format(reference=ref))]
            if not approve and not reason:
                return [Text(m.decline_needs_reason.format(reference=ref))]
            approval["decisions"].append({"by": staff_id, "approved": approve, "reason": reason or None,
                                          "at": now.isoformat()})
            approval["position"] = position + 1
            title, name = self.forms.get(report.form_id).title, self._name(tx, staff_id)
            reporter = self._name(tx, report.reporter_id)
            report = replace(report, approval=approval, acknowledged_by=report.acknowledged_by or staff_id,
                             acknowledged_at=report.acknowledged_at or now)
            tx.audit.append(report, actor_id=staff_id, action="approved" if approve else "declined", at=now,
                            detail=f"step {position + 1} of {len(chain)}")
            if not approve:
                report = self._close(tx, report, staff_id=staff_id, outcome=f"declined: {reason}", now=now)
                self._queue(tx, report, report.reporter_id, f"declined-{position}", [Text(m.declined_reporter.format(
                    reference=ref, title=title, name=name, reason=reason))])
                return [Text(m.declined_actor.format(reference=ref, reporter=reporter))]
            if position + 1 < len(chain):
                following = chain[position + 1]
                report = tx.reports.update(replace(report, status="acknowledged", routed_to=tuple(
                    dict.fromkeys((*report.routed_to, following)))), now=now)
                self._queue(tx, report, report.reporter_id, f"approved-{position}", [Text(m.approved_step.format(
                    reference=ref, title=title, name=name, next=self._name(tx, following)))])
                self._queue(tx, report, following, f"approval-{position + 1}", self._approval_request(report, reporter))
            else:
                report = self._close(tx, report, staff_id=staff_id, outcome="approved", now=now)
                self._queue(tx, report, report.reporter_id, f"approved-{position}", [Text(m.approved_final.format(
                    reference=ref, title=title, name=name))])
                for recipient in self._acting_after_approval(report):
                    self._queue(tx, report, recipient, "approved", [Text(m.approved_to.format(
                        reference=ref, title=title, name=name))])
            return [Text(m.approved_actor.format(reference=ref, reporter=reporter))]

    @staticmethod
    def _acting_after_approval(report: ReportRecord) -> list[str]:
        """The `to` recipients of an approval form, who act once it is approved (e.g. the ICT technician)."""
        chain = report.approval["chain"] if report.approval else []
        # routed_to holds the `to` recipients and every approver asked so far
        return [p for p in report.routed_to if p not in chain]

    # -- escalation -----------------------------------------------------------------------------

    def escalate_due(self, *, now: datetime) -> list[str]:
        """Send every urgent report not acknowledged in time one step up the chain (deputy DSL, then the
        Head by default); returns the references escalated. Safe to run from several processes."""
        minutes = self.rules.escalation.after_minutes
        escalated = []
        with self.store.transaction(write=True) as tx:
            for report in tx.reports.escalation_due(now=now):
                level = report.escalation_level + 1
                directory = Directory(tx.staff.current(school_id=report.school_id))
                targets = escalation_targets(self.rules, level=level, directory=directory,
                                             subjects=report.subjects)
                if targets is None:
                    tx.reports.update(replace(report, escalate_at=None), now=now)
                    continue
                # Someone only copied (the Head on a pupil contact) is now asked to act, so is alerted too.
                new = [t for t in targets if t != report.reporter_id
                       and (t not in report.routed_to or not self._acts_on(tx, report, t))]
                updated = tx.reports.update(replace(
                    report, escalation_level=level, escalate_at=now + timedelta(minutes=minutes),
                    routed_to=tuple(dict.fromkeys((*report.routed_to, *new))),
                    readers=tuple(dict.fromkeys((*report.readers, *new)))), now=now)
                tx.audit.append(updated, actor_id="policybot", action="escalated",
                                detail=f"level {level}: {', '.join(new) or 'nobody new'}", at=now)
                who = self._name(tx, report.reporter_id)
                for staff_id in new:
                    alert = self._alert(updated, who, self.messages.escalated, minutes=minutes * level)
                    self._queue(tx, updated, staff_id, f"escalated-{level}", alert)
                escalated.append(report.reference)
        return escalated

    # -- helpers --------------------------------------------------------------------------------

    def _for_recipient(self, tx: Transaction, reference: str, staff_id: str) -> ReportRecord | list[Reply]:
        report = tx.reports.get(reference.upper(), lock=True)  # the caller changes it from what it reads here
        if report is None:
            return [Text(self.messages.not_found.format(reference=reference))]
        if staff_id not in report.routed_to or staff_id in report.subjects:
            tx.audit.append(report, actor_id=staff_id, action="refused", detail="not a recipient", at=self._clock())
            return [Text(self.messages.not_a_recipient.format(reference=report.reference))]
        if not self._acts_on(tx, report, staff_id):
            tx.audit.append(report, actor_id=staff_id, action="refused", detail="copied only", at=self._clock())
            return [Text(self.messages.copied_only.format(reference=report.reference))]
        return report

    @staticmethod
    def _acts_on(tx: Transaction, report: ReportRecord, staff_id: str) -> bool:
        """Whether `staff_id` was sent the report to act on it (alerted, escalated to, asked to approve), not
        only copied. What each person was sent, and why, is the outbox's record for this report."""
        kinds = {_kind(key) for key in tx.outbox.report_keys(reference=report.reference, recipient_id=staff_id)}
        return bool(kinds - {COPY})

    def _close(self, tx: Transaction, report: ReportRecord, *, staff_id: str, outcome: str,
               now: datetime) -> ReportRecord:
        closed = tx.reports.update(replace(report, status="closed", outcome=outcome, closed_at=now,
                                           escalate_at=None), now=now)
        tx.audit.append(closed, actor_id=staff_id, action="closed", at=now)
        return closed

    def _alert(self, report: ReportRecord, reporter: str, template: str, *, copy: bool = False,
               **extra: object) -> list[Reply]:
        """Who, which form, how urgent, the reference and how to open it: never the details. A copy offers
        only to open it: those copied read, the people it is sent to act."""
        m = self.messages
        title = self.forms.get(report.form_id).title
        text = template.format(reporter=reporter, title=title, reference=report.reference,
                               urgency=m.urgent if report.urgent else m.not_urgent, **extra)
        ref = report.reference
        if copy:
            return [Text(text), Choices(m.how_to_open_copy.format(reference=ref), (Choice(m.open_it, f"show {ref}"),))]
        return [Text(text), Choices(m.how_to_open.format(reference=ref),
                                    (Choice(m.open_it, f"show {ref}"), Choice(m.acknowledge_it, f"ack {ref}")))]

    def _approval_request(self, report: ReportRecord, reporter: str) -> list[Reply]:
        m = self.messages
        ref = report.reference
        text = m.approval_request.format(reporter=reporter, title=self.forms.get(report.form_id).title, reference=ref)
        return [Text(text), Choices(m.how_to_decide.format(reference=ref),
                                    (Choice(m.open_it, f"show {ref}"), Choice(m.approve_it, f"approve {ref}")))]

    def _queue(self, tx: Transaction, report: ReportRecord, recipient: str, kind: str,
               replies: Sequence[Reply]) -> None:
        tx.outbox.queue(school_id=report.school_id, recipient_id=recipient, replies=[to_dict(r) for r in replies],
                        idempotency_key=_key(report.reference, kind, recipient), now=self._clock(),
                        report_id=report.id)

    @staticmethod
    def _name(tx: Transaction, staff_id: str) -> str:
        person = tx.staff.get(staff_id)
        return person.name if person else staff_id
