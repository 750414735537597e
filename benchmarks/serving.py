"""What the channel benchmarks share: a `policybot serve` process on a free loopback port, and figures."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"


def use_test_fakes() -> None:
    """Make the tests' fakes (fake Slack Web API, fake Bot Connector) importable: they live beside the tests."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_core() -> tuple[set[int], set[int]]:
    """(the core for the server, the cores for the load): the targets are for a server on one core, so the
    clients and fakes driving it must not take that core's time, nor lend it theirs."""
    cores = sorted(os.sched_getaffinity(0))
    return {cores[-1]}, set(cores[:-1]) or {cores[-1]}


@contextmanager
def serving(platform: str, env: dict[str, str], *, cores: set[int] | None = None) -> Iterator[
        tuple[int, subprocess.Popen[bytes]]]:
    """`policybot serve PLATFORM` in a child process, once it accepts connections: (port, process); with `cores`,
    the server runs on those cores only."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", platform, "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"policybot serve {platform} did not start") from None
                time.sleep(0.1)
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def yardstick() -> float:
    """CPU seconds a fixed 10,000,000-step pure-Python loop takes now: on a shared virtual machine the speed
    varies by a third or more from minute to minute, and this says how fast the machine was during a run."""
    began = time.process_time()
    total = 0
    for step in range(10_000_000):
        total += step
    return time.process_time() - began


def figures(name: str, seconds: list[float]) -> str:
    """p50, p99 and max of a list of durations, in milliseconds."""
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (f"{name}: p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms (n={len(ordered)})")
