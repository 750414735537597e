"""Reminders that run themselves: annual policy acknowledgement with staged chasing, and compliance.

`build_reminders(store, config=...)` gives a `Reminders` whose `run_due(now=...)` is the one sweep (the
worker's clock, `policybot reminders run-due`, and `chat` in-process); `AcknowledgementDesk` is the
chat side (acknowledge, read first, ask first, pending, "who hasn't acknowledged?"); `compliance_rows`
gives the figures per policy and per school.
"""

from bot.reminders.campaigns import AcknowledgementCampaign, load_acknowledgement_campaign
from bot.reminders.chat import AcknowledgementDesk
from bot.reminders.compliance import compliance_rows, write_csv
from bot.reminders.service import Reminders, build_reminders
from bot.reminders.sweep import Queued, run_due

__all__ = [
    "AcknowledgementCampaign",
    "AcknowledgementDesk",
    "Queued",
    "Reminders",
    "build_reminders",
    "compliance_rows",
    "load_acknowledgement_campaign",
    "run_due",
    "write_csv",
]
