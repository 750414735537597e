"""A local fake of the Slack Web API, and signed requests to the bot, for the Slack tests.

As bolt-python's own tests do (tests/mock_web_api_server), a small http.server on 127.0.0.1 answers the
Web API methods the bot calls and records every call, so a test can wait (bounded, woken by each new call)
for the bot to have posted something and read what it posted. `fail_next` makes a method answer 429 with a Retry-After
(or another status; 0 hangs up without answering). Like slack.com it keeps connections open between calls (HTTP/1.1);
`keep_alive = False` makes it close each one after answering, without saying so, as a server dropping idle connections.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode
from urllib.request import Request, urlopen

BOT_USER = "UBOTPOLICY"
TEAM = "T0RIVERSIDE"
SIGNING_SECRET = "s"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    port: int = 0  # the caller's port: calls on one kept-alive connection share it


@dataclass
class FakeSlack:
    """The fake's state: what was called, users it knows, and failures to inject."""

    calls: list[Call] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    url: str = ""
    keep_alive: bool = True
    handshakes: int = 0  # TLS handshakes completed (over HTTPS)
    latency: float = 0.0  # seconds each call takes to answer, as slack.com's round trip does (the load benchmark)
    held_posts: threading.Barrier | None = None  # each chat.postMessage is answered once this many have arrived
    lock: threading.RLock = field(default_factory=threading.RLock)  # re-entered by predicates reading calls
    _ts: int = 0

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)  # notified on every call, so waiters need not poll
        self._arrived_in: dict[str, threading.Condition] = {}  # notified on calls naming one channel

    def fail_next(self, method: str, *, status: int = 429, retry_after: str = "1") -> None:
        self.failures.setdefault(method, []).append((status, retry_after))

    def answer(self, method: str, params: dict[str, Any], port: int = 0) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self.lock:
            failure = self.failures.get(method, []) and self.failures[method].pop(0)
            if failure:
                status, retry_after = failure
                self.calls.append(Call(method, params, time.monotonic(), status, port))
                self._notify(params)
                return status, {"Retry-After": retry_after}, {"ok": False, "error": "ratelimited"}
            self.calls.append(Call(method, params, time.monotonic(), port=port))
            self._notify(params)
            self._ts += 1
            ts = f"1700000000.{self._ts:06d}"
        if method == "auth.test":
            return 200, {}, {"ok": True, "user_id": BOT_USER, "bot_id": "BPOLICY", "team_id": TEAM, "team": "Riverside",
                             "url": "https://riverside.slack.com/"}
        if method == "conversations.open":
            return 200, {}, {"ok": True, "channel": {"id": "D" + str(params.get("users", "X"))[1:]}}
        if method in ("chat.postMessage", "chat.update"):
            return 200, {}, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts") or ts}
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            return 200, {}, ({"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"})
        return 200, {}, {"ok": True}

    def _notify(self, params: dict[str, Any]) -> None:
        self.arrived.notify_all()
        waiting = self._arrived_in.get(str(params.get("channel")))
        if waiting is not None:
            waiting.notify_all()

    # -- reading what the bot did ----------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method and c.status == 200]

    def wait_for(self, method: str, predicate: Callable[[Call], bool] = lambda c: True, *,
                 channel: str | None = None, timeout: float = 10.0) -> Call:
        """The first successful call of `method` (to `channel`, if given) matching `predicate`, waiting at most
        `timeout` seconds. Each call is looked at once, and a wait for one channel is woken only by calls naming
        it: the load benchmark's hundred staff each wait for their own answer among thousands of calls."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self.lock:
            arrived = self.arrived if channel is None else self._arrived_in.setdefault(
                channel, threading.Condition(self.lock))
            while True:
                for call in self.calls[seen:]:
                    if (call.method == method and call.status == 200
                            and (channel is None or call.params.get("channel") == channel) and predicate(call)):
                        return call
                seen = len(self.calls)
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                arrived.wait(left)
            methods = [c.method for c in self.calls]
        raise AssertionError(f"no {method} matching within {timeout}s; calls: {methods}")

    def posts_to(self, channel: str) -> list[Call]:
        return [c for c in self.called("chat.postMessage") if c.params.get("channel") == channel]


def _params(handler: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
    kind = handler.headers.get("Content-Type", "")
    if "json" in kind:
        return json.loads(body or b"{}")
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    for key in ("blocks", "view"):
        if isinstance(form.get(key), str):
            form[key] = json.loads(form[key])
    return form


@contextmanager
def fake_slack(*, tls: ssl.SSLContext | None = None) -> Iterator[FakeSlack]:
    """The fake on a free loopback port; with `tls`, over HTTPS with that server context."""
    state = FakeSlack()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # connections stay open between calls, as slack.com's do
        disable_nagle_algorithm = True  # else a kept-alive answer (headers, then body) waits out delayed ACKs

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            method = self.path.rsplit("/", 1)[-1]
            if state.latency:  # before the call counts as arrived: a reply is seen once slack.com has it
                time.sleep(state.latency)
            if method == "chat.postMessage" and state.held_posts is not None:
                with suppress(threading.BrokenBarrierError):  # too few arrived: answered anyway, the test says so
                    state.held_posts.wait()
            status, headers, payload = state.answer(method, _params(self, body), self.client_address[1])
            self.close_connection = not state.keep_alive
            if status == 0:  # hang up without answering
                self.close_connection = True
                return
            data = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = socket.SOMAXCONN  # Slack takes many calls at once; socketserver's backlog is 5

        def finish_request(self, request: Any, client_address: Any) -> None:
            if tls is not None:  # in the connection's own thread, as a real server would not queue handshakes
                request = tls.wrap_socket(request, server_side=True)
                with state.lock:
                    state.handshakes += 1
            super().finish_request(request, client_address)

        def handle_error(self, request: Any, client_address: Any) -> None:
            """A caller that went away (the bot stopped with a connection open) or refused the certificate is not
            the fake's error."""
            if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), Handler)
    state.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}/api/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


# -- signed requests to the bot ------------------------------------------------------------------

def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/json") -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def post_to_bot(url: str, body: str, *, headers: dict[str, str]) -> tuple[int, str]:
    request = Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except HTTPError as exc:
        return exc.code, exc.read().decode()


def event_body(event: dict[str, Any], *, event_id: str, team: str = TEAM) -> str:
    return json.dumps({"token": "legacy", "team_id": team, "api_app_id": "A0POLICY", "type": "event_callback",
                       "event_id": event_id, "event_time": 1700000000, "event": event,
                       "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}]})


def dm_event(user: str, text: str, *, n: int) -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "channel": "D" + user[1:], "user": user, "text": text,
            "ts": f"1700000100.{n:06d}", "event_ts": f"1700000100.{n:06d}"}


def form_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def command_body(**fields: str) -> str:
    return urlencode(fields)
