"""Load benchmark of the web process: concurrent staff on the Slack and the Teams endpoints; prints its figures.

Issue 7's target is 200 messages/s at p99 under 300 ms on one core, with Slack's ack always inside 3 s.
For each platform this starts the real `policybot serve` (a fresh SQLite database, or DATABASE_URL when set)
with the tests' fake platform API on loopback, the server on one core of its own (the clients and fakes on the
others), and drives it for DURATION seconds from CLIENTS concurrent staff: the demo school plus one teacher per
client, on Slack and Teams. Each sends a realistic mix: real staff questions (the tests' staff question sets,
each client its own share, long stories and typos included), and after every four a report begun ("report",
then the form's first answer, then "cancel"). It prints messages per second, p50/p99/max latency
(Slack: to the ack and to the answer reaching the fake Web API; Teams: to the end of the turn, by when the reply
has reached the fake connector), the server's CPU time per message and peak RSS, and a yardstick of how fast the
machine was (benchmarks/serving.py).

The fakes answer over TLS, as slack.com and the Bot Connector do, with a certificate made for the run that the
server trusts through SSL_CERT_FILE: the cost of connecting is part of what a reply costs (`--plain-http` leaves
TLS out, to compare).

With `--rate`, messages fall due on a fixed schedule instead (an open loop): issue 7's target is checked by
`--rate 200`, with enough clients (say 100) that a free one is always there when the next message is due.

With `--api-latency 150`, the fakes take 150 ms to answer each call, as slack.com and the Bot Connector do from
a school's server: the bot must then keep enough calls in flight at once, not merely spend little CPU on each.

Run: `.venv/bin/python benchmarks/load_bench.py [--clients 20] [--duration 20] [--platform slack|teams|both]
[--rate MESSAGES_PER_SECOND] [--api-latency MS] [--plain-http]`.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import yaml
from serving import figures, one_core, serving, use_test_fakes, yardstick

use_test_fakes()
from fake_bot_connector import FakeBotConnector, message  # noqa: E402
from slack_bench import _turn  # noqa: E402
from slack_fake import fake_slack  # noqa: E402
from teams_bench import _post  # noqa: E402
from tls import self_signed, server_context  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

#: Real staff questions: the tests' sets, written apart from the engine, with their lengths, typos and topics.
STAFF_QUESTIONS = ROOT / "tests" / "data" / "staff_questions"
#: A report begun, its first question answered, then cancelled, after every QUESTIONS_PER_REPORT questions.
REPORT = ["report", "1", "cancel"]
QUESTIONS_PER_REPORT = 4


def _questions() -> list[str]:
    """Every staff question of the sets, in a fixed shuffled order."""
    questions = [item["q"] for path in sorted(STAFF_QUESTIONS.glob("set*.yaml"))
                 for item in yaml.safe_load(path.read_text(encoding="utf-8"))]
    random.Random(7).shuffle(questions)
    return questions


def _script(index: int, clients: int, questions: list[str]) -> Iterator[str]:
    """One staff member's turns, round and round: four questions of their own (client `index` takes every
    `clients`-th question), then a report begun and cancelled."""
    mine = questions[index::clients] or questions
    for start in itertools.count(0, QUESTIONS_PER_REPORT):
        yield from (mine[(start + k) % len(mine)] for k in range(QUESTIONS_PER_REPORT))
        yield from REPORT


#: Event and activity ids, counted from the clock: a run against a kept database (DATABASE_URL) must not repeat
#: an earlier run's ids, which the bot would rightly ignore as the platform's retries.
EVENT_NUMBERS = itertools.count(time.time_ns() // 1000)


class Staff:
    """The staff driving the load: one teacher per client, added to the demo school, so no two clients share a
    conversation (a shared one would let one client take another's answer as its own)."""

    def __init__(self, clients: int, folder: str) -> None:
        self.slack = [f"ULOAD{n:05d}" for n in range(clients)]
        self.teams = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"policybot-load-{n}")) for n in range(clients)]
        school = yaml.safe_load((ROOT / "school" / "demo-school.yaml").read_text())
        school["staff"] += [{"id": f"load.t{n:05d}", "name": f"Load Teacher {n}", "roles": ["teacher"],
                             "email": f"load.t{n:05d}@riverside-academy.example", "start_date": date(2020, 9, 1),
                             "slack_id": slack, "teams_id": teams}
                            for n, (slack, teams) in enumerate(zip(self.slack, self.teams, strict=True))]
        self.school_file = Path(folder) / "school.yaml"
        self.school_file.write_text(yaml.safe_dump(school, sort_keys=False))


def _cpu_seconds(pid: int) -> float:
    """The server's CPU time so far (user and system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    """The server's high-water resident memory (VmHWM), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _drive(clients: int, duration: float, turn: Callable[[int, str, int], tuple[float, ...]], server: int, *,
           rate: float | None = None) -> tuple[float, list[tuple[float, ...]], float]:
    """Run `clients` threads, each following its own `_script` as its own staff member, for `duration` seconds: (wall
    seconds, each turn's figures, the `server` process's CPU seconds meanwhile).

    Without `rate` each client sends its next message as soon as the last is answered (as fast as the server
    goes). With `rate`, messages are due at exactly `rate` a second, shared out to whichever client is free, and
    each figure counts from when its message was due: a server that falls behind shows it in the latencies
    rather than by slowing its own load (no coordinated omission)."""
    slots = itertools.count()
    questions = _questions()
    results: list[tuple[float, ...]] = []
    lock = threading.Lock()
    began = time.perf_counter()
    stop = began + duration

    def client(index: int) -> None:
        for text in _script(index, clients, questions):
            due = began + next(slots) / rate if rate else time.perf_counter()
            if due >= stop:
                return
            time.sleep(max(0.0, due - time.perf_counter()))
            late = time.perf_counter() - due
            figures = tuple(late + seconds for seconds in turn(index, text, next(EVENT_NUMBERS)))
            with lock:
                results.append(figures)

    cpu = _cpu_seconds(server)
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, results, _cpu_seconds(server) - cpu


