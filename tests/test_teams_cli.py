"""`policybot serve teams` as a deployment runs it: the real CLI in a subprocess, in local mode (no Microsoft
app id), answering a message activity POSTed to /api/messages by POSTing a reply that cites a clause to the
activity's serviceUrl - here a fake Bot Connector on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_bot_connector import FakeBotConnector, message, personal_conversation

from bot.answer.build import build_engine

R_AHMED = "82e26123-7776-4655-bc4e-4248b1515fff"
H_LI = "18bee074-5ec0-4260-bf98-80a6e73c49ea"
QUESTION = "A pupil sent me a friend request on Instagram"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _policybot() -> list[str]:
    script = Path(sys.executable).parent / "policybot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=15) as response:
        return response.status


@pytest.fixture(scope="module")
def connector() -> Iterator[FakeBotConnector]:
    fake = FakeBotConnector().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module: starting it (migrations, the engine) is most of the time these tests take."""
    port = _free_port()
    database = tmp_path_factory.mktemp("teams") / "teams.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "MICROSOFT_APP_ID": "",
           "MICROSOFT_APP_PASSWORD": "", "MICROSOFT_APP_TENANT_ID": "", "PORT": ""}
    env.pop("POLICYBOT_SCHOOL", None)
    process = subprocess.Popen([*_policybot(), "serve", "teams", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the server listens (migrations and the engine load first)
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/api/messages"
    finally:
        process.terminate()
        process.wait(10)


def test_serve_teams_answers_a_message_with_a_cited_clause(server: str, connector: FakeBotConnector) -> None:
    status = _post(server, message(QUESTION, service_url=connector.url, aad_object_id=R_AHMED, name="Rashid Ahmed",
                                   activity_id="1700000000001"))
    assert status in (200, 201)
    # Sent in the same turn: the reply is at the connector before the POST is answered (how long that takes
    # is measured by benchmarks/teams_bench.py).
    [reply] = connector.to(personal_conversation(R_AHMED))
    assert reply.reply_to_id == "1700000000001"
    assert "Authorization" not in reply.headers  # local mode fetches and sends no token
    best = build_engine().ask(QUESTION).clauses[0]
    shown = reply.shown()
    assert best.clause.text in shown and f"{best.title}, {best.clause.ref}" in shown
    assert reply.buttons() == {"Yes, start the report": "yes", "Not now": "no"}


def test_a_retried_activity_is_answered_once(server: str, connector: FakeBotConnector) -> None:
    body = message("can I follow a parent?", service_url=connector.url, aad_object_id=H_LI, activity_id="42")
    assert _post(server, body) in (200, 201)
    assert _post(server, body) in (200, 201)
    assert len(connector.to(personal_conversation(H_LI))) == 1


def test_a_post_that_is_not_an_activity_is_refused(server: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        _post(server, {"text": "no type"})
    assert refused.value.code == 400
