"""Benchmark of the answer engine; prints its figures (quote them in notes, don't assert them in tests).

Measures, on this machine:
- per-question latency p50/p99 in one process over the development questions, at shipped
  scale (the demo school's policies) and for a synthetic trust of 100 policies made from
  the shipped ones;
- engine build time at both scales; peak RSS of this process;
- mean time per question through `policybot ask --batch FILE --json`;
- wall time of a one-shot `policybot ask`;
- ingest time of each seed policy (when ../shared/seeds is beside the checkout).

Run: `make bench` (or `.venv/bin/python benchmarks/answer_bench.py`).
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "dev.yaml"
POLICYBOT = [sys.executable, "-m", "bot"]


def questions() -> list[str]:
    """The dev questions when the shared eval set is beside the checkout, else intent examples."""
    if DEV.exists():
        return [item["q"] for item in yaml.safe_load(DEV.read_text())]
    found: list[str] = []
    for path in sorted((ROOT / "intents" / "questions").glob("*.yaml")):
        for intent in yaml.safe_load(path.read_text()):
            found.extend(intent["examples"][:2])
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def synthetic_trust(out: Path, *, count: int) -> None:
    """`count` policy files made from the shipped ones, each with its own id and reworded refs."""
    shipped = sorted(p for p in (ROOT / "policy_text").glob("*.yaml") if not p.name.endswith(".overrides.yaml"))
    for n in range(count):
        data = yaml.safe_load(shipped[n % len(shipped)].read_text())
        data["id"] = f"{data['id']}-s{n:03d}"
        data["title"] = f"{data['title']} (school {n})"
        for clause in data["clauses"]:
            clause["text"] = f"{clause['text']} [s{n}]"
        (out / f"{data['id']}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def measure(engine_dir: Path | None, qs: list[str], *, rounds: int = 5) -> tuple[float, list[float]]:
    """Build time without the cache, and per-question latencies of the built engine."""
    from bot import paths
    from bot.answer.build import _build

    t0 = time.perf_counter()
    engine = _build(policies_dir=engine_dir, school_path=paths.school_file(), school_id=None)
    build = time.perf_counter() - t0
    for q in qs:  # warm caches once, as a long-running process would be
        engine.ask(q)
    times: list[float] = []
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            engine.ask(q)
            times.append(time.perf_counter() - t)
    return build, times


def ingest_times() -> None:
    """Ingest each seed policy once (warm imports, shared topic tagger) and print the wall time of each."""
    seeds = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
    if not seeds:
        return
    from bot.ingest import ingest_file

    ingest_file(seeds[0], policy_id="warm-up")
    for seed in seeds:
        t = time.perf_counter()
        policy = ingest_file(seed, policy_id="bench")
        print(f"ingest {seed.name}: {(time.perf_counter() - t) * 1000:.0f} ms ({len(policy.clauses)} clauses)")


def main() -> int:
    ingest_times()
    qs = questions()
    print(f"questions: {len(qs)}")
    build, times = measure(None, qs)
    print(
        f"shipped scale: build {build * 1000:.0f} ms; "
        f"per question p50 {percentile(times, 0.5) * 1000:.2f} ms, "
        f"p99 {percentile(times, 0.99) * 1000:.2f} ms, max {max(times) * 1000:.2f} ms"
    )
    tmp = Path(tempfile.mkdtemp(prefix="policybot-bench-"))
    try:
        synthetic_trust(tmp, count=100)
        build, times = measure(tmp, qs, rounds=2)
        clauses = sum(len(yaml.safe_load(p.read_text())["clauses"]) for p in tmp.glob("*.yaml"))
        print(
            f"100 policies ({clauses} clauses): build {build:.2f} s; per question "
            f"p50 {percentile(times, 0.5) * 1000:.2f} ms, p99 {percentile(times, 0.99) * 1000:.2f} ms"
        )
    finally:
        shutil.rmtree(tmp)
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    from bot.answer.build import build_engine

    build_engine()
    t = time.perf_counter()
    build_engine()
    print(f"engine load from the build cache: {(time.perf_counter() - t) * 1000:.0f} ms")

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(q.replace("\n", " ") for q in qs) + "\n")
    t = time.perf_counter()
    subprocess.run([*POLICYBOT, "ask", "--batch", f.name, "--json"], check=True, capture_output=True, cwd=ROOT)
    batch = time.perf_counter() - t
    print(
        f"ask --batch: {batch:.2f} s for {len(qs)} questions, "
        f"mean {batch / len(qs) * 1000:.1f} ms per question "
        "(process start included)"
    )
    walls = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run(
            [*POLICYBOT, "ask", "--json", "can I follow a parent on instagram?"],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        walls.append(time.perf_counter() - t)
    print(f"one-shot ask: median {statistics.median(walls):.2f} s, max {max(walls):.2f} s wall")
    if shutil.which("time") or Path("/usr/bin/time").exists():
        # measured by time(1): a forked child's own getrusage would include this process's pages
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *POLICYBOT, "ask", "--batch", f.name, "--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        print(f"peak RSS of an ask --batch process: {int(proc.stderr.strip().splitlines()[-1]) / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
