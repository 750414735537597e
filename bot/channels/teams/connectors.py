"""Bot Framework clients kept from one turn to the next.

`CloudAdapter` asks its authentication, on every incoming activity, for a new connector client to send the
reply with (an msrest configuration, credentials and a retry policy each time) and for a user-token client
this bot never uses (it signs nobody in): measured under load, a tenth of a Teams turn's CPU. The older
`BotFrameworkAdapter` kept one connector client per service URL; this does the same, one per bot app id,
service URL and audience, built on first use. Credentials fetch and refresh their own tokens, so a kept
client stays valid.

Each kept client sends over aiohttp on the server's loop (bot.channels.teams.connector_http) and writes its
request bodies in one pass (bot.channels.teams.wire): together, under load, a third of a Teams turn's CPU.
"""

from __future__ import annotations

from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

from bot.channels.teams.connector_http import SharedSession, use_aiohttp
from bot.channels.teams.wire import use_fast_bodies


def _app_id(claims: ClaimsIdentity) -> str | None:
    """The bot's app id a request was addressed to (audience claim; the emulator's app id claim); None when
    authentication is off (local mode)."""
    return claims.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM) or claims.get_claim_value(
        AuthenticationConstants.APP_ID_CLAIM)


class _KeptConnectors(ConnectorFactory):
    """A connector factory that builds each client once, through the adapter's own factory."""

    def __init__(self, factory: ConnectorFactory, app_id: str | None, clients: dict[tuple, ConnectorClient],
                 http: SharedSession):
        self._factory = factory
        self._app_id = app_id
        self._clients = clients
        self._http = http

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self._app_id, service_url, audience)
        if key not in self._clients:
            client = await self._factory.create(service_url, audience)
            use_aiohttp(client, self._http)
            use_fast_bodies(client)
            self._clients[key] = client
        return self._clients[key]


class KeptClientsAuthentication(ConfigurationBotFrameworkAuthentication):
    """Bot Framework authentication from the configuration, keeping the clients it hands out."""

    def __init__(self, configuration: Any) -> None:
        super().__init__(configuration)
        self._connectors: dict[tuple, ConnectorClient] = {}
        self._user_tokens: dict[str | None, UserTokenClient] = {}
        self._http = SharedSession()

    async def close(self) -> None:
        """Close the connector clients' HTTP session (with the web app)."""
        await self._http.close()

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _KeptConnectors(result.connector_factory, _app_id(result.claims_identity),
                                                       self._connectors, self._http)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """The factory for messages the bot starts (alerts, reminders through the outbox)."""
        return _KeptConnectors(super().create_connector_factory(claims_identity), _app_id(claims_identity),
                               self._connectors, self._http)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = _app_id(claims_identity)
        if app_id not in self._user_tokens:
            self._user_tokens[app_id] = await super().create_user_token_client(claims_identity)
        return self._user_tokens[app_id]
