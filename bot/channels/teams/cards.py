"""The core's replies as one Adaptive Card per message (Teams renders cards; it has no Block Kit).

Buttons are `Action.Submit`, which every Teams client supports: Teams posts the button's `data` back as the
activity's `value`, and `{"value": ...}` is exactly the string the core asked for (`ack PC-2026-0001`,
`yes`, a form id). A question where several options may be ticked is an `Input.ChoiceSet` named `value`,
so the ticked values come back comma-separated, as the core reads them.

Text is the core's plain text: a card is built as data (never by pasting strings into JSON), and Teams'
Markdown characters are escaped, so whatever a user typed is shown as typed, never formatted or linked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.core.replies import Choices, Quote, Reply, Summary, Text

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
#: 1.5 is the newest schema Teams renders on desktop, web and mobile.
CARD_VERSION = "1.5"
#: The name of the submitted field: Action.Submit data and a multi-select input both send it.
VALUE = "value"

#: What Teams' card Markdown acts on: emphasis (* _), links ([text](url)), and the escape itself.
_MARKDOWN = re.compile(r"([\\*_\[\]])")
_LIST_START = re.compile(r"^(\s*)(-|\d+\.)(\s)", re.MULTILINE)


def plain(text: str) -> str:
    """`text` with Teams' Markdown disarmed: emphasis, links and list markers are shown, not rendered."""
    return _LIST_START.sub(r"\1\\\2\3", _MARKDOWN.sub(r"\\\1", text))


def _text_blocks(text: str, **style: Any) -> list[dict[str, Any]]:
    """A TextBlock per line: Adaptive Cards join single newlines, and the core's line breaks matter (lists)."""
    lines = text.split("\n")
    return [{"type": "TextBlock", "text": plain(line) or " ", "wrap": True,
             **({"spacing": "None"} if n and lines[n - 1] else {}), **style} for n, line in enumerate(lines)]


def _choices(reply: Choices, send_label: str) -> list[dict[str, Any]]:
    prompt = _text_blocks(reply.prompt, weight="Bolder")
    if reply.multi:
        picker = {"type": "Input.ChoiceSet", "id": VALUE, "isMultiSelect": True, "style": "expanded",
                  "choices": [{"title": o.label, "value": o.value} for o in reply.options]}
        actions = [{"type": "Action.Submit", "title": send_label}]
        return [*prompt, picker, {"type": "ActionSet", "actions": actions}]
    actions = [{"type": "Action.Submit", "title": o.label, "data": {VALUE: o.value}} for o in reply.options]
    return [*prompt, {"type": "ActionSet", "actions": actions}]


def _body(reply: Reply, send_label: str) -> list[dict[str, Any]]:
    if isinstance(reply, Text):
        return _text_blocks(reply.text)
    if isinstance(reply, Quote):
        return [{"type": "Container", "style": "emphasis", "items": [
            *_text_blocks(reply.text, isSubtle=False),
            {"type": "TextBlock", "text": plain(reply.citation), "wrap": True, "isSubtle": True, "size": "Small"},
        ]}]
    if isinstance(reply, Choices):
        return _choices(reply, send_label)
    if isinstance(reply, Summary):
        title = _text_blocks(reply.title, weight="Bolder", size="Medium")
        if not reply.fields:
            return title  # a heading (the home page's sections)
        return [*title, {"type": "FactSet", "facts": [{"title": plain(label), "value": plain(value)}
                                                      for label, value in reply.fields]}]
    raise TypeError(f"no Adaptive Card rendering for {type(reply).__name__}")


def adaptive_card(replies: Sequence[Reply], *, send_label: str) -> dict[str, Any]:
    """The replies of one turn (or one outbox message) as one card, in order."""
    body = [block for reply in replies for block in _body(reply, send_label)]
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "body": body, "msteams": {"width": "Full"}}


def card_activity(replies: Sequence[Reply], *, send_label: str, summary: str) -> Activity:
    """A message activity carrying the card; `summary` is the notification preview, so it says nothing
    of a report's contents."""
    return Activity(type=ActivityTypes.message, summary=summary, attachments=[
        Attachment(content_type=ADAPTIVE_CARD, content=adaptive_card(replies, send_label=send_label))])


def submitted_value(value: object) -> str | None:
    """The string a card's button (or multi-select) sent back, or None when the value is not one of ours."""
    if isinstance(value, dict) and isinstance(value.get(VALUE), str):
        return value[VALUE]
    return None
