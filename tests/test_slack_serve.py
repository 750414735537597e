"""`policybot serve slack` as deployed: the real command in its own process, against the fake Web API.

A signed `message.im` event POSTed to /slack/events is answered by a chat.postMessage to the fake whose
text cites a clause; a request with a bad signature is refused.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_fake import FakeSlack, dm_event, event_body, fake_slack, post_to_bot, signed_headers

TEACHER = "U07CK597ZNS"  # r.ahmed in the demo school


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[str], *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"policybot serve slack exited: {process.communicate()[1]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("policybot serve slack did not start listening")


def _policybot() -> list[str]:
    script = Path(sys.executable).with_name("policybot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[FakeSlack, str]]:
    port = _free_port()
    with fake_slack() as fake:
        env = {**os.environ, "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url,
               "DATABASE_URL": database_url}
        env.pop("SLACK_APP_TOKEN", None)
        process = subprocess.Popen([*_policybot(), "serve", "slack", "--port", str(port)], env=env, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            _wait_listening(port, process)
            yield fake, f"http://127.0.0.1:{port}/slack/events"
        finally:
            process.terminate()
            process.wait(timeout=10)
            if process.stdout:
                process.stdout.close()
            if process.stderr:
                process.stderr.close()


def test_a_signed_dm_is_answered_with_a_cited_clause(served: tuple[FakeSlack, str]) -> None:
    fake, url = served
    body = event_body(dm_event(TEACHER, "A pupil sent me a friend request on Instagram", n=1), event_id="EvSERVE1")
    status, _ = post_to_bot(url, body, headers=signed_headers(body))
    assert status == 200
    answer = fake.wait_for("chat.postMessage", lambda c: "friend requests must be declined" in c.params["text"],
                           timeout=30)
    assert answer.params["channel"] == "D" + TEACHER[1:]
    citations = [e["text"] for b in answer.params["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert citations and all("," in c for c in citations)  # "_Policy title, clause_"
    assert '" - ' in answer.params["text"]  # the fallback text quotes the clause and names its source


def test_a_bad_signature_is_refused_by_the_served_app(served: tuple[FakeSlack, str]) -> None:
    fake, url = served
    body = event_body(dm_event(TEACHER, "can I follow a parent?", n=2), event_id="EvSERVE2")
    status, _ = post_to_bot(url, body, headers=signed_headers(body, secret="wrong"))
    assert status == 401
    assert not fake.called("chat.postMessage")
