"""`policybot serve teams`: the Teams web process (DESIGN.md) at `/api/messages`.

The activity POSTed is read in one pass (`_activity_of`), and Bot Framework's `CloudAdapter` runs the turn and
sends replies to the activity's `serviceUrl`. With `MICROSOFT_APP_ID` and `MICROSOFT_APP_PASSWORD` set it checks
the Bot Framework token on every request and signs what it sends (single-tenant when `MICROSOFT_APP_TENANT_ID` is
set too); with no app id it runs in local mode, as the Bot Framework allows for local testing: no token is checked
or fetched, so nothing but the replies themselves leaves the machine.

The answer to a message is sent in the same turn. The process also drains the outbox every few seconds
(alerts, acknowledgements, reminders for other people), so a deployment with only `web` still delivers.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError

from bot.answer.engine import AnswerEngine
from bot.channels.teams.bot import PLATFORM, PolicyTeamsBot
from bot.channels.teams.connectors import KeptClientsAuthentication
from bot.channels.teams.deliver import Backoff, TeamsDeliverer, send_text
from bot.channels.teams.messages import TeamsMessages, teams_messages
from bot.channels.teams.msrest_retry import speed_up_retry_policy
from bot.channels.teams.wire import deserialized
from bot.core import heap
from bot.core.delivery import DrainResult
from bot.core.service import ChatService, build_chat_service, turn_threads
from bot.errors import PolicybotError
from bot.school import SchoolConfig
from bot.store import Store

log = logging.getLogger(__name__)

DEFAULT_PORT = 3978
MESSAGES_PATH = "/api/messages"
#: How often the web process delivers what waits in the outbox.
DRAIN_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class TeamsSettings:
    """The bot's Microsoft app registration; an empty app id is local mode."""

    app_id: str = ""
    app_password: str = ""
    tenant_id: str = ""

    @classmethod
    def from_env(cls) -> TeamsSettings:
        return cls(app_id=os.environ.get("MICROSOFT_APP_ID", "").strip(),
                   app_password=os.environ.get("MICROSOFT_APP_PASSWORD", "").strip(),
                   tenant_id=os.environ.get("MICROSOFT_APP_TENANT_ID", "").strip())

    @property
    def local(self) -> bool:
        return not self.app_id

    def check(self) -> None:
        """Half a registration would start a bot that can neither be trusted nor answer: refuse it."""
        if self.app_id and not self.app_password:
            raise PolicybotError("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is empty - set the bot's "
                                 "client secret too, or unset both for local mode")
        if not self.app_id and (self.app_password or self.tenant_id):
            raise PolicybotError("MICROSOFT_APP_PASSWORD or MICROSOFT_APP_TENANT_ID is set without "
                                 "MICROSOFT_APP_ID - set the bot's app id too, or unset them for local mode")

    def authentication(self) -> KeptClientsAuthentication:
        """Bot Framework's configuration object (its attribute names); no app id disables authentication."""
        app_type = "SingleTenant" if self.tenant_id and not self.local else "MultiTenant"
        return KeptClientsAuthentication(SimpleNamespace(
            APP_ID=self.app_id or None, APP_PASSWORD=self.app_password or None,
            APP_TENANTID=self.tenant_id or None, APP_TYPE=app_type))


@dataclass
class TeamsApp:
    """The running channel: the web app, and the service and adapter behind it (tests drive them)."""

    app: web.Application
    service: ChatService
    adapter: CloudAdapter
    bot: PolicyTeamsBot

    async def drain(self) -> DrainResult:
        """Deliver the outbox once (the store is synchronous: a worker thread, the loop stays free)."""
        return await asyncio.to_thread(self.service.drain)


