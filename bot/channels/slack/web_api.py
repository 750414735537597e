"""The Slack Web API client, over kept-alive connections.

slack_sdk's `WebClient` sends each call with `urllib.request.urlopen`, which opens a new connection every
time: a DNS lookup, a TCP handshake and a TLS handshake for every reply the bot posts. Measured over TLS on
loopback, a chat.postMessage then costs the posting thread 3.3-3.8 ms of CPU, against 0.8 ms on a connection
kept open: a third of what a whole Slack turn costs the web process, before counting the round trips to
slack.com. `KeptAliveWebClient` sends the same requests through one urllib3 pool per process (thread-safe,
and already installed with `requests`), so calls reuse open connections.

Only the sending is replaced (`_perform_urllib_http_request_internal`, the SDK's seam between building a
request and reading its answer), and it behaves as urllib does towards the rest of the SDK: a status other
than 2xx is raised as `urllib.error.HTTPError`, so the SDK's retry handlers (429 after Retry-After, a
dropped connection once) and its `SlackApiError` work unchanged; a failure to connect is a `URLError`, a
connection dropped mid-call the `http.client` error urllib would have raised, and a slow answer a
`TimeoutError`. The proxy is the SDK's (its `proxy` argument, or HTTPS_PROXY from the environment).
"""

from __future__ import annotations

import io
from http.client import HTTPMessage
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

import urllib3
from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError

from bot.core.service import TURN_THREADS

#: Connections kept open to slack.com: one for each turn thread posting its reply, and for the outbox's posts
#: (urllib3 would open, use once and drop a connection beyond these, with a TLS handshake each time).
POOL_SIZE = TURN_THREADS + 2


class KeptAliveWebClient(WebClient):
    """A `WebClient` whose calls reuse open connections (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options: dict[str, Any] = {"maxsize": POOL_SIZE, "retries": False, "ssl_context": self.ssl}
        self._pool = urllib3.ProxyManager(self.proxy, **options) if self.proxy else urllib3.PoolManager(**options)

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if not url.lower().startswith("http"):  # as the SDK: never a file:// or ftp:// address
            raise SlackRequestError(f"Invalid URL detected: {url}")
        try:
            response = self._pool.request("POST", url, body=req.data, headers=dict(req.header_items()),
                                          timeout=self.timeout, retries=False)
        except urllib3.exceptions.ReadTimeoutError as err:
            raise TimeoutError(str(err)) from err
        except urllib3.exceptions.ProtocolError as err:  # dropped mid-call: urllib raises the http.client error
            cause = err.args[1] if len(err.args) > 1 and isinstance(err.args[1], OSError) else None
            raise (cause or URLError(err)) from err
        except urllib3.exceptions.HTTPError as err:  # could not connect (refused, DNS, TLS, connect timeout)
            raise URLError(err) from err
        headers = HTTPMessage()
        for name, value in response.headers.iteritems():
            headers[name] = value
        if not 200 <= response.status < 300:
            raise HTTPError(url, response.status, response.reason or "", headers, io.BytesIO(response.data))
        body = response.data.decode(headers.get_content_charset() or "utf-8")
        return {"status": response.status, "headers": headers, "body": body}

