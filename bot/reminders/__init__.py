"""Reminders that run themselves: annual policy acknowledgement with staged chasing, induction, training,
policy review and consent refresh (each a campaign in intents/campaigns/), and compliance.

`build_reminders(store, config=...)` gives a `Reminders` whose `run_due(now=...)` is the one sweep (the
worker's clock, `policybot reminders run-due`, and `chat` in-process); `AcknowledgementDesk` is the
chat side (acknowledge, read first, ask first, pending, "who hasn't acknowledged?", training done, confirming
a joiner); `compliance_rows` gives the figures per policy and per school; `training_due` what a person still
has to do.
"""

from bot.reminders.campaigns import AcknowledgementCampaign, load_acknowledgement_campaign
from bot.reminders.chat import AcknowledgementDesk
from bot.reminders.compliance import compliance_rows, write_csv
from bot.reminders.service import Reminders, build_reminders
from bot.reminders.sweep import Queued
from bot.reminders.training import training_due

__all__ = [
    "AcknowledgementCampaign",
    "AcknowledgementDesk",
    "Queued",
    "Reminders",
    "build_reminders",
    "compliance_rows",
    "load_acknowledgement_campaign",
    "training_due",
    "write_csv",
]
