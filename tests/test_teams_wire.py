"""The one-pass JSON of Bot Framework models (bot.channels.teams.wire) is msrest's JSON, byte for byte, and the
one-pass reading of an incoming activity is the model msrest makes of it."""

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
from fake_bot_connector import activity as teams_activity
from fake_bot_connector import message
from hypothesis import given, settings
from hypothesis import strategies as st
from msrest import Serializer
from msrest.exceptions import DeserializationError

from bot.channels.teams.bot import personal_reference
from bot.channels.teams.cards import card_activity
from bot.channels.teams.wire import FastBodySerializer, NotPlain, deserialized, model_from_json, model_json, serialized
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


# -- reading what Teams posts ----------------------------------------------------------------------------------

URL = "https://smba.trafficmanager.net/uk/"


def read_both(data: Any) -> tuple[Any, Any]:
    """(msrest's Activity of `data`, or the class of what it raised; the same from `deserialized`)."""
    results = []
    for read in (Activity.deserialize, lambda d: deserialized(Activity, d)):
        try:
            results.append(read(data))
        except Exception as exc:  # noqa: BLE001 - comparing what each raises
            results.append(type(exc))
    return results[0], results[1]


#: What Teams posts to a bot: messages typed and sent from cards, people and the app added, with the fields a real
#: tenant's activities carry (mentions, attachments, a local timestamp with its offset, keys the schema has no
#: name for), as `activity` in the tests' fake connector builds them.
TEAMS_POSTS: list[dict[str, Any]] = [
    message("can I follow a parent on instagram?", service_url=URL, aad_object_id="aad-1"),
    message(None, value={"value": "ack PC-2026-0001", "nested": [1, 2.5, True, None, {"a": "b"}]}, service_url=URL,
            aad_object_id="aad-1"),
    message("<at>policybot</at> hello", service_url=URL, aad_object_id="aad-1", conversation_type="channel",
            entities=[{"type": "mention", "text": "<at>policybot</at>", "mentioned": {"id": "28:bot", "name": "bot"}},
                      {"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web",
                       "timezone": "Europe/London"}],
            attachments=[{"contentType": "text/html", "content": "<div>hello</div>"}],
            localTimestamp="2026-11-24T10:00:00.123+00:00", localTimezone="Europe/London",
            textFormat="plain", replyToId="1:abc", rawTimestamp="2026-11-24T10:00:00.123Z", whatever={"x": [1]}),
    teams_activity("conversationUpdate", service_url=URL, aad_object_id="aad-2",
                   membersAdded=[{"id": "29:aad-2", "aadObjectId": "aad-2"}, {"id": "28:bot"}]),
    teams_activity("installationUpdate", service_url=URL, aad_object_id="aad-3", action="add"),
    {"type": "message"},
]


@pytest.mark.parametrize("posted", TEAMS_POSTS, ids=lambda p: str(p.get("type")))
def test_what_teams_posts_is_read_into_the_model_msrest_makes(posted: dict[str, Any]) -> None:
    ours = model_from_json(Activity, posted, Activity._infer_class_models())  # the fast path, no falling back
    assert ours == Activity.deserialize(posted)  # every attribute, additional_properties included (Model.__eq__)


@pytest.mark.parametrize("odd", [
    {"type": "message", "text": 42},
    {"type": "message", "timestamp": "last Tuesday"},
    {"type": "message", "from": "a string where an account belongs"},
    {"type": "message", "membersAdded": {"id": "not a list"}},
    {"type": "message", "historyDisclosed": "true"},
    ["a", "list"],
    "a string",
], ids=["int-for-str", "bad-date", "str-for-model", "dict-for-list", "str-for-bool", "list", "str"])
def test_what_the_fast_reading_does_not_know_is_left_to_msrest(odd: Any) -> None:
    with pytest.raises(NotPlain):
        model_from_json(Activity, odd, Activity._infer_class_models())
    msrest, ours = read_both(odd)
    assert ours == msrest


_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(base=st.sampled_from(TEAMS_POSTS), key=st.sampled_from(["text", "value", "from", "entities", "timestamp",
                                                               "conversation", "channelData", "membersAdded",
                                                               "unknownKey", "type"]), value=_JSON)
def test_any_value_in_any_field_is_read_as_msrest_reads_it(base: dict[str, Any], key: str, value: Any) -> None:
    msrest, ours = read_both({**base, key: value})
    assert ours == msrest


def test_a_body_that_is_no_activity_raises_what_msrest_raises() -> None:
    with pytest.raises(DeserializationError):
        deserialized(Activity, {"type": "message", "timestamp": "never"})
