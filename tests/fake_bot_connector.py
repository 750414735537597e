"""A fake Bot Connector on loopback: the `serviceUrl` that Teams activities in tests name.

The bot's real botbuilder code posts its replies here (`POST /v3/conversations/{id}/activities`, or the
reply-to form `.../activities/{replyToId}`) and asks for a member's details
(`GET /v3/conversations/{id}/members/{memberId}`). Every request is recorded; `throttle` makes the next
posts fail with a status Teams uses for throttling. It runs on its own thread and event loop, so both an
in-process server and a `policybot serve teams` subprocess can talk to it.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_ESCAPE = re.compile(r"\\(.)")  # a Markdown escape, as Teams shows it: the character alone


def _nodes(node: Any) -> list[dict[str, Any]]:
    """Every JSON object inside a card, depth first."""
    if isinstance(node, dict):
        return [node, *(n for value in node.values() for n in _nodes(value))]
    if isinstance(node, list):
        return [n for item in node for n in _nodes(item)]
    return []


def card_texts(card: Any) -> list[str]:
    """Each TextBlock and fact of a card as Teams shows it (Markdown escapes removed)."""
    found: list[str] = []
    for node in _nodes(card):
        if node.get("type") == "TextBlock":
            found.append(node["text"])
        if node.get("type") == "FactSet":
            found += [f"{fact['title']}: {fact['value']}" for fact in node.get("facts", [])]
    return [_ESCAPE.sub(r"\1", text) for text in found]


def card_buttons(card: Any) -> dict[str, str]:
    """Each Action.Submit's title and the value it sends back."""
    return {node["title"]: node["data"]["value"] for node in _nodes(card)
            if node.get("type") == "Action.Submit" and "data" in node}


@dataclass
class Posted:
    conversation_id: str
    reply_to_id: str | None
    activity: dict[str, Any]
    headers: dict[str, str]

    @property
    def card(self) -> dict[str, Any] | None:
        """The Adaptive Card the activity carries, if any."""
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None

    def texts(self) -> list[str]:
        """Every piece of text shown: the activity's own and each TextBlock/fact of its card."""
        return ([self.activity["text"]] if self.activity.get("text") else []) + card_texts(self.card)

    def shown(self) -> str:
        """All the text shown, as one string."""
        return "\n".join(self.texts())

    def buttons(self) -> dict[str, str]:
        """Each Action.Submit's title and the value it sends back."""
        return card_buttons(self.card)


@dataclass
class FakeBotConnector:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # member id -> TeamsChannelAccount JSON
    posted: list[Posted] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every request
    _throttle: list[tuple[int, float | None]] = field(default_factory=list)
    _stalls: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: int = 0
    url: str = ""
    latency: float = 0.0  # seconds each post takes to answer, as the real connector's round trip does (load bench)

    def throttle(self, *statuses: int, retry_after: float | None = None) -> None:
        """The next posts are refused with these statuses, in order (e.g. 429, 429), each saying Retry-After
        when `retry_after` is given."""
        with self._lock:
            self._throttle.extend((status, retry_after) for status in statuses)

    def stall(self, seconds: float) -> None:
        """The next post is answered only after `seconds` (a connector that has stopped answering)."""
        with self._lock:
            self._stalls.append(seconds)

    def to(self, conversation_id: str) -> list[Posted]:
        with self._lock:
            return [p for p in self.posted if p.conversation_id == conversation_id]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """For a separate process only: poll until `predicate` holds (loopback, a fraction of a second)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return predicate()

    # -- the HTTP side ------------------------------------------------------------------------------

    async def _post(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path))
        with self._lock:
            refusal = self._throttle.pop(0) if self._throttle else None
            stall = self._stalls.pop(0) if self._stalls else 0.0
        await asyncio.sleep(stall or self.latency)
        if refusal is not None:
            status, retry_after = refusal
            headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
            return web.json_response({"error": {"code": "Throttled", "message": "slow down"}}, status=status,
                                     headers=headers)
        body = await request.json()
        with self._lock:
            self._counter += 1
            self.posted.append(Posted(conversation_id=request.match_info["conversation"],
                                      reply_to_id=request.match_info.get("reply_to"), activity=body,
                                      headers=dict(request.headers)))
            return web.json_response({"id": f"sent-{self._counter}"}, status=201)

    async def _member(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path))
        member = self.members.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "NotFound", "message": "no such member"}}, status=404)
        return web.json_response(member)

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        return app

    def start(self, *, tls: ssl.SSLContext | None = None) -> FakeBotConnector:
        """Serve on a free loopback port, over HTTPS with `tls` (the server's context) when given."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        runner = web.AppRunner(self._app())

        async def setup() -> None:
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}/"
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(setup())
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._loop, self._thread = loop, threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


TENANT = "72f988bf-0000-4000-8000-000000000001"
BOT = {"id": "28:policybot-app", "name": "policybot"}


def personal_conversation(aad_object_id: str) -> str:
    """The id Teams gives a person's one-to-one chat with the bot (made up, in Teams' shape)."""
    return f"a:1personal-{aad_object_id}"


def activity(kind: str, *, service_url: str, aad_object_id: str, name: str = "Someone", activity_id: str = "1",
             conversation_type: str = "personal", **fields: Any) -> dict[str, Any]:
    """An activity as Teams posts it to /api/messages, from the person with `aad_object_id`."""
    return {
        "type": kind, "id": activity_id, "channelId": "msteams", "serviceUrl": service_url,
        "timestamp": "2026-11-24T10:00:00.000Z", "locale": "en-GB",
        "from": {"id": f"29:{aad_object_id}", "name": name, "aadObjectId": aad_object_id},
        "recipient": BOT,
        "conversation": {"id": personal_conversation(aad_object_id), "conversationType": conversation_type,
                         "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
        **fields,
    }


def message(text: str | None, *, value: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """A message activity: typed `text`, or a card button's `value` (Teams sends no text then)."""
    fields: dict[str, Any] = {"text": text} if text is not None else {}
    if value is not None:
        fields["value"] = value
    return activity("message", **fields, **kwargs)
