"""Benchmark of the Slack channel's turn; prints its figures (quote them in notes, don't assert them in tests).

Slack wants every request acknowledged within 3 seconds, and the answer soon after. This starts
`policybot serve slack` (a fresh SQLite database) against the tests' fake Web API on loopback, then measures,
on this machine:
- the ack: from POSTing a signed message.im event to /slack/events until the HTTP response (p50, p99, max);
- the answer: from the POST until the fake receives the chat.postMessage that answers it (p50, p99, max),
  questions one at a time, then from 10 staff at once.

Run: `.venv/bin/python benchmarks/slack_bench.py`.
"""

from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from serving import figures, serving, use_test_fakes

use_test_fakes()
from slack_fake import FakeSlack, dm_event, event_body, fake_slack, post_to_bot, signed_headers  # noqa: E402

QUESTIONS = ["A pupil sent me a friend request on Instagram", "can I follow a parent on facebook?",
             "can I post sports day photos?", "a parent messaged me on whatsapp", "can I use my own phone for photos?"]
STAFF = ["U07CK597ZNS", "U0773CUW5G4", "U078S4M36ET", "U07N2K4AFA4", "U07FNRHCTYK", "U077JQ6J8UF", "U07JV820K9N",
         "U07HW88GQ27", "U07RAFHUG4A", "U07WP1SYY08"]
ROUNDS = 40


def _turn(fake: FakeSlack, url: str, user: str, text: str, n: int) -> tuple[float, float]:
    """(seconds to the ack, seconds to the answer) of one DM."""
    event = dm_event(user, text, n=n)
    body = event_body(event, event_id=f"EvBench{n:06d}")
    begin = time.monotonic()
    start = time.perf_counter()
    status, _ = post_to_bot(url, body, headers=signed_headers(body))
    acked = time.perf_counter() - start
    assert status == 200
    channel = event["channel"]
    fake.wait_for("chat.postMessage", lambda c: c.at >= begin, channel=channel, timeout=30)
    return acked, time.perf_counter() - start


def main() -> int:
    with fake_slack() as fake, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url,
               "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        env.pop("SLACK_APP_TOKEN", None)
        with serving("slack", env) as (port, _):
            url = f"http://127.0.0.1:{port}/slack/events"
            acks, answers = [], []
            for n in range(ROUNDS):  # one at a time; the first turns also warm the caches
                acked, answered = _turn(fake, url, STAFF[n % len(STAFF)], QUESTIONS[n % len(QUESTIONS)], n)
                acks.append(acked)
                answers.append(answered)
            print(figures("ack, one at a time", acks))
            print(figures("answer, one at a time", answers))
            together: list[tuple[float, float]] = []
            for batch in range(4):
                with ThreadPoolExecutor(len(STAFF)) as pool:
                    numbers = [1000 + batch * 100 + i for i in range(len(STAFF))]
                    together += pool.map(lambda i, n: _turn(fake, url, STAFF[i], QUESTIONS[i % len(QUESTIONS)], n),
                                         range(len(STAFF)), numbers)
            print(figures("ack, 10 staff at once", [a for a, _ in together]))
            print(figures("answer, 10 staff at once", [b for _, b in together]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
