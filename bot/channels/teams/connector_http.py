"""The Bot Connector client's HTTP, sent with aiohttp on the server's event loop.

botframework-connector sends through msrest's `requests` driver, which runs each call in a worker thread:
profiled under load (benchmarks/load_bench.py), requests and the hand-over to and from the thread were a
seventh of a Teams turn. The connector lets a client take another msrest driver (botbuilder's own streaming
driver is one); `AiohttpDriver` is such a driver, on one aiohttp session for the whole process.

What the requests driver did, this one does too:
- the connector's credentials policy still signs the driver's `requests.Session` (the bearer token goes in
  its headers), and those headers are sent, as requests would send them;
- the configured timeout (100 s), and a proxy from the environment (`HTTPS_PROXY`, `NO_PROXY`), as requests
  honours it (read once, where aiohttp's `trust_env` would read it and ~/.netrc on every request);
- a request that never reached the connector (no connection) is retried up to three times, after 0, 1.6
  and 3.2 s, as urllib3 did; one that may have reached it is not (a reply sent twice would show twice);
- a failure is msrest's `ClientRequestError`, and a refusal the connector's error with its status and
  headers (`Retry-After`), as before.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass_environment

import aiohttp
from botframework.connector import AsyncBfPipeline, ConnectorClient
from msrest.exceptions import ClientRequestError
from msrest.universal_http import ClientRequest
from msrest.universal_http.aiohttp import AioHttpClientResponse
from msrest.universal_http.async_requests import AsyncRequestsHTTPSender

#: Tries at making a connection before a request fails (urllib3's `connect=3` retries, plus the first).
CONNECT_TRIES = 4
#: msrest's retry backoff factor: urllib3 waits 0, then factor * 2, factor * 4 seconds between tries.
CONNECT_BACKOFF = 0.8


class SharedSession:
    """One aiohttp session for every connector client of a process: opened on first use, on the running event
    loop (the server's), and closed with the web app."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._proxies = getproxies()  # the environment's proxy settings, as the process started
        self._proxy_of: dict[tuple[str, str | None], str | None] = {}

    def get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    def proxy_for(self, url: str) -> str | None:
        """The proxy to reach `url` through, if the environment names one (and NO_PROXY does not exempt it);
        worked out once per scheme and host (a connector has one address)."""
        parts = urlsplit(url)
        origin = (parts.scheme, parts.hostname)
        if origin not in self._proxy_of:
            bypass = parts.hostname is None or proxy_bypass_environment(parts.hostname, self._proxies)
            self._proxy_of[origin] = None if bypass else self._proxies.get(parts.scheme)
        return self._proxy_of[origin]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class AiohttpDriver(AsyncRequestsHTTPSender):
    """msrest's HTTP driver for a connector client, sending with the shared aiohttp session."""

    def __init__(self, config: Any, session: SharedSession, *, backoff: float = CONNECT_BACKOFF) -> None:
        super().__init__(config)
        self._shared = session
        self._backoff = backoff

    def _wait(self, attempt: int) -> float:
        """The wait before try `attempt` (2, 3, ...) to connect: urllib3's, none before the first retry."""
        return 0.0 if attempt <= 2 else self._backoff * 2 ** (attempt - 2)

    async def send(self, request: ClientRequest, **kwargs: Any) -> AioHttpClientResponse:  # type: ignore[override]
        signed = kwargs.get("session", self.session)  # the requests session the credentials policy signed
        headers = {**signed.headers, **self.config.headers, **request.headers}
        timeout = aiohttp.ClientTimeout(total=self.config.connection.timeout)
        proxy = self._shared.proxy_for(request.url)
        for attempt in range(1, CONNECT_TRIES + 1):
            if attempt > 1:
                await asyncio.sleep(self._wait(attempt))
            try:
                response = await self._shared.get().request(request.method, request.url, headers=headers,
                                                            data=request.data, timeout=timeout, proxy=proxy)
                received = AioHttpClientResponse(request, response)
                await received.load_body()
                return received
            except aiohttp.ClientConnectorError as err:
                if attempt == CONNECT_TRIES:
                    raise ClientRequestError("Error occurred in request.") from err
            except (TimeoutError, aiohttp.ClientError) as err:
                raise ClientRequestError("Error occurred in request.") from err
        raise AssertionError("unreachable: the last try returns or raises")


def use_aiohttp(client: ConnectorClient, session: SharedSession, *, backoff: float = CONNECT_BACKOFF) -> None:
    """Send `client`'s requests with the aiohttp driver, through the connector's own pipeline (its user agent
    and credentials policies kept)."""
    client.config.driver = AiohttpDriver(client.config, session, backoff=backoff)
    client.config.pipeline = AsyncBfPipeline(client.config)
