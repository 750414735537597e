"""`policybot check` for intents/campaigns/: every campaign file loads (errors name file and line), the
policies training follows exist, and review dates a policy file gives can be read."""

from __future__ import annotations

from collections.abc import Callable

from bot.errors import ConfigError
from bot.policies.model import Policy
from bot.reminders.campaigns import campaigns_dir, load_acknowledgement_campaign
from bot.reminders.consent import load_consent_campaign
from bot.reminders.induction import load_induction_campaign
from bot.reminders.policy_review import load_review_campaign, unreadable_review_dates
from bot.reminders.training import check_training_policies, load_training_campaign
from bot.staff.joiner_chat import load_joiner_messages

KNOWN_FILES = frozenset({"policy_acknowledgement.yaml", "consent_refresh.yaml", "induction.yaml", "training.yaml",
                         "policy_review.yaml", "joiners.yaml"})


def check_campaigns(*, policies: list[Policy], out_warning: Callable[[str], None]) -> list[str]:
    """Load every campaign file; raise ConfigError for the first that is wrong. Returns the files checked."""
    load_acknowledgement_campaign()
    load_consent_campaign()
    load_induction_campaign()
    load_review_campaign()
    load_joiner_messages()
    training = load_training_campaign()
    unknown = check_training_policies(training, (p.id for p in policies))
    if unknown:
        raise ConfigError(f"after_policy_change names policies that are not in policy_text/: {', '.join(unknown)}"
                          " - fix the ids or ingest the policies", file=str(campaigns_dir() / "training.yaml"))
    for problem in unreadable_review_dates(policies):
        out_warning(f"warning: review date not understood, no review reminders for {problem} - write it as e.g. "
                    "'November 2025' or '2025-11-06' in the policy file")
    files = sorted(p.name for p in campaigns_dir().glob("*.yaml"))
    for name in sorted(set(files) - KNOWN_FILES):
        out_warning(f"warning: {campaigns_dir() / name}: not a campaign the bot knows, so not used - the files are: "
                    + ", ".join(sorted(KNOWN_FILES)))
    return files
