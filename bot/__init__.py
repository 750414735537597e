"""policybot: answers staff questions from their school's own social-media policy.

The package is a channel-agnostic core (answers, reports, reminders) with thin channel
adapters (console, Slack, Teams). See ../shared/DESIGN.md for the architecture.
"""

__version__ = "0.1.0"
