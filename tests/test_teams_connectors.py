"""Connector clients are built once and kept (bot.channels.teams.connectors): not rebuilt on every turn."""

from __future__ import annotations

import asyncio

from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from bot.channels.teams.server import TeamsSettings


def _activity(service_url: str) -> Activity:
    return Activity(type=ActivityTypes.message, text="hello", channel_id="msteams", service_url=service_url,
                    from_property=ChannelAccount(id="29:user"), recipient=ChannelAccount(id="28:bot"),
                    conversation=ConversationAccount(id="a:1"))


def test_each_service_url_gets_one_connector_client_kept_between_turns() -> None:
    async def run() -> None:
        authentication = TeamsSettings().authentication()  # local mode: no token to check
        clients = []
        for url in ("https://smba.example/emea/", "https://smba.example/emea/", "https://smba.example/amer/"):
            result = await authentication.authenticate_request(_activity(url), "")
            clients.append(await result.connector_factory.create(url, result.audience))
        assert clients[0] is clients[1] and clients[2] is not clients[0]
        assert clients[2].config.base_url.startswith("https://smba.example/amer")
        proactive = authentication.create_connector_factory(result.claims_identity)
        assert await proactive.create("https://smba.example/amer/", result.audience) is clients[2]
        tokens = [await authentication.create_user_token_client(result.claims_identity) for _ in range(2)]
        assert tokens[0] is tokens[1]

    asyncio.run(run())
