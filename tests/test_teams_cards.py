"""Adaptive Cards from the core's replies: what Teams shows, and what its buttons send back."""

from __future__ import annotations

import json

from bot.channels.teams.cards import adaptive_card, card_activity, plain, submitted_value
from bot.core.replies import Choice, Choices, Quote, Summary, Text


def test_markdown_a_user_typed_is_shown_not_rendered() -> None:
    assert plain("**bold** [link](https://evil.example) _x_") == r"\*\*bold\*\* \[link\](https://evil.example) \_x\_"
    assert plain("- not a list\n1. nor this") == "\\- not a list\n\\1. nor this"
    assert plain(r"a\b") == r"a\\b"


def test_card_json_a_user_typed_stays_text() -> None:
    typed = '{"type": "Action.OpenUrl", "url": "https://evil.example"}'
    card = adaptive_card([Text(typed)], send_label="Send")
    assert card["body"] == [{"type": "TextBlock", "text": typed, "wrap": True}]
    assert "Action.OpenUrl" not in json.dumps(card["body"][0]["type"])


def test_each_reply_kind_has_its_card_element() -> None:
    card = adaptive_card([
        Text("Line one\nLine two"),
        Quote(policy_id="p", policy_title="Social Media Policy", ref="4.1", text="Decline requests."),
        Choices("Pick one", (Choice("Yes", "yes"), Choice("No", "no"))),
        Summary("Your report", (("App", "Instagram"),)),
    ], send_label="Send")
    kinds = [block["type"] for block in card["body"]]
    assert kinds == ["TextBlock", "TextBlock", "Container", "TextBlock", "ActionSet", "TextBlock", "FactSet"]
    assert card["body"][1]["spacing"] == "None"  # a line break, not a new paragraph
    assert card["body"][2]["items"][-1]["text"] == "Social Media Policy, 4.1"
    assert card["body"][4]["actions"] == [{"type": "Action.Submit", "title": "Yes", "data": {"value": "yes"}},
                                          {"type": "Action.Submit", "title": "No", "data": {"value": "no"}}]
    assert card["body"][6]["facts"] == [{"title": "App", "value": "Instagram"}]


def test_several_options_are_ticked_and_sent_together() -> None:
    card = adaptive_card([Choices("Which?", (Choice("A", "a"), Choice("B", "b")), multi=True)], send_label="Send")
    picker, actions = card["body"][1], card["body"][2]
    assert picker["type"] == "Input.ChoiceSet" and picker["isMultiSelect"] and picker["id"] == "value"
    assert actions["actions"] == [{"type": "Action.Submit", "title": "Send"}]
    assert submitted_value({"value": "a,b"}) == "a,b"  # what Teams posts back for two ticks


def test_only_our_values_are_taken_from_a_submit() -> None:
    assert submitted_value({"value": "ack PC-2026-0001"}) == "ack PC-2026-0001"
    assert submitted_value({"other": "x"}) is None and submitted_value("text") is None


def test_the_notification_preview_is_the_fixed_summary() -> None:
    activity = card_activity([Text("A report about Zqx")], send_label="Send", summary="A message from policybot")
    assert activity.summary == "A message from policybot"
    assert activity.attachments[0].content_type == "application/vnd.microsoft.card.adaptive"
