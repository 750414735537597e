"""The Teams bot through botbuilder's own `TestAdapter`: real ActivityHandler and TurnContext code paths,
each person in their own personal conversation, proactive messages through `continue_conversation`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from fake_bot_connector import card_buttons, card_texts
from msrest.universal_http.requests import ClientRetryPolicy

from bot.answer.build import build_engine
from bot.channels.teams.bot import PolicyTeamsBot
from bot.channels.teams.cards import ADAPTIVE_CARD
from bot.channels.teams.deliver import Backoff, TeamsDeliverer
from bot.channels.teams.messages import teams_messages
from bot.channels.teams.msrest_retry import speed_up_retry_policy
from bot.core.service import ChatService, PlatformUser, build_chat_service
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import Store

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
PEOPLE = {"r.ahmed": ("82e26123-7776-4655-bc4e-4248b1515fff", "Rashid Ahmed"),
          "d.price": ("7d836e77-af67-4461-a416-3207d0944996", "Daniel Price"),
          "h.li": ("18bee074-5ec0-4260-bf98-80a6e73c49ea", "Hannah Li")}
ENGINE = build_engine()
SECRET = "Zqx account name"


def _cards(activity: Activity) -> list[Any]:
    return [attachment.content for attachment in activity.attachments or []]


def shown(activity: Activity) -> str:
    """Every TextBlock and fact of the activity's cards (unescaped), or its text."""
    texts = [activity.text] if activity.text else []
    return "\n".join(texts + [text for card in _cards(activity) for text in card_texts(card)])


def buttons(activity: Activity) -> dict[str, str]:
    return {title: value for card in _cards(activity) for title, value in card_buttons(card).items()}


class World:
    """The bot with one TestAdapter per person (their personal chat) and one for proactive sends."""

    def __init__(self, store: Store, config: SchoolConfig) -> None:
        self.store, self.config = store, config

    async def start(self) -> None:
        self.proactive = TestAdapter()
        backoff = Backoff(sleep=lambda _seconds: asyncio.sleep(0))
        self.service: ChatService | None = None
        deliverer = TeamsDeliverer(self.proactive, app_id="", messages=teams_messages(), backoff=backoff,
                                   loop=asyncio.get_running_loop(),
                                   references=lambda staff_id: self._service().reference("teams", staff_id))
        self.service = build_chat_service(self.store, config=self.config, engine=ENGINE, deliverer=deliverer,
                                          clock=lambda: NOW, channel="teams")
        self.bot = PolicyTeamsBot(self.service, messages=teams_messages(), backoff=backoff)
        self.chats = {staff_id: TestAdapter(self.bot.on_turn, Activity(
            channel_id="test", service_url="https://test.example",
            from_property=ChannelAccount(id=f"29:{aad}", name=name, aad_object_id=aad),
            recipient=ChannelAccount(id="28:policybot", name="policybot"),
            conversation=ConversationAccount(id=f"personal-{staff_id}", conversation_type="personal")))
            for staff_id, (aad, name) in PEOPLE.items()}

    def _service(self) -> ChatService:
        assert self.service is not None
        return self.service

    async def say(self, staff_id: str, text: str | None = None, *, value: str | None = None) -> list[Activity]:
        adapter = self.chats[staff_id]
        adapter.activity_buffer.clear()
        await adapter.receive_activity(Activity(type="message", text=text,
                                                value={"value": value} if value is not None else None))
        return list(adapter.activity_buffer)

    async def drain(self) -> list[Activity]:
        """Deliver the outbox; what was sent proactively."""
        self.proactive.activity_buffer.clear()
        await asyncio.to_thread(self._service().drain)
        return list(self.proactive.activity_buffer)


def run(store: Store, config: SchoolConfig, scenario: Callable[[World], Awaitable[None]]) -> None:
    sync_from_school(store, config=config)

    async def main() -> None:
        world = World(store, config)
        await world.start()
        await scenario(world)

    asyncio.run(main())


def test_a_question_is_answered_with_an_adaptive_card(store: Store, demo_school: SchoolConfig) -> None:
    question = "A pupil sent me a friend request on Instagram"
    best = ENGINE.ask(question).clauses[0]

    async def scenario(world: World) -> None:
        def is_answer(reply: Activity, description: str | None = None) -> None:
            assert reply.attachments[0].content_type == ADAPTIVE_CARD
            assert best.clause.text in shown(reply) and f"{best.title}, {best.clause.ref}" in shown(reply)
            assert buttons(reply) == {"Yes, start the report": "yes", "Not now": "no"}

        flow = await world.chats["r.ahmed"].send(question)
        await flow.assert_reply(is_answer)

    run(store, demo_school, scenario)