def _print_totals(platform: str, clients: int, wall: float, count: int, cpu: float, pid: int) -> None:
    print(f"{platform}: {count} messages from {clients} clients in {wall:.1f} s = {count / wall:.0f} messages/s")
    print(f"{platform}: server CPU {1000 * cpu / count:.2f} ms per message ({100 * cpu / wall:.0f}% of its core), "
          f"peak RSS {_peak_rss_mb(pid):.0f} MB")


def _database(folder: str) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/load.db"


def _trusting(certificate: Path | None) -> dict[str, str]:
    """The server's environment additions that make it trust the fakes' certificate."""
    return {"SSL_CERT_FILE": str(certificate)} if certificate else {}


def bench_slack(clients: int, duration: float, server_cores: set[int], certificate: Path | None,
                rate: float | None, latency: float) -> None:
    tls = server_context(certificate) if certificate else None
    with fake_slack(tls=tls) as fake, tempfile.TemporaryDirectory() as folder:
        fake.latency = latency
        staff = Staff(clients, folder).slack
        env = {**os.environ, "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url,
               "DATABASE_URL": _database(folder), "POLICYBOT_SCHOOL": str(Path(folder) / "school.yaml"),
               **_trusting(certificate)}
        env.pop("SLACK_APP_TOKEN", None)
        with serving("slack", env, cores=server_cores) as (port, process):
            url = f"http://127.0.0.1:{port}/slack/events"
            for user in staff:  # first contact: the privacy notice, caches warm
                _turn(fake, url, user, "hello", next(EVENT_NUMBERS))
            wall, results, cpu = _drive(clients, duration, lambda i, text, n: _turn(fake, url, staff[i], text, n),
                                        process.pid, rate=rate)
            _print_totals("slack", clients, wall, len(results), cpu, process.pid)
            print("slack " + figures("ack", [r[0] for r in results]))
            print("slack " + figures("answer", [r[1] for r in results]))


def bench_teams(clients: int, duration: float, server_cores: set[int], certificate: Path | None,
                rate: float | None, latency: float) -> None:
    connector = FakeBotConnector(latency=latency).start(tls=server_context(certificate) if certificate else None)
    try:
        with tempfile.TemporaryDirectory() as folder:
            staff = Staff(clients, folder).teams
            env = {**os.environ, "DATABASE_URL": _database(folder), "MICROSOFT_APP_ID": "",
                   "POLICYBOT_SCHOOL": str(Path(folder) / "school.yaml"), **_trusting(certificate)}
            with serving("teams", env, cores=server_cores) as (port, process):
                url = f"http://127.0.0.1:{port}/api/messages"

                def turn(index: int, text: str, n: int) -> tuple[float, ...]:
                    return (_post(url, message(text, service_url=connector.url,
                                               aad_object_id=staff[index], activity_id=f"load{n}")),)

                for index in range(len(staff)):
                    turn(index, "hello", next(EVENT_NUMBERS))
                wall, results, cpu = _drive(clients, duration, turn, process.pid, rate=rate)
                _print_totals("teams", clients, wall, len(results), cpu, process.pid)
                print("teams " + figures("turn", [r[0] for r in results]))
    finally:
        connector.stop()


def _yardstick(cores: set[int]) -> float:
    """The yardstick (benchmarks/serving.py) run on `cores`: the server's core is the one whose speed matters."""
    kept = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        return yardstick()
    finally:
        os.sched_setaffinity(0, kept)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--platform", choices=("slack", "teams", "both"), default="both")
    parser.add_argument("--rate", type=float, help="messages a second, due on a fixed schedule (latency counts "
                        "from when each was due); without it, each client sends again once answered")
    parser.add_argument("--plain-http", action="store_true", help="the fakes answer over HTTP, not TLS")
    parser.add_argument("--api-latency", type=float, default=0.0, metavar="MS",
                        help="milliseconds the fake platform APIs take to answer each call (slack.com and the Bot "
                        "Connector take 100-300 ms from a UK school's server); default 0")
    args = parser.parse_args()
    server_cores, load_cores = one_core()
    os.sched_setaffinity(0, load_cores)
    print(f"server on core {sorted(server_cores)}, clients and fakes on {sorted(load_cores)}")
    print(f"{args.clients} clients, " + (f"{args.rate:g} messages/s due on a fixed schedule" if args.rate
                                         else "each sending again once answered"))
    print(f"yardstick on the server's core before: a 10,000,000-step Python loop took {_yardstick(server_cores):.2f} s")
    latency = args.api_latency / 1000
    if latency:
        print(f"the fake platform APIs take {args.api_latency:g} ms to answer each call")
    with tempfile.TemporaryDirectory() as folder:
        certificate = None if args.plain_http else self_signed(Path(folder))
        print(f"fake platform APIs over {'HTTP' if certificate is None else 'TLS'}")
        if args.platform in ("slack", "both"):
            bench_slack(args.clients, args.duration, server_cores, certificate, args.rate, latency)
        if args.platform in ("teams", "both"):
            bench_teams(args.clients, args.duration, server_cores, certificate, args.rate, latency)
    print(f"yardstick on the server's core after: {_yardstick(server_cores):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
