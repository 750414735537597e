"""Reminder campaigns as data: `intents/campaigns/*.yaml`, validated on load with errors naming file:line.

The words staff read and the chasing schedule live in the YAML; this module only checks them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from bot import paths
from bot.errors import ConfigError
from bot.school import ROLE_NAMES
from bot.yamlfile import ConfigModel, load_yaml, validate

Kind = Literal["ask", "reminder", "escalation"]


class ChaseStep(ConfigModel):
    """One stage of chasing: sent `after_days` calendar days after the first ask, to `to`."""

    step: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    after_days: int = Field(ge=0)
    to: Literal["staff", "line_manager", "head"]
    kind: Kind


class AcknowledgementMessages(ConfigModel):
    ask: str
    ask_changed: str
    reminder: str
    escalation_header: str
    escalation: str
    agree: str
    read: str
    question: str
    recorded: str
    already: str
    question_prompt: str
    waiting_note: str
    pending_header: str
    pending_none: str
    unknown_policy: str
    outstanding_header: str
    outstanding_none: str
    outstanding_refused: str


class AcknowledgementCampaign(ConfigModel):
    """The annual acknowledgement of each applicable policy, with its staged chasing."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    declaration: str = Field(min_length=10)
    chase: tuple[ChaseStep, ...] = Field(min_length=1)
    compliance_roles: tuple[str, ...] = ("head",)
    messages: AcknowledgementMessages

    @model_validator(mode="after")
    def _schedule(self) -> AcknowledgementCampaign:
        first = self.chase[0]
        if first.after_days != 0 or first.to != "staff" or first.kind != "ask":
            raise ValueError("the first chase step must be the ask: after_days 0, to staff, kind ask")
        days = [s.after_days for s in self.chase]
        if days != sorted(set(days)):
            raise ValueError(f"chase steps must come on increasing days, got {days} - put them in order")
        if len({s.step for s in self.chase}) != len(self.chase):
            raise ValueError("two chase steps share a name - give each its own `step`")
        unknown = [r for r in self.compliance_roles if r not in ROLE_NAMES]
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)} in compliance_roles - use: {', '.join(ROLE_NAMES)}")
        return self


def campaigns_dir() -> Path:
    return paths.intents_dir() / "campaigns"


def load_acknowledgement_campaign(path: Path | None = None) -> AcknowledgementCampaign:
    """The acknowledgement campaign (default `intents/campaigns/policy_acknowledgement.yaml`)."""
    path = path or campaigns_dir() / "policy_acknowledgement.yaml"
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError("a campaign file must be a mapping with id, declaration, chase and messages", file=str(path))
    return validate(AcknowledgementCampaign, data, file=path)
