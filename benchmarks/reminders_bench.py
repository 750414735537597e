"""Benchmark of one reminder sweep for a trust of 50,000 staff across 100 schools, staff already stored.

Loading the configuration and filling the database are not part of the figures (the database is filled by a
child process, so this process's peak RSS is the sweeps', plus the configuration and policies). Prints, on
this machine, wall-clock and CPU time of:
- the first sweep on a school day (everyone asked about four policies: 50,000 messages and ledger rows; the training
  refresher is created for everyone: 50,000 dues);
- a second sweep at the same moment (nothing due: the exactly-once check over the whole ledger);
- a sweep three days later (everyone's first reminder);
- peak RSS of this process;
- how long a fixed pure-Python loop takes at that moment, as a yardstick: on a shared virtual machine the
  speed varies by a third from minute to minute, and this says how fast the machine was during the run.

Run: `.venv/bin/python benchmarks/reminders_bench.py [DATABASE_URL]` (default: a SQLite file in a temp dir).
CPU time is the better figure on a busy machine; for PostgreSQL it leaves out the server's own work.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from serving import yardstick
from sqlalchemy import insert

from bot.reminders import build_reminders
from bot.reminders.calendar import may_remind
from bot.school import SchoolConfig, load_school
from bot.store import open_store
from bot.store.models import SchoolRow, StaffRow

ROOT = Path(__file__).resolve().parent.parent
SCHOOLS, PER_SCHOOL = 100, 500
TUESDAY = datetime(2026, 11, 24, 10, 0)


def trust_config() -> SchoolConfig:
    """100 copies of the demo school (its calendar and the four policies), each listing its Head only: the
    sweep reads staff from the database, as in production."""
    demo = load_school(ROOT / "school" / "demo-school.yaml").schools[0]
    head = demo.staff[0]
    schools = tuple(demo.model_copy(update={"id": f"school{n:03d}", "staff": (head.model_copy(
        update={"id": f"s{n:03d}.head"}),), "policy_owners": {}}) for n in range(SCHOOLS))
    return SchoolConfig(schools=schools)


def fill(url: str) -> None:
    now = datetime.now(UTC)
    with open_store(url) as store, store.session(write=True) as session:
        session.execute(insert(SchoolRow), [{"id": f"school{n:03d}", "name": f"School {n}", "timezone": "Europe/London",
                                             "trust_id": None, "created_at": now, "updated_at": now}
                                            for n in range(SCHOOLS)])
        rows = []
        for n in range(SCHOOLS):
            for i in range(PER_SCHOOL):
                head = i == 0
                rows.append({"id": f"s{n:03d}.head" if head else f"s{n:03d}.p{i:03d}", "school_id": f"school{n:03d}",
                             "name": f"Person {n}-{i}", "email": None, "roles": ["head"] if head else ["staff"],
                             "job_title": None, "line_manager": None if head else f"s{n:03d}.head",
                             "start_date": date(2020, 9, 1), "slack_id": None, "teams_id": None,
                             "status": "active", "source": "school_file", "created_at": now, "updated_at": now})
        session.execute(insert(StaffRow), rows)


def main() -> None:
    tmp = tempfile.TemporaryDirectory()
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    filler = multiprocessing.get_context("spawn").Process(target=fill, args=(url,))
    filler.start()
    filler.join()
    if filler.exitcode != 0:
        raise SystemExit("filling the database failed")
    config = trust_config()
    store = open_store(url)
    reminders = build_reminders(store, config=config)
    may_remind(config.schools[0], TUESDAY)  # imports the bank holiday tables once, as a running worker has

    for label, moment in (("first sweep", TUESDAY), ("same moment again", TUESDAY),
                          ("three days later", TUESDAY.replace(day=27))):
        wall, cpu = time.perf_counter(), time.process_time()
        queued = reminders.run_due(now=moment)
        print(f"{label}: {len(queued)} messages in {time.perf_counter() - wall:.2f} s "
              f"(CPU {time.process_time() - cpu:.2f} s)")
    print(f"yardstick: a 10,000,000-step Python loop took {yardstick():.2f} s")
    print(f"peak RSS of this process (sweeps, configuration and policies): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    store.close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
