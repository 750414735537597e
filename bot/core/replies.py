"""Platform-neutral replies: what the core says, before any channel decides how it looks.

The console prints them, Slack renders Block Kit and Teams renders Adaptive Cards from the
same objects; no feature ever builds platform markup itself. Every reply is plain data that
round-trips through JSON (`to_dict` / `reply_from_dict`) so that messages to other people
can wait in the outbox as rows.

Text in replies is plain text: a channel escapes it for its own markup, so whatever a
user typed is shown, never executed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph of plain text."""

    text: str
    kind: ClassVar[str] = "text"


@dataclass(frozen=True, slots=True)
class Quote:
    """A clause quoted verbatim, with what a reader needs to find it in the policy."""

    policy_id: str
    policy_title: str
    ref: str
    text: str
    kind: ClassVar[str] = "quote"

    @property
    def citation(self) -> str:
        return f"{self.policy_title}, {self.ref}"


@dataclass(frozen=True, slots=True)
class Choice:
    """One option the user can pick; `value` is what the core receives back when it is picked."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Choices:
    """A question with options: buttons in Slack and Teams, a numbered list in the console.

    `multi` allows several options to be picked (sent back comma-separated).
    """

    prompt: str
    options: tuple[Choice, ...]
    multi: bool = False
    kind: ClassVar[str] = "choices"


@dataclass(frozen=True, slots=True)
class Summary:
    """A titled list of label/value pairs, e.g. the answers of a report before it is sent."""

    title: str
    fields: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    kind: ClassVar[str] = "summary"


Reply = Text | Quote | Choices | Summary

_KINDS: dict[str, type] = {cls.kind: cls for cls in (Text, Quote, Choices, Summary)}


def to_dict(reply: Reply) -> dict[str, Any]:
    """A JSON-safe dict that `reply_from_dict` turns back into the same reply."""
    return {"kind": reply.kind, **asdict(reply)}


def reply_from_dict(data: dict[str, Any]) -> Reply:
    """Rebuild a reply stored with `to_dict`; an unknown kind is a programming error."""
    data = dict(data)
    cls = _KINDS[data.pop("kind")]
    if cls is Choices:
        data["options"] = tuple(Choice(**o) for o in data["options"])
    if cls is Summary:
        data["fields"] = tuple(tuple(f) for f in data["fields"])
    return cls(**data)
