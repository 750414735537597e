"""The words of the reports service (intents/reports.yaml), validated on load like every YAML file."""

from __future__ import annotations

from pathlib import Path

from bot.errors import ConfigError
from bot.paths import intents_dir
from bot.yamlfile import ConfigModel, load_yaml, validate


class ReportMessages(ConfigModel):
    picker: str
    picker_cancel: str
    picker_cancelled: str
    offer: str
    offer_yes: str
    offer_no: str
    declined_offer: str
    urgent: str
    not_urgent: str
    alert: str
    alert_copy: str
    escalated: str
    approval_request: str
    open_it: str
    acknowledge_it: str
    approve_it: str
    decline_it: str
    how_to_open: str
    how_to_open_copy: str
    how_to_decide: str
    acknowledged_reporter: str
    acknowledged_actor: str
    already_acknowledged: str
    closed_reporter: str
    closed_actor: str
    already_closed: str
    close_needs_outcome: str
    decline_needs_reason: str
    approved_step: str
    approved_final: str
    approved_to: str
    approved_actor: str
    declined_reporter: str
    declined_actor: str
    not_your_turn: str
    no_approval: str
    not_a_recipient: str
    copied_only: str
    refused: str
    not_found: str
    message_too_long: str
    report_title: str
    report_status: str
    no_reports: str
    your_reports: str


def load_report_messages(path: str | Path | None = None) -> ReportMessages:
    path = Path(path) if path is not None else intents_dir() / "reports.yaml"
    if not path.is_file():
        raise ConfigError("report texts not found - restore intents/reports.yaml (or set POLICYBOT_HOME)",
                          file=str(path))
    return validate(ReportMessages, load_yaml(path), file=path)
