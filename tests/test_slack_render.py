"""Block Kit rendering: what a person typed is shown, never executed, and Slack's limits are met by splitting."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.channels.slack.app import COMMAND, EVENTS
from bot.channels.slack.render import (
    LABEL_CHARS,
    MESSAGE_BLOCKS,
    ROW_BUTTONS,
    SECTION_CHARS,
    blocks_for,
    chosen,
    escape,
    home_view,
    messages_for,
    unescape,
)
from bot.core.channel_messages import load_channel_messages
from bot.core.home import HomeSection
from bot.core.replies import Choice, Choices, Quote, Summary, Text
from bot.errors import ConfigError

MANIFEST = Path(__file__).resolve().parent.parent / "slack" / "manifest.yml"


def _texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_mentions_links_and_ampersands_typed_by_a_user_are_escaped() -> None:
    typed = "<!channel> ask <@U07HW88GQ27> about <http://evil.example|this> & that"
    assert escape(typed) == ("&lt;!channel&gt; ask &lt;@U07HW88GQ27&gt; about &lt;http://evil.example|this&gt;"
                             " &amp; that")
    assert unescape(escape(typed)) == typed
    summary = blocks_for(Summary("Check", (("What it said", typed),)), send_label="Send")
    message = messages_for([Text(typed), Summary("Check", (("What it said", typed),))], send_label="Send")[0]
    assert "<!channel>" not in str(summary) and "<!channel>" not in str(message.blocks) + message.text


def test_a_quote_is_quoted_with_its_citation() -> None:
    blocks = blocks_for(Quote("kaleidoscope-2024", "Social Media Policy", "4.1", "Staff must not..."), send_label="S")
    assert blocks[0]["text"]["text"] == "> Staff must not..."
    assert blocks[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "_Social Media Policy, 4.1_"}]}


def test_long_text_is_split_into_sections_slack_accepts() -> None:
    blocks = blocks_for(Text("word " * 2000), send_label="Send")
    assert len(blocks) > 1 and all(len(t) <= SECTION_CHARS for t in _texts(blocks))
    assert " ".join(_texts(blocks)).split() == ["word"] * 2000


def test_many_replies_are_spread_over_messages_of_at_most_fifty_blocks() -> None:
    quotes = [Quote("p", "Policy", str(n), f"clause {n}") for n in range(60)]  # two blocks each
    messages = messages_for(quotes, send_label="Send")
    assert len(messages) == 3 and all(len(m.blocks) <= MESSAGE_BLOCKS for m in messages)
    assert sum(len(m.blocks) for m in messages) == 120


def test_choices_become_buttons_carrying_the_value_the_core_wants_back() -> None:
    options = tuple(Choice("x" * 100 if n == 0 else f"Option {n}", f"value {n}") for n in range(30))
    blocks = blocks_for(Choices("Pick one", options), send_label="Send")
    rows = [b for b in blocks if b["type"] == "actions"]
    assert [len(r["elements"]) for r in rows] == [ROW_BUTTONS, 5]
    buttons = [e for r in rows for e in r["elements"]]
    assert [b["value"] for b in buttons] == [o.value for o in options]
    assert len({b["action_id"] for b in rows[0]["elements"]}) == ROW_BUTTONS  # unique within a block
    assert len(buttons[0]["text"]["text"]) == LABEL_CHARS


def test_a_multi_choice_is_checkboxes_and_a_send_button() -> None:
    blocks = blocks_for(Choices("Which?", tuple(Choice(f"L{n}", f"v{n}") for n in range(12)), multi=True),
                        send_label="Send")
    boxes = [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "checkboxes"]
    assert [len(b["options"]) for b in boxes] == [10, 2]
    assert blocks[-1]["elements"][0]["text"]["text"] == "Send"


def test_a_used_row_of_buttons_is_replaced_by_what_was_chosen() -> None:
    blocks = [{"type": "section", "block_id": "a"}, {"type": "actions", "block_id": "b", "elements": []}]
    assert chosen(blocks, "b", "You chose: Yes")[1] == {"type": "context", "block_id": "b",
                                                        "elements": [{"type": "mrkdwn", "text": "You chose: Yes"}]}
    assert chosen(blocks, "b", "x")[0] == blocks[0]


def test_the_home_view_keeps_within_a_views_hundred_blocks() -> None:
    sections = [HomeSection(f"s{n}", f"Section {n}", tuple(Text(f"line {i}") for i in range(30))) for n in range(5)]
    view = home_view([Text("Title")], sections, send_label="Send")
    assert view["type"] == "home" and len(view["blocks"]) <= 100


def test_the_manifest_asks_for_exactly_what_the_app_handles() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    events = {"message.im" if e == "message" else e for e in EVENTS}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == events
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    urls = {manifest["settings"]["event_subscriptions"]["request_url"],
            manifest["settings"]["interactivity"]["request_url"], manifest["features"]["slash_commands"][0]["url"]}
    assert urls == {"https://HOST/slack/events"}


def test_a_mistake_in_the_channel_texts_names_the_file_and_the_key(tmp_path: Path) -> None:
    shipped = yaml.safe_load((MANIFEST.parent.parent / "intents" / "channels.yaml").read_text())
    del shipped["slack"]["not_staff"]
    broken = tmp_path / "channels.yaml"
    broken.write_text(yaml.safe_dump(shipped))
    with pytest.raises(ConfigError, match="not_staff") as raised:
        load_channel_messages(broken)
    assert "channels.yaml" in str(raised.value)
