"""The one-pass JSON of Bot Framework models (bot.channels.teams.wire) is msrest's JSON, byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    CardAction,
    ChannelAccount,
    ConversationReference,
    Mention,
    SuggestedActions,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from fake_bot_connector import message
from hypothesis import given, settings
from hypothesis import strategies as st
from msrest import Serializer

from bot.channels.teams.bot import personal_reference
from bot.channels.teams.cards import card_activity
from bot.channels.teams.wire import FastBodySerializer, NotPlain, model_json, serialized
from bot.core.replies import Choice, Choices, Quote, Reply, Summary, Text

MODELS = ConnectorClient(MicrosoftAppCredentials(None, None), base_url="http://127.0.0.1:9").conversations._serialize
MSREST = Serializer(MODELS.dependencies)
FAST = FastBodySerializer(MODELS.dependencies)


def incoming(text: str = "hello") -> Activity:
    return Activity().deserialize(message(text, service_url="http://127.0.0.1:9/", aad_object_id="aad-1",
                                          activity_id="act-1"))


def reply_to(activity: Activity, replies: list[Reply]) -> Activity:
    """A card as botbuilder sends it in a turn: the conversation reference applied."""
    card = card_activity(replies, send_label="Send", summary="New message")
    return TurnContext.apply_conversation_reference(card, TurnContext.get_conversation_reference(activity))


def wire(serializer: Serializer, activity: Activity) -> str:
    """The body as it goes on the wire (key order included)."""
    return json.dumps(serializer.body(activity, "Activity"))


EVERY_REPLY: list[Reply] = [
    Text("Decline the request.\n- tell the DSL\n1. today"),
    Quote("social-media", "Social Media Policy", "4.2", "Staff must not accept *friend* requests [from pupils]."),
    Choices("Was this helpful?", (Choice("Yes", "yes"), Choice("No", "no"))),
    Choices("Which platforms?", (Choice("Instagram", "instagram"), Choice("TikTok", "tiktok")), multi=True),
    Summary("Your report"),
    Summary("Your report", (("Pupil", "A. N. Other"), ("When", "Today, 9am"))),
]


@pytest.mark.parametrize("replies", [[reply] for reply in EVERY_REPLY] + [EVERY_REPLY], ids=lambda r: str(len(r)))
def test_every_card_the_bot_sends_is_written_as_msrest_writes_it(replies: list[Reply]) -> None:
    activity = reply_to(incoming(), replies)
    assert wire(FAST, activity) == wire(MSREST, activity)
    model_json(activity, MODELS.dependencies)  # and by the fast path, not by falling back to msrest


def test_text_replies_and_richer_activities_match_msrest() -> None:
    base = incoming()
    when = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    richer = [
        TurnContext.apply_conversation_reference(Activity(type=ActivityTypes.message, text="Thank you"),
                                                 TurnContext.get_conversation_reference(base)),
        Activity(type="message", timestamp=when, local_timestamp=when, text="x", channel_data={"tenant": {"id": "t"}},
                 value={"value": "ack PC-2026-0001", "nested": [1, 2.5, True, None, {"a": "b"}]},
                 entities=[Mention(mentioned=ChannelAccount(id="u1", name="Ann"), text="<at>Ann</at>", type="mention")],
                 suggested_actions=SuggestedActions(to=["u1"], actions=[CardAction(type="imBack", title="Yes",
                                                                                   value="yes")])),
        Activity(type="message", attachments=[Attachment(content_type="text/plain", content="plain")]),
    ]
    for activity in richer:
        assert wire(FAST, activity) == wire(MSREST, activity)


@pytest.mark.parametrize("odd", [
    Activity(type="message", from_property={"id": "u1", "name": "a dict where a model belongs"}),
    Activity(type="message", value={"when": datetime(2026, 1, 1, tzinfo=UTC)}),
    Activity(type="message", value={"tuple": (1, 2)}),
    Activity(type="message", value={1: "a key that is not a string"}),
    Activity(type="message", text=42),
], ids=["dict-for-model", "datetime-in-object", "tuple-in-object", "int-key", "int-for-str"])
def test_what_the_fast_path_does_not_know_is_left_to_msrest(odd: Activity) -> None:
    with pytest.raises(NotPlain):
        model_json(odd, MODELS.dependencies)
    assert wire(FAST, odd) == wire(MSREST, odd)


def test_a_stored_conversation_reference_is_what_msrest_serializes() -> None:
    activity = incoming()
    reference = TurnContext.get_conversation_reference(activity)
    assert serialized(reference) == reference.serialize()
    reference.activity_id = None
    stored = personal_reference(activity)
    assert stored == reference.serialize()
    assert "activityId" not in stored  # the person's chat, not a reply to this one message
    assert ConversationReference.deserialize(stored).conversation.id == activity.conversation.id


_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
_CHOICES = st.lists(st.builds(Choice, _TEXT, _TEXT), min_size=1, max_size=4).map(tuple)
_REPLY: st.SearchStrategy[Any] = st.one_of(
    st.builds(Text, _TEXT),
    st.builds(Quote, _TEXT, _TEXT, _TEXT, _TEXT),
    st.builds(Choices, _TEXT, _CHOICES, st.booleans()),
    st.builds(Summary, _TEXT, st.lists(st.tuples(_TEXT, _TEXT), max_size=3).map(tuple)),
)


@settings(max_examples=150, deadline=None)
@given(replies=st.lists(_REPLY, min_size=1, max_size=5), said=_TEXT)
def test_any_replies_to_any_message_are_written_as_msrest_writes_them(replies: list[Reply], said: str) -> None:
    activity = reply_to(incoming(said), replies)
    assert wire(FAST, activity) == wire(MSREST, activity)
