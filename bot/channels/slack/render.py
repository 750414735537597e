"""The core's replies as Slack Block Kit, and Slack's text back as plain text.

Everything a person typed reaches Slack escaped (`&`, `<`, `>` as Slack's formatting rules ask), so
`<!channel>`, `<@U...>` and `<http://...|links>` in an answer are shown as typed, never executed. Choices
become buttons whose `value` is exactly what the core wants back; a multi-choice becomes checkboxes and a
send button. Slack's limits (3000 characters a section, 50 blocks a message, 25 buttons a row, 75
characters a button label, 100 blocks a view) are met by splitting, never by dropping content.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.home import HomeSection
from bot.core.replies import Choices, Quote, Reply, Summary, Text

Block = dict[str, Any]

SECTION_CHARS = 2900  # Slack allows 3000 in a section's text; room for the quote marks
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
ROW_BUTTONS = 25
LABEL_CHARS = 75
CHECKBOX_OPTIONS = 10
FALLBACK_CHARS = 3900  # chat.postMessage truncates `text` after 40,000; notifications show far less

#: Action ids: one handler for every button, the checkboxes of a multi-choice and its send button.
CHOICE = "choice"
MULTI_PICK = "multi-pick"
MULTI_SEND = "multi-send"
PRIVATE_TEXT = "private-text"  # the button offering a modal for a free-text answer, and that modal's callback
ANSWER_BLOCK, ANSWER_INPUT = "answer", "text"
INPUT_CHARS = 3000  # a plain_text_input's most


def escape(text: str) -> str:
    """Plain text for Slack's markup: only these three characters are control characters there."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """A message's text as the person typed it (Slack sends `&`, `<`, `>` escaped)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _chunks(text: str, size: int = SECTION_CHARS) -> Iterator[str]:
    """Pieces of at most `size` characters, broken at a line or word where there is one."""
    while len(text) > size:
        cut = max(text.rfind("\n", 0, size), text.rfind(" ", 0, size))
        cut = cut if cut > 0 else size
        yield text[:cut]
        text = text[cut:].lstrip("\n ")
    if text:
        yield text


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _plain(text: str, limit: int = LABEL_CHARS) -> dict[str, Any]:
    """A plain_text object (never interpreted), cut to Slack's limit for labels."""
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "\u2026",
            "emoji": False}


def _text_blocks(reply: Text) -> list[Block]:
    return [_section(escape(piece)) for piece in _chunks(reply.text)]


def _quote_blocks(reply: Quote) -> list[Block]:
    blocks = [_section("\n".join("> " + line for line in escape(piece).split("\n")))
              for piece in _chunks(reply.text)]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "_" + escape(reply.citation) + "_"}]})
    return blocks


def _choice_blocks(reply: Choices, send_label: str) -> list[Block]:
    blocks = [_section(escape(piece)) for piece in _chunks(reply.prompt)]
    if reply.multi:
        for start in range(0, len(reply.options), CHECKBOX_OPTIONS):
            options = [{"text": _plain(o.label), "value": o.value}
                       for o in reply.options[start:start + CHECKBOX_OPTIONS]]
            blocks.append({"type": "actions", "elements": [
                {"type": "checkboxes", "action_id": MULTI_PICK, "options": options}]})
        send = {"type": "button", "action_id": MULTI_SEND, "text": _plain(send_label), "style": "primary",
                "value": "send"}
        blocks.append({"type": "actions", "elements": [send]})
        return blocks
    for start in range(0, len(reply.options), ROW_BUTTONS):
        row = reply.options[start:start + ROW_BUTTONS]
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": f"{CHOICE}-{start + n}", "text": _plain(o.label), "value": o.value}
            for n, o in enumerate(row)]})
    return blocks


def _summary_blocks(reply: Summary) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": _plain(reply.title, 150)}]
    for label, value in reply.fields:
        for n, piece in enumerate(_chunks(value or "-", SECTION_CHARS - len(label) - 10)):
            heading = f"*{escape(label)}*\n" if n == 0 else ""
            blocks.append(_section(heading + escape(piece)))
    return blocks


def blocks_for(reply: Reply, *, send_label: str) -> list[Block]:
    """One reply as blocks. `send_label` names the button that sends a multi-choice's picks."""
    if isinstance(reply, Text):
        return _text_blocks(reply)
    if isinstance(reply, Quote):
        return _quote_blocks(reply)
    if isinstance(reply, Choices):
        return _choice_blocks(reply, send_label)
    if isinstance(reply, Summary):
        return _summary_blocks(reply)
    raise TypeError(f"no Block Kit rendering for {type(reply).__name__}")


