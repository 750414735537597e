"""The reminders service: the configuration, policies and campaign a sweep and the chat need, loaded once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot import paths
from bot.policies.loader import load_policies
from bot.policies.model import Policy
from bot.reminders.campaigns import AcknowledgementCampaign, load_acknowledgement_campaign
from bot.reminders.consent import ConsentCampaign, consent_due, load_consent_campaign
from bot.reminders.induction import InductionCampaign, induction_due, load_induction_campaign
from bot.reminders.sweep import Queued, run_due
from bot.school import SchoolConfig
from bot.store import Store


@dataclass
class Reminders:
    store: Store
    config: SchoolConfig
    campaign: AcknowledgementCampaign
    policies: dict[str, Policy] = field(default_factory=dict)

    consent: ConsentCampaign | None = None
    induction: InductionCampaign | None = None

    def run_due(self, *, now: datetime) -> list[Queued]:
        """One sweep at `now` (see bot.reminders.sweep and .consent): what the clock, `run-due` and `chat` call."""
        queued = run_due(self.store, config=self.config, policies=self.policies, campaign=self.campaign, now=now)
        for school in self.config.schools:
            if self.induction is not None:
                queued += [Queued(staff=staff_id, campaign=self.induction.id, kind=step, items=())
                           for staff_id, step in induction_due(self.store, school=school, campaign=self.induction,
                                                               now=now)]
            if self.consent is not None:
                queued += [Queued(staff=recipient, campaign=self.consent.id, kind=kind, items=())
                           for recipient, kind in consent_due(self.store, school=school, campaign=self.consent,
                                                              now=now)]
        return queued

    def applicable(self, school_id: str) -> list[Policy]:
        """The policies a school's staff acknowledge, in the school file's order."""
        return [self.policies[p] for p in self.config.policies_for(school_id) if p in self.policies]


def build_reminders(store: Store, *, config: SchoolConfig, policies_dir: Path | None = None,
                    campaign: AcknowledgementCampaign | None = None) -> Reminders:
    """Load the applicable policies (from `policies_dir`, default policy_text/) and the campaign."""
    loaded = load_policies(policies_dir or paths.policy_dir(), only=config.all_policy_ids())
    return Reminders(store=store, config=config, campaign=campaign or load_acknowledgement_campaign(),
                     policies={p.id: p for p in loaded}, consent=load_consent_campaign(),
                     induction=load_induction_campaign())
