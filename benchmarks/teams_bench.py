"""Benchmark of the Teams channel's turn; prints its figures (quote them in notes, don't assert them in tests).

Teams waits 15 seconds for a bot to answer an activity. This starts `policybot serve teams` (local mode, a
fresh SQLite database) and a fake Bot Connector on loopback, then measures, on this machine, the time from
POSTing a message activity to /api/messages until the POST is answered - by which time the reply card has
reached the connector, since it is sent in the same turn:
- questions one at a time (p50, p99, max);
- the same questions from 10 staff at once (p50, p99, max), the event loop answering them together.

Run: `.venv/bin/python benchmarks/teams_bench.py`.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from serving import figures, serving, use_test_fakes

use_test_fakes()
from fake_bot_connector import FakeBotConnector, message  # noqa: E402

QUESTIONS = ["A pupil sent me a friend request on Instagram", "can I follow a parent on facebook?",
             "can I post sports day photos?", "a parent messaged me on whatsapp", "can I use my own phone for photos?"]
STAFF = ["82e26123-7776-4655-bc4e-4248b1515fff", "7d836e77-af67-4461-a416-3207d0944996",
         "70eb9a0a-9626-4ae6-85e8-18fac0433cbd", "57241955-b91d-4dd9-9389-b372a341738c",
         "17371472-6c16-4229-b608-d9425d111a9d", "90624fe3-6b82-46c9-982f-b0f1423674a6",
         "b7a1774f-1a42-421e-aba4-c70ee306f0c4", "fcbad167-f5a9-4a5f-adf1-65dab6eafff5",
         "025ff87c-44df-4a13-94f3-98ee4b5c1a95", "18bee074-5ec0-4260-bf98-80a6e73c49ea"]


def _post(url: str, body: dict) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30):
        pass
    return time.perf_counter() - started


def main() -> int:
    connector = FakeBotConnector().start()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/bench.db", "MICROSOFT_APP_ID": ""}
        try:
            with serving("teams", env) as (port, _):
                url = f"http://127.0.0.1:{port}/api/messages"
                ids = iter(range(1, 10**6))

                def ask(aad: str, question: str) -> float:
                    return _post(url, message(question, service_url=connector.url, aad_object_id=aad,
                                              activity_id=str(next(ids))))

                ask(STAFF[0], "hello")  # first turn: privacy notice, engine warm
                print(figures("one at a time", [ask(STAFF[0], q) for q in QUESTIONS * 8]))
                with ThreadPoolExecutor(len(STAFF)) as pool:
                    together = list(pool.map(lambda pair: ask(*pair),
                                             [(aad, q) for q in QUESTIONS * 4 for aad in STAFF]))
                print(figures(f"{len(STAFF)} staff at once", together))
                print(f"replies at the connector: {len(connector.posted)}")
        finally:
            connector.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
