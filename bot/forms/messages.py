"""Everything the dialogue says that is not a form's own question: `intents/forms/_messages.yaml`.

Commands, re-asks, hints, summary labels, nudges and the privacy notice live here so that a school
can reword them without touching Python. Texts may use `{placeholders}`; each text accepts only the
ones listed in `_PLACEHOLDERS`, checked on load so a typo is a config error, not a crash mid-report.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

from pydantic import Field, PositiveInt

from bot.forms.model import Timing
from bot.yamlfile import ConfigModel


def _words() -> Any:
    return Field(min_length=1)


class PrivacyNotice(ConfigModel):
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)


class Commands(ConfigModel):
    """Words that mean a command at any step (compared ignoring case and surrounding punctuation)."""

    back: list[str] = _words()
    skip: list[str] = _words()
    cancel: list[str] = _words()
    help: list[str] = _words()


class Words(ConfigModel):
    """Words recognised as answers: yes/no, the confirmation's send/change, and how questions start."""

    yes: list[str] = _words()
    no: list[str] = _words()
    send: list[str] = _words()
    change: list[str] = _words()
    question_starts: list[str] = _words()


class Limits(ConfigModel):
    text_max_length: PositiveInt


class Labels(ConfigModel):
    """Short labels: buttons, the summary's rendering of answers."""

    yes: str
    no: str
    skipped: str
    send: str
    change: str
    cancel: str
    skip: str
    none_of_these: str
    back_to_summary: str
    date_format: str
    morning: str
    afternoon: str
    evening: str
    night: str
    year: str
    reception: str
    nursery: str


class Texts(ConfigModel):
    start: str
    optional: str
    help: str
    first_question: str
    skip_not_allowed: str
    question_resume: str
    current_answer: str
    summary_title: str
    urgent: str
    confirm: str
    change: str
    cancelled: str
    nudge: str
    expired: str
    resume_failed: str
    resumed: str
    submitted: str


class Hints(ConfigModel):
    """Said under a question, by answer type: how to answer it."""

    multi_choice: str
    datetime: str
    url: str
    url_multiple: str
    staff: str
    pupil: str
    pupil_multiple: str


class Invalid(ConfigModel):
    """Re-asks, said when an answer does not fit its question (the question follows again)."""

    empty: str
    text_too_long: str
    choice: str
    multi_choice: str
    yes_no: str
    datetime: str
    datetime_in_future: str
    datetime_in_past: str
    url: str
    staff_not_found: str
    staff_pick: str
    pupil: str
    pupil_full_name: str


# Which {placeholders} each text may use; anything else is a load error. These sections are always
# rendered with str.format (write {{ and }} for a literal brace); labels and hints are used as written.
_PLACEHOLDERS: dict[str, dict[str, set[str]]] = {
    "privacy_notice": {"title": set(), "text": {"expire_hours"}},
    "texts": {"start": set(), "optional": set(), "help": {"title"}, "first_question": set(),
              "skip_not_allowed": {"label"}, "question_resume": {"title"}, "current_answer": {"answer"},
              "summary_title": {"title"}, "urgent": set(), "confirm": set(), "change": set(),
              "cancelled": {"title"}, "nudge": {"title"}, "expired": {"title"}, "resume_failed": set(),
              "resumed": {"title"}, "submitted": {"title", "reference"}},
    "invalid": {"text_too_long": {"length", "max_length"}, "multi_choice": {"unknown"},
                "staff_not_found": {"query"}, "staff_pick": {"query"}},
}


class Messages(ConfigModel):
    """The whole of `_messages.yaml`."""

    privacy_notice: PrivacyNotice
    commands: Commands
    words: Words
    limits: Limits
    timing: Timing
    labels: Labels
    texts: Texts
    hints: Hints
    invalid: Invalid


def placeholder_problems(messages: Messages) -> Iterator[tuple[tuple[str, str], str]]:
    """Texts that use a placeholder they are not given, as (location, what to change)."""
    for section, allowed_by_field in _PLACEHOLDERS.items():
        for name, text in getattr(messages, section).model_dump().items():
            allowed = allowed_by_field.get(name, set())
            try:
                used = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
            except ValueError:
                yield (section, name), "has an unmatched { or } - write {{ and }} for literal braces"
                continue
            unknown = used - allowed
            if unknown:
                hint = (f"use only {', '.join('{' + a + '}' for a in sorted(allowed))}" if allowed
                        else "this text takes no placeholders (write {{ and }} for literal braces)")
                named = ", ".join("{" + u + "}" for u in sorted(unknown))
                yield (section, name), f"unknown placeholder {named} - {hint}"