def test_a_retried_activity_is_answered_once_and_a_failed_turn_is_answered_on_retry(
        store: Store, demo_school: SchoolConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """The retry check, the person and the answer are one transaction: a repeat of an answered activity gets
    nothing, and a turn that fails leaves nothing behind, its id included, so Teams' retry of it is answered."""
    question = "can I follow a parent on facebook?"

    async def scenario(world: World) -> None:
        chat = world.chats["r.ahmed"]

        async def send(activity_id: str, text: str) -> list[Activity]:
            chat.activity_buffer.clear()
            await chat.receive_activity(Activity(type="message", id=activity_id, text=text))
            return list(chat.activity_buffer)

        assert ENGINE.ask(question).clauses[0].clause.text in shown((await send("a1", question))[0])
        assert await send("a1", question) == []

        def broken(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("the database went away")

        with monkeypatch.context() as patched:
            patched.setattr(world.service.conversation, "handle", broken)
            with pytest.raises(RuntimeError):
                await send("a2", "report")
        assert "Which report would you like to make?" in shown((await send("a2", "report"))[0])

    run(store, demo_school, scenario)


def test_a_report_through_cards_is_delivered_to_the_dsl_who_acknowledges(store: Store,
                                                                          demo_school: SchoolConfig) -> None:
    async def scenario(world: World) -> None:
        await world.say("d.price", "hello")  # the DSL has talked to the bot: a reference is stored
        await world.say("r.ahmed", "a pupil sent me a friend request on instagram")
        steps: list[tuple[str | None, str | None]] = [
            (None, "yes"), (None, "friend_request"), ("Instagram", None), (None, "current_pupil"), ("AB Y7", None),
            ("yesterday 9pm", None), (None, "request_only"), (None, "yes"), (None, "yes"), (SECRET, None)]
        for text, value in steps:
            [card] = await world.say("r.ahmed", text, value=value)
        assert "please check before sending" in shown(card) and SECRET in shown(card)
        [sent] = await world.say("r.ahmed", value="send")
        reference = shown(sent).split("reference ")[1].split()[0].rstrip(".")
        assert reference.startswith("PC-2026-")
        proactive = await world.drain()
        [alert] = [a for a in proactive if a.conversation.id == "personal-d.price"]
        assert reference in shown(alert) and SECRET not in shown(alert)
        assert buttons(alert)["Acknowledge"] == f"ack {reference}"
        [opened] = await world.say("d.price", value=f"show {reference}")
        assert SECRET in shown(opened)
        [acked] = await world.say("d.price", value=f"ack {reference}")
        assert reference in shown(acked)
        told = await world.drain()
        assert any(a.conversation.id == "personal-r.ahmed" and "Daniel Price" in shown(a) for a in told)
        with world.store.transaction() as tx:
            report = tx.reports.get(reference)
        assert report is not None and report.status == "acknowledged"

    run(store, demo_school, scenario)


def test_the_details_are_shown_only_to_those_entitled(store: Store, demo_school: SchoolConfig) -> None:
    async def scenario(world: World) -> None:
        await world.say("r.ahmed", "a pupil sent me a friend request on instagram")
        for text, value in [(None, "yes"), (None, "friend_request"), ("Instagram", None), (None, "current_pupil"),
                            ("AB Y7", None), ("yesterday 9pm", None), (None, "request_only"), (None, "yes"),
                            (None, "yes"), (SECRET, None)]:
            await world.say("r.ahmed", text, value=value)
        [sent] = await world.say("r.ahmed", value="send")
        reference = shown(sent).split("reference ")[1].split()[0].rstrip(".")
        [refused] = await world.say("h.li", value=f"show {reference}")  # a colleague it was not sent to
        assert SECRET not in shown(refused) and "can't read" in shown(refused)
        [not_theirs] = await world.say("h.li", value=f"ack {reference}")
        assert SECRET not in shown(not_theirs)
        with world.store.transaction() as tx:
            report = tx.reports.get(reference)
            assert report is not None and report.status != "acknowledged"
            assert ("h.li", "refused") in [(e.actor_id, e.action) for e in tx.audit.trail(reference)]

    run(store, demo_school, scenario)


def test_home_shows_what_waits_and_starts_a_report(store: Store, demo_school: SchoolConfig) -> None:
    async def scenario(world: World) -> None:
        [home] = await world.say("r.ahmed", "home")
        assert "Policy guidance for Rashid Ahmed" in shown(home)
        start = buttons(home)["Report contact from a pupil on social media"]
        [form] = await world.say("r.ahmed", value=start)
        assert "What happened?" in shown(form)
        assert world._service().in_form(world._service().identify(PlatformUser("teams", "", PEOPLE["r.ahmed"][0])))

    run(store, demo_school, scenario)


def test_the_msrest_retry_policy_is_sped_up_without_changing_it() -> None:
    original_safe = [i for i in range(500) if i != 408] + [501, 505]  # msrest 0.7.1's own definition
    speed_up_retry_policy()
    speed_up_retry_policy()  # twice: harmless
    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    policy = ClientRetryPolicy().policy
    assert policy.status_forcelist == [i for i in range(999) if i not in original_safe]
    assert (policy.total, policy.backoff_factor) == (3, 0.8)
