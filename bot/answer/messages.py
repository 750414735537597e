"""The engine's own sentences (refusals, the escalation warning, quote layout) as YAML templates.

Kept out of Python so a school can reword them, and so every user-facing sentence lives in
one reviewable place (`intents/messages.yaml`). Templates use `{name}` placeholders filled
from the school's contacts and, for quotes, the clause.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.answer.engine import Contacts

REQUIRED = ("empty", "refusal", "retrieval_intro", "escalation", "escalation_staff", "quote")
# The school's people and numbers (`Contacts`): every message and every intent's answer may name them.
CONTACT_FIELDS = frozenset({"school", "dsl", "deputy_dsl", "head", "who_to_ask", "mash", "lado", "police"})
_FIELDS = CONTACT_FIELDS | {"text", "title", "ref"}  # a quote's own


def unknown_placeholders(template: str, known: frozenset[str]) -> str | None:
    """What is wrong with a template's `{name}` placeholders, as the fix to make; None when nothing is."""
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError:
        return "a lone { or } - write {{ or }} for a brace that is not a placeholder"
    unknown = names - known
    if unknown:
        return f"unknown placeholder {{{', '.join(sorted(unknown))}}} - use {', '.join(sorted(known))}"
    return None


class Messages:
    def __init__(self, templates: dict[str, str]) -> None:
        self._templates = templates

    @classmethod
    def load(cls, path: Path) -> Messages:
        from bot.answer.schemas import MessagesFile
        from bot.yamlfile import load_yaml, validate

        data = load_yaml(path) or {}
        validate(MessagesFile, data, file=path)
        for key in REQUIRED:
            if not isinstance(data.get(key), str):
                raise ConfigError(
                    f"{key}: this message is required - add it as text",
                    file=str(path),
                    line=getattr(data, "line", None),
                )
        for key, template in data.items():
            problem = unknown_placeholders(str(template), _FIELDS)
            if problem:
                raise ConfigError(f"{key}: {problem}", file=str(path), line=data.key_lines.get(key))
        return cls({k: str(v).strip() for k, v in data.items()})

    def render(self, key: str, contacts: Contacts, **extra: str) -> str:
        # the fields read one by one: dataclasses.asdict deep-copies each (15 us a message, against 3)
        return self._templates[key].format(**{name: getattr(contacts, name) for name in CONTACT_FIELDS}, **extra)