async def build_teams_app(store: Store, *, config: SchoolConfig, engine: AnswerEngine, settings: TeamsSettings,
                          clock: Callable[[], datetime] | None = None, backoff: Backoff | None = None,
                          messages: TeamsMessages | None = None,
                          drain_every: float | None = DRAIN_SECONDS) -> TeamsApp:
    """The Teams channel over an open (migrated, staff-synced) store; call it on the loop that will serve
    it (its default executor becomes the turn threads). `drain_every=None` leaves delivering the outbox to the
    caller (tests)."""
    asyncio.get_running_loop().set_default_executor(turn_threads())
    messages = messages or teams_messages()
    backoff = backoff or Backoff()
    speed_up_retry_policy()  # the adapter builds two retry policies per turn (bot.channels.teams.msrest_retry)
    authentication = settings.authentication()
    adapter = CloudAdapter(authentication)
    service: ChatService | None = None

    def reference_of(staff_id: str) -> dict | None:
        assert service is not None  # set below, before the app serves anything
        return service.reference(PLATFORM, staff_id)

    deliverer = TeamsDeliverer(adapter, app_id=settings.app_id, messages=messages, backoff=backoff,
                               loop=asyncio.get_running_loop(), references=reference_of)
    service = build_chat_service(store, config=config, engine=engine, deliverer=deliverer, clock=clock,
                                 channel=PLATFORM)
    bot = PolicyTeamsBot(service, messages=messages, backoff=backoff)

    async def on_error(turn_context: TurnContext, error: Exception) -> None:
        # The error's class only: its message could quote what the user wrote.
        log.error("Teams turn failed: %s", type(error).__name__, exc_info=log.isEnabledFor(logging.DEBUG))
        await send_text(turn_context, messages.error, backoff=backoff)

    adapter.on_turn_error = on_error

    async def on_messages(request: web.Request) -> web.StreamResponse:
        activity = await _activity_of(request)
        try:
            invoked = await adapter.process_activity(request.headers.get("Authorization", ""), activity, bot.on_turn)
        except PermissionError:  # no valid Bot Framework token (with an app id set)
            raise web.HTTPUnauthorized from None
        if invoked:
            return web.json_response(data=serializer_helper(invoked.body), status=invoked.status)
        return web.Response(status=201)

    async def close_connectors(_: web.Application) -> None:
        await authentication.close()

    app = web.Application()
    app.router.add_post(MESSAGES_PATH, on_messages)
    app.on_cleanup.append(close_connectors)
    teams = TeamsApp(app=app, service=service, adapter=adapter, bot=bot)
    if drain_every is not None:
        app.cleanup_ctx.append(_drain_loop(teams, every=drain_every))
    return teams


async def _activity_of(request: web.Request) -> Activity:
    """The activity POSTed, as botbuilder's `CloudAdapter.process` reads it (a JSON body, an Activity with a
    type) but in one pass (`wire.deserialized`, five times faster than msrest); a body that is none is refused
    with a status saying why, where botbuilder's reading failed with a 500 and a stack trace in the log."""
    if "application/json" not in request.headers.get("Content-Type", ""):
        raise web.HTTPUnsupportedMediaType(text="an activity is sent as application/json")
    try:
        body = await request.json()
        activity = deserialized(Activity, body) if isinstance(body, dict) else None
    except (ValueError, DeserializationError):  # not JSON (JSONDecodeError is a ValueError), or not an activity
        activity = None
    if activity is None or not activity.type:
        raise web.HTTPBadRequest(text="the body is not a Bot Framework activity")
    return activity


def _drain_loop(teams: TeamsApp, *, every: float) -> Callable[[web.Application], AsyncIterator[None]]:
    async def run() -> None:
        while True:
            try:
                result = await teams.drain()
                if result.delivered or result.failed:
                    log.info("outbox: %d delivered, %d to retry, %d held for school hours",
                             result.delivered, result.failed, result.held)
            except Exception as exc:  # noqa: BLE001 - a failed drain is retried at the next tick
                log.warning("outbox drain failed: %s", type(exc).__name__)
            await asyncio.sleep(every)

    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(run())
        yield
        task.cancel()

    return context


def serve_teams(port: int | None = None) -> int:
    """Run the Teams web process until interrupted; `port` defaults to $PORT, else 3978."""
    from bot.answer.build import build_engine
    from bot.school import load_school
    from bot.staff import sync_from_school
    from bot.store import open_store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    port = port or int(os.environ.get("PORT") or DEFAULT_PORT)
    settings = TeamsSettings.from_env()
    settings.check()
    config = load_school()
    engine = build_engine(school_id=config.schools[0].id)  # one engine per process, as for Slack
    log.info("Teams at http://0.0.0.0:%d%s (%s)", port, MESSAGES_PATH,
             "local mode: no Bot Framework authentication" if settings.local else "Bot Framework authentication")
    with open_store() as store:
        sync_from_school(store, config=config)

        async def make_app() -> web.Application:
            app = (await build_teams_app(store, config=config, engine=engine, settings=settings)).app
            heap.settle()
            return app

        web.run_app(make_app(), port=port, print=None)
    return 0
