"""The engine's own sentences (refusals, the escalation warning, quote layout) as YAML templates.

Kept out of Python so a school can reword them, and so every user-facing sentence lives in
one reviewable place (`intents/messages.yaml`). Templates use `{name}` placeholders filled
from the school's contacts and, for quotes, the clause.
"""

from __future__ import annotations

import string
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.answer.engine import Contacts

REQUIRED = ("empty", "refusal", "retrieval_intro", "escalation", "escalation_staff", "quote")
_FIELDS = {
    "school",
    "dsl",
    "deputy_dsl",
    "head",
    "who_to_ask",
    "mash",
    "lado",
    "police",
    "text",
    "title",
    "ref",
}


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
            names = {f for _, f, _, _ in string.Formatter().parse(str(template)) if f}
            unknown = names - _FIELDS
            if unknown:
                raise ConfigError(
                    f"{key}: unknown placeholder {{{', '.join(sorted(unknown))}}} - use {', '.join(sorted(_FIELDS))}",
                    file=str(path),
                    line=data.key_lines.get(key),
                )
        return cls({k: str(v).strip() for k, v in data.items()})

    def render(self, key: str, contacts: Contacts, **extra: str) -> str:
        return self._templates[key].format(**asdict(contacts), **extra)
