"""The Slack Web API client keeps its connections open, and still behaves as slack_sdk's own towards the SDK.

Every call goes to the local fake of the Web API (tests/slack_fake.py), over plain HTTP or, as to slack.com,
over TLS with a certificate made for the test.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.error import URLError

import pytest
from slack_fake import FakeSlack, fake_slack
from slack_sdk.errors import SlackApiError, SlackRequestError
from tls import self_signed, server_context

from bot.channels.slack.server import web_client
from bot.channels.slack.web_api import KeptAliveWebClient


def _ports(fake: FakeSlack) -> set[int]:
    with fake.lock:
        return {call.port for call in fake.calls}


def test_calls_share_one_connection() -> None:
    with fake_slack() as fake:
        client = web_client("xoxb-test", fake.url)
        for n in range(5):
            assert client.chat_postMessage(channel="D1", text=f"answer {n}")["ok"]
        assert len(fake.called("chat.postMessage")) == 5
        assert len(_ports(fake)) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return self_signed(tmp_path_factory.mktemp("tls"))


@contextmanager
def fake_slack_over_tls(certificate: Path) -> Iterator[tuple[FakeSlack, ssl.SSLContext]]:
    """The fake answering HTTPS, counting TLS handshakes; and a client context that trusts its certificate."""
    with fake_slack(tls=server_context(certificate)) as fake:
        yield fake, ssl.create_default_context(cafile=str(certificate))


def test_over_tls_one_handshake_serves_many_calls(certificate: Path) -> None:
    with fake_slack_over_tls(certificate) as (fake, trusted):
        client = KeptAliveWebClient(token="xoxb-test", base_url=fake.url, ssl=trusted)
        for n in range(5):
            assert client.chat_postMessage(channel="D1", text=f"answer {n}")["ok"]
        assert fake.url.startswith("https://")
        assert len(fake.called("chat.postMessage")) == 5
        assert fake.handshakes == 1


def test_an_untrusted_certificate_is_refused(certificate: Path) -> None:
    with fake_slack_over_tls(certificate) as (fake, _):
        client = KeptAliveWebClient(token="xoxb-test", base_url=fake.url)  # the system's CAs only
        with pytest.raises(URLError, match="CERTIFICATE_VERIFY_FAILED"):
            client.chat_postMessage(channel="D1", text="answer")
        assert fake.called("chat.postMessage") == []


def test_a_rate_limited_call_is_sent_again_after_retry_after() -> None:
    with fake_slack() as fake:
        fake.fail_next("chat.postMessage", status=429, retry_after="0")
        client = web_client("xoxb-test", fake.url)
        assert client.chat_postMessage(channel="D1", text="answer")["ok"]
        assert [call.status for call in fake.calls] == [429, 200]


def test_a_refusal_is_the_sdks_error_with_its_status() -> None:
    with fake_slack() as fake:
        fake.fail_next("chat.postMessage", status=500)
        client = web_client("xoxb-test", fake.url)
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="D1", text="answer")
        assert raised.value.response.status_code == 500
        assert raised.value.response["error"] == "ratelimited"  # the fake's body, read as the SDK reads it


def test_a_connection_dropped_mid_call_is_tried_once_more() -> None:
    with fake_slack() as fake:
        fake.fail_next("chat.postMessage", status=0)  # reads the call, then hangs up without answering
        client = web_client("xoxb-test", fake.url)
        assert client.chat_postMessage(channel="D1", text="answer")["ok"]
        assert [call.status for call in fake.calls] == [0, 200]


def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    with fake_slack() as fake:
        fake.keep_alive = False  # closes each connection after answering, without a Connection: close
        client = web_client("xoxb-test", fake.url)
        for n in range(3):
            assert client.chat_postMessage(channel="D1", text=f"answer {n}")["ok"]
        assert [call.status for call in fake.calls] == [200, 200, 200]
        assert len(_ports(fake)) == 3


def test_an_unreachable_api_is_a_url_error() -> None:
    with fake_slack() as fake:
        url = fake.url
    client = web_client("xoxb-test", url)  # the fake has stopped: nothing listens on its port
    with pytest.raises(URLError):
        client.chat_postMessage(channel="D1", text="answer")


def test_calls_go_through_the_proxy() -> None:
    with fake_slack() as fake:  # the fake answers as the proxy would, having forwarded the call
        client = KeptAliveWebClient(token="xoxb-test", base_url="http://slack.invalid/api/", proxy=fake.url)
        assert client.chat_postMessage(channel="D1", text="through the proxy")["ok"]
        assert fake.called("chat.postMessage")[0].params["text"] == "through the proxy"


def test_the_environments_proxy_is_the_sdks(monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_slack() as fake:
        monkeypatch.setenv("HTTPS_PROXY", fake.url)
        client = KeptAliveWebClient(token="xoxb-test", base_url="http://slack.invalid/api/")
        assert client.chat_postMessage(channel="D1", text="through the proxy")["ok"]
        assert len(fake.called("chat.postMessage")) == 1


def test_only_http_addresses_are_called(tmp_path: Path) -> None:
    client = KeptAliveWebClient(token="xoxb-test", base_url=f"file://{tmp_path}/")
    with pytest.raises(SlackRequestError, match="Invalid URL"):
        client.chat_postMessage(channel="D1", text="answer")