def plain_text(reply: Reply) -> str:
    """A reply as the plain text of a notification (and of clients that cannot show blocks)."""
    if isinstance(reply, Text):
        return reply.text
    if isinstance(reply, Quote):
        return f"\"{reply.text}\" - {reply.citation}"
    if isinstance(reply, Choices):
        return reply.prompt
    return "\n".join([reply.title, *(f"{label}: {value}" for label, value in reply.fields)])


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """The arguments of one chat.postMessage: the blocks and their plain-text fallback."""

    text: str
    blocks: list[Block]


def messages_for(replies: Sequence[Reply], *, send_label: str) -> list[SlackMessage]:
    """Replies as as few messages as Slack's 50-block limit allows, each with its fallback text."""
    messages: list[SlackMessage] = []
    blocks: list[Block] = []
    texts: list[str] = []
    for reply in replies:
        reply_blocks = blocks_for(reply, send_label=send_label)
        for start in range(0, len(reply_blocks), MESSAGE_BLOCKS):  # a reply longer than a message spans several
            piece = reply_blocks[start:start + MESSAGE_BLOCKS]
            if blocks and len(blocks) + len(piece) > MESSAGE_BLOCKS:
                messages.append(_message(texts, blocks))
                blocks, texts = [], []
            blocks.extend(piece)
        texts.append(plain_text(reply))
    if blocks:
        messages.append(_message(texts, blocks))
    return messages


def _message(texts: list[str], blocks: list[Block]) -> SlackMessage:
    text = escape("\n\n".join(texts))
    return SlackMessage(text=text[:FALLBACK_CHARS], blocks=blocks)


def home_view(title: Sequence[Reply], sections: Sequence[HomeSection], *, send_label: str) -> dict[str, Any]:
    """The App Home tab: the title, then each section under its heading, within a view's 100 blocks."""
    blocks: list[Block] = []
    for reply in title:
        blocks += blocks_for(reply, send_label=send_label)
    for section in sections:
        part: list[Block] = [{"type": "divider"}, {"type": "header", "text": _plain(section.title, 150)}]
        for reply in section.replies:
            part += blocks_for(reply, send_label=send_label)
        if len(blocks) + len(part) > VIEW_BLOCKS:
            break
        blocks += part
    return {"type": "home", "blocks": blocks}


def modal_view(title: str, replies: Sequence[Reply], *, close: str, send_label: str) -> dict[str, Any]:
    """A modal showing replies (a report's details): read, then closed, leaving nothing in the DM history."""
    blocks: list[Block] = []
    for reply in replies:
        blocks += blocks_for(reply, send_label=send_label)
    return {"type": "modal", "title": _plain(title, 24), "close": _plain(close, 24), "blocks": blocks[:VIEW_BLOCKS]}


def private_text_button(label: str) -> Block:
    """Offered under a free-text question: answer in a modal instead, so the text is not left in the DM."""
    return {"type": "actions", "elements": [
        {"type": "button", "action_id": PRIVATE_TEXT, "text": _plain(label), "value": PRIVATE_TEXT}]}


def text_modal(prompt: str, *, title: str, hint: str, submit: str, close: str, max_length: int | None,
               optional: bool, metadata: str) -> dict[str, Any]:
    """A modal asking one free-text question; its answer comes back as a view_submission."""
    element = {"type": "plain_text_input", "action_id": ANSWER_INPUT, "multiline": True,
               "max_length": min(max_length or INPUT_CHARS, INPUT_CHARS)}
    return {"type": "modal", "callback_id": PRIVATE_TEXT, "title": _plain(title, 24), "submit": _plain(submit, 24),
            "close": _plain(close, 24), "private_metadata": metadata, "blocks": [
                {"type": "input", "block_id": ANSWER_BLOCK, "optional": optional, "label": _plain(prompt, 2000),
                 "element": element, "hint": _plain(hint, 2000)}]}


def chosen(blocks: Sequence[Block], block_id: str, note: str) -> list[Block]:
    """A message's blocks with the row of buttons that was used replaced by a note of what was picked, so
    a second click cannot answer the same question twice."""
    return [{"type": "context", "block_id": block_id, "elements": [{"type": "mrkdwn", "text": note}]}
            if b.get("block_id") == block_id else b for b in blocks]
