"""`policybot serve slack`: the Slack web process.

It answers people in the same turn (HTTP at /slack/events, or Socket Mode when `SLACK_APP_TOKEN` is set,
for a school with no public URL), and drains the outbox every few seconds so that alerts, acknowledgements
and reminders reach other people even in a deployment with only the `web` process.

`SLACK_API_URL` points the Web API client somewhere else (the tests' fake); every call goes through one
`WebClient` that keeps its connections open (`web_api.py`) and retries 429s after Slack's Retry-After and dropped
connections.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.channels.slack.app import SlackChannel
from bot.channels.slack.deliver import SlackDeliverer, Throttle
from bot.channels.slack.socket_lock import lock_path, single_socket
from bot.channels.slack.web_api import KeptAliveWebClient
from bot.core import heap
from bot.core.channel_messages import channel_messages
from bot.core.service import ChatService, build_chat_service, turn_threads
from bot.errors import PolicybotError

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_PORT = 3000
DEFAULT_API_URL = "https://slack.com/api/"
DRAIN_SECONDS = 5.0
RATE_LIMIT_RETRIES = 3
POST_INTERVAL = 1.0  # seconds between the outbox's posts: chat.postMessage allows about one a second


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """The environment's Slack settings (DESIGN.md fixes the names)."""

    bot_token: str
    signing_secret: str
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL

    @classmethod
    def from_env(cls) -> SlackSettings:
        token, secret = os.environ.get("SLACK_BOT_TOKEN", ""), os.environ.get("SLACK_SIGNING_SECRET", "")
        missing = [name for name, value in (("SLACK_BOT_TOKEN", token), ("SLACK_SIGNING_SECRET", secret))
                   if not value]
        if missing:
            raise PolicybotError(f"{' and '.join(missing)} not set - copy them from your Slack app's settings "
                                 "(OAuth & Permissions, Basic Information); see the README's Slack section")
        return cls(bot_token=token, signing_secret=secret, app_token=os.environ.get("SLACK_APP_TOKEN") or None,
                   api_url=os.environ.get("SLACK_API_URL") or DEFAULT_API_URL)


def web_client(token: str, api_url: str = DEFAULT_API_URL) -> WebClient:
    return KeptAliveWebClient(token=token, base_url=api_url, retry_handlers=[
        ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)])


def build_app(service: ChatService, *, client: WebClient, signing_secret: str,
              deliverer: SlackDeliverer) -> App:
    """The bolt app over a built ChatService whose deliverer is `deliverer` (bound here)."""
    deliverer.bind(service)
    app = App(client=client, signing_secret=signing_secret, process_before_response=False,
              listener_executor=turn_threads())
    SlackChannel(service=service, client=client, deliverer=deliverer, messages=channel_messages().slack).register(app)
    return app


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread a request: a slow answer never holds up another request's 3-second ack.

    The listen backlog is the system's maximum, not socketserver's 5: with more connections arriving at once
    than the backlog holds, the kernel drops the extra ones and their clients try again only after a second
    (measured: the worst ack under load was 1 s, every other under 60 ms)."""

    daemon_threads = True
    request_queue_size = socket.SOMAXCONN


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        log.debug(format, *args)


def http_server(app: App, *, port: int, host: str = "0.0.0.0") -> WSGIServer:  # noqa: S104 - a web process
    """A WSGI server for the app at /slack/events (events, the slash command and interactivity)."""
    return make_server(host, port, SlackRequestHandler(app, path=EVENTS_PATH), server_class=_ThreadingWSGIServer,
                       handler_class=_Handler)


@contextmanager
def draining(service: ChatService, *, every: float = DRAIN_SECONDS) -> Iterator[None]:
    """Drain the outbox in a background thread while the block runs (the web process's other job)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            try:
                service.drain()
            except Exception:  # noqa: BLE001 - a failed sweep is logged and the next one tries again
                log.exception("draining the outbox failed")

    thread = threading.Thread(target=loop, name="outbox", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 1)


def serve_slack(port: int | None = None) -> int:
    """Run the Slack web process until interrupted."""
    from bot.store import database_url

    settings = SlackSettings.from_env()
    if settings.app_token:  # refuse a second Socket Mode process before doing any work
        with single_socket(lock_path(database_url())):
            return _run(settings, port=None)
    return _run(settings, port=port or int(os.environ.get("PORT") or DEFAULT_PORT))


def _run(settings: SlackSettings, *, port: int | None) -> int:
    """Build the bot over the school's store and serve it: over HTTP on `port`, else by Socket Mode."""
    from bot.answer.build import build_engine
    from bot.school import load_school
    from bot.staff import sync_from_school
    from bot.store import open_store

    config = load_school()
    engine = build_engine(school_id=config.schools[0].id)
    client = web_client(settings.bot_token, settings.api_url)
    deliverer = SlackDeliverer(client, send_label=channel_messages().slack.send, throttle=Throttle(POST_INTERVAL))
    with open_store() as store:
        sync_from_school(store, config=config)
        service = build_chat_service(store, config=config, engine=engine, deliverer=deliverer, channel="slack")
        app = build_app(service, client=client, signing_secret=settings.signing_secret, deliverer=deliverer)
        heap.settle()
        with draining(service):
            if port is None:
                return _serve_socket_mode(app, str(settings.app_token))
            server = http_server(app, port=port)
            print(f"policybot: Slack events at http://0.0.0.0:{port}{EVENTS_PATH}", flush=True)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                server.server_close()
    return 0


def _serve_socket_mode(app: App, app_token: str) -> int:
    """Socket Mode: Slack sends events over a websocket this process opens (the caller holds the lock that
    makes it the only one: Slack would share events out between processes that each think they are the bot)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    print("policybot: connecting to Slack by Socket Mode", flush=True)
    SocketModeHandler(app, app_token).start()
    return 0
