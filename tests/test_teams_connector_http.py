"""The Bot Connector clients send over aiohttp (bot.channels.teams.connector_http) as the requests driver did:
signed with the bot's token, errors and throttling as before, a request that may have arrived never sent
twice."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity, MicrosoftAppCredentials
from botframework.connector.models import ErrorResponseException
from fake_bot_connector import FakeBotConnector, message
from msrest.exceptions import ClientRequestError

from bot.channels.teams.cards import card_activity
from bot.channels.teams.connector_http import CONNECT_TRIES, AiohttpDriver, SharedSession, use_aiohttp
from bot.channels.teams.deliver import Backoff, status_of
from bot.channels.teams.server import TeamsSettings
from bot.channels.teams.wire import FastBodySerializer
from bot.core.replies import Text

APP_ID = "00000000-0000-4000-8000-00000000b07a"


@pytest.fixture
def connector() -> Iterator[FakeBotConnector]:
    fake = FakeBotConnector().start()
    yield fake
    fake.stop()


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    """The bot's access token, without asking Microsoft's login service (no network in tests)."""
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", lambda self, force_refresh=False: "token-1")
    return "token-1"


def run(scenario: Callable[[TeamsSettings], Awaitable[Any]], settings: TeamsSettings) -> Any:
    """A scenario on its own loop, with the settings' authentication closed afterwards."""
    async def main() -> Any:
        authentication = settings.authentication()
        try:
            return await scenario(authentication)
        finally:
            await authentication.close()

    return asyncio.run(main())


async def client_for(authentication: Any, url: str) -> ConnectorClient:
    """The connector client the adapter would use to message someone at `url` (an outbox delivery)."""
    claims = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: APP_ID,
                             AuthenticationConstants.APP_ID_CLAIM: APP_ID}, True)
    return await authentication.create_connector_factory(claims).create(url, None)


def reply(text: str = "hello") -> Activity:
    incoming = Activity().deserialize(message("hi", service_url="http://unused/", aad_object_id="aad-1",
                                              activity_id="act-1"))
    return TurnContext.apply_conversation_reference(card_activity([Text(text)], send_label="Send", summary="New"),
                                                    TurnContext.get_conversation_reference(incoming))


def test_a_reply_goes_over_aiohttp_signed_with_the_bots_token(connector: FakeBotConnector, token: str) -> None:
    activity = reply("Decline the request")

    async def scenario(authentication: Any) -> Any:
        client = await client_for(authentication, connector.url)
        assert isinstance(client.config.driver, AiohttpDriver)
        assert isinstance(client.conversations._serialize, FastBodySerializer)
        assert await client_for(authentication, connector.url) is client  # kept, not rebuilt per turn
        return await client.conversations.reply_to_activity(activity.conversation.id, "act-1", activity)

    sent = run(scenario, TeamsSettings(app_id=APP_ID, app_password="secret"))
    assert sent.id == "sent-1"
    [posted] = connector.posted
    assert posted.headers["Authorization"] == f"Bearer {token}"
    assert "BotBuilder Python" in posted.headers["User-Agent"]
    assert posted.reply_to_id == "act-1"
    assert posted.activity == activity.serialize()
    assert "Decline the request" in posted.shown()


def test_in_local_mode_nothing_is_signed(connector: FakeBotConnector) -> None:
    async def scenario(authentication: Any) -> None:
        client = await client_for(authentication, connector.url)
        await client.conversations.send_to_conversation("conv-1", reply())

    run(scenario, TeamsSettings())
    [posted] = connector.posted
    assert "Authorization" not in posted.headers


def test_throttling_reaches_the_backoff_with_its_retry_after(connector: FakeBotConnector) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def scenario(authentication: Any) -> Any:
        client = await client_for(authentication, connector.url)
        backoff = Backoff(sleep=sleep, jitter=lambda: 1.0)
        return await backoff.run(lambda: client.conversations.send_to_conversation("conv-1", reply()))

    connector.throttle(429, retry_after=3)
    assert run(scenario, TeamsSettings()).id == "sent-1"
    assert slept == [3.0]  # the connector's Retry-After, not the default 0.5 s
    assert len(connector.requests) == 2


def test_a_refusal_is_the_connectors_error_with_its_status(connector: FakeBotConnector) -> None:
    async def scenario(authentication: Any) -> None:
        client = await client_for(authentication, connector.url)
        await client.conversations.send_to_conversation("conv-1", reply())

    connector.throttle(403)
    with pytest.raises(ErrorResponseException) as refused:
        run(scenario, TeamsSettings())
    assert status_of(refused.value) == 403  # what the backoff and the outbox read
    assert len(connector.requests) == 1 and not connector.posted


def test_a_request_that_may_have_arrived_is_not_sent_again(connector: FakeBotConnector) -> None:
    async def scenario(authentication: Any) -> None:
        client = await client_for(authentication, connector.url)
        client.config.connection.timeout = 0.3
        await client.conversations.send_to_conversation("conv-1", reply())

    connector.stall(2.0)
    with pytest.raises(ClientRequestError):
        run(scenario, TeamsSettings())
    assert len(connector.requests) == 1  # timed out after sending: not repeated, so never shown twice


class _CountingSession(SharedSession):
    def __init__(self) -> None:
        super().__init__()
        self.uses = 0

    def get(self) -> Any:
        self.uses += 1
        return super().get()


def test_a_connector_that_cannot_be_reached_is_tried_again_then_fails() -> None:
    with socket.socket() as unused:  # a loopback port nothing listens on
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}/"

    async def scenario() -> int:
        shared = _CountingSession()
        client = ConnectorClient(MicrosoftAppCredentials(None, None), base_url=url)
        use_aiohttp(client, shared, backoff=0.0)
        try:
            with pytest.raises(ClientRequestError):
                await client.conversations.send_to_conversation("conv-1", reply())
        finally:
            await shared.close()
        return shared.uses

    assert asyncio.run(scenario()) == CONNECT_TRIES
    waits = [AiohttpDriver(ConnectorClient(MicrosoftAppCredentials(None, None), base_url=url).config,
                           SharedSession())._wait(attempt) for attempt in range(2, CONNECT_TRIES + 1)]
    assert waits == [0.0, 1.6, 3.2]  # urllib3's backoff with msrest's factor, as the requests driver waited


def test_the_shared_session_is_reopened_after_closing() -> None:
    async def scenario() -> None:
        shared = SharedSession()
        first = shared.get()
        assert shared.get() is first
        await shared.close()
        assert first.closed
        second = shared.get()
        assert second is not first and not second.closed
        await shared.close()

    asyncio.run(scenario())


def test_the_environments_proxy_is_used_unless_no_proxy_exempts_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert SharedSession().proxy_for("https://smba.trafficmanager.net/emea/v3/conversations") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.school.example:3128")
    monkeypatch.setenv("NO_PROXY", "intranet.school.example")
    shared = SharedSession()
    assert shared.proxy_for("https://smba.trafficmanager.net/emea/v3/conversations") == \
        "http://proxy.school.example:3128"
    assert shared.proxy_for("https://intranet.school.example/v3/conversations") is None


def test_a_reply_goes_through_the_proxy(connector: FakeBotConnector, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", connector.url)  # the fake answers as the proxy would, having forwarded it
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    async def scenario(authentication: Any) -> None:
        client = await client_for(authentication, "http://connector.invalid/")  # not resolvable: only the proxy
        await client.conversations.send_to_conversation("conv-1", reply("through the proxy"))

    run(scenario, TeamsSettings())
    [posted] = connector.posted
    assert "through the proxy" in posted.shown()
