"""Migrations: an empty database upgrades to head, twice is harmless, the models match the scripts, and a
database holding data at any earlier revision upgrades to head with every row intact."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, Table, inspect, select, text

from bot import paths
from bot.store import database_url as resolve_url
from bot.store import open_store
from bot.store.engine import make_engine
from bot.store.migrate import alembic_config, current_revision, head_revision
from bot.store.models import Base
from bot.store.outbox_repo import body_id


def test_empty_database_upgrades_to_head(database_url: str) -> None:
    with open_store(database_url) as store, store.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        tables = set(inspect(connection).get_table_names())
    assert {"schools", "staff", "alembic_version"} <= tables


def test_models_and_migrations_agree(database_url: str) -> None:
    with open_store(database_url) as store, store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "bot/store/models.py changed without a migration in migrations/versions/"


def test_opening_again_is_a_no_op(database_url: str) -> None:
    with open_store(database_url) as store, store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO schools (id, name, timezone, created_at, updated_at) "
                "VALUES ('x', 'X', 'Europe/London', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    with open_store(database_url) as store, store.transaction() as tx:
        assert [s.id for s in tx.schools.list()] == ["x"]


def test_two_processes_starting_together_both_succeed(database_url: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            open_store(database_url).close()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a process starting up hung while migrating"
    assert errors == []


def test_sqlite_connections_are_set_up(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'db.sqlite'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_default_url_is_a_sqlite_file_under_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("POLICYBOT_HOME", str(tmp_path))
    assert resolve_url() == f"sqlite:///{paths.home() / 'var' / 'policybot.db'}"
    assert (tmp_path / "var").is_dir()


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@db:5432/x", "postgresql+psycopg://u:p@db:5432/x"),
        ("postgresql://u:p@db/x", "postgresql+psycopg://u:p@db/x"),
        ("postgresql+psycopg://u@db/x", "postgresql+psycopg://u@db/x"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_from_the_environment(monkeypatch: pytest.MonkeyPatch, given: str, used: str) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert resolve_url() == used
    assert resolve_url("sqlite:///explicit.db") == "sqlite:///explicit.db"


# -- upgrading a database that already holds data, from every earlier revision --------------------------

T0 = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)

#: Representative rows for each table, in an order that satisfies the foreign keys. Each is inserted only
#: when its table exists at the revision under test; `report_id` is filled in with the report's id.
SAMPLE_ROWS: list[tuple[str, dict[str, Any]]] = [
    ("schools", {"id": "riverside", "name": "Riverside Academy", "timezone": "Europe/London", "trust_id": None,
                 "created_at": T0, "updated_at": T0}),
    ("staff", {"id": "d.price", "school_id": "riverside", "name": "Daniel Price", "email": "d.price@example.org",
               "roles": ["dsl", "staff"], "job_title": "DSL", "line_manager": None, "start_date": date(2020, 9, 1),
               "slack_id": "U1", "teams_id": "t1", "status": "active", "source": "school_file",
               "created_at": T0, "updated_at": T0}),
    ("report_counters", {"prefix": "PC", "year": 2025, "last": 1}),
    ("reports", {"reference": "PC-2025-0001", "school_id": "riverside", "form_id": "pupil_contact",
                 "reporter_id": "r.ahmed", "answers": {"what": "a friend request"}, "summary": [["What", "a request"]],
                 "urgent": False, "status": "acknowledged", "outcome": None, "subjects": [], "routed_to": ["d.price"],
                 "readers": ["d.price"], "approval": None, "notes": [], "escalation_level": 0, "escalate_at": None,
                 "acknowledged_by": "d.price", "acknowledged_at": T0, "closed_at": None, "created_at": T0,
                 "updated_at": T0}),
    ("report_audit", {"report_id": None, "school_id": "riverside", "actor_id": "d.price", "action": "viewed",
                      "detail": None, "at": T0}),
    ("dialogue_states", {"platform": "console", "workspace": "riverside", "user_id": "r.ahmed",
                         "state": {"form": "cyberbullying", "answers": {}}, "updated_at": T0}),
    ("pending_offers", {"platform": "slack", "workspace": "T1", "user_id": "U9", "offer": "picker",
                        "offered_at": T0}),
    ("privacy_notices_seen", {"staff_id": "r.ahmed", "seen_at": T0}),
    ("outbox", {"school_id": "riverside", "recipient_id": "d.price", "replies": [{"type": "text", "text": "hi"}],
                "idempotency_key": "report:PC-2025-0001:alert:d.price", "report_id": None, "attempts": 1,
                "next_attempt_at": T0, "claimed_until": None, "delivered_at": T0, "last_error": None,
                "created_at": T0}),
    ("console_inbox", {"recipient_id": "d.price", "replies": [{"type": "text", "text": "hi"}],
                       "idempotency_key": "report:PC-2025-0001:alert:d.price", "created_at": T0, "shown_at": None}),
    ("acknowledgements", {"school_id": "riverside", "staff_id": "d.price", "policy_id": "kaleidoscope-2024",
                          "version": "2024", "academic_year": "2024-25", "channel": "console",
                          "acknowledged_at": T0}),
    ("reminder_sends", {"school_id": "riverside", "staff_id": "d.price", "campaign": "policy_ack", "step": "ask",
                        "period": "2024-25", "recipient_id": "d.price", "kind": "ask", "sent_at": T0}),
    ("seen_events", {"platform": "slack", "event_id": "Ev1", "seen_at": T0}),
    ("conversation_refs", {"platform": "teams", "school_id": "riverside", "staff_id": "d.price",
                           "reference": {"conversation": {"id": "a:1"}}, "updated_at": T0}),
    ("training_dues", {"school_id": "riverside", "staff_id": "d.price", "training": "safeguarding",
                       "reason": "refresher", "period": "2024-25", "due_on": date(2025, 3, 31),
                       "completed_on": date(2025, 3, 1), "completed_via": "console", "created_at": T0}),
    ("policy_versions", {"policy_id": "kaleidoscope-2024", "version": "2024", "first_seen_at": T0}),
    ("privacy_log", {"school_id": "riverside", "action": "report_deleted", "subject": "PC-2018-0001",
                     "actor_id": "policybot", "detail": "pupil_contact", "at": T0}),
]


#: Columns a later migration moved to another table: checked through the repositories instead.
MOVED = {("outbox", "replies")}


def _revisions_before_head() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions())) if r.revision != script.get_current_head()]


def _upgrade_to(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _insert_samples(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """The sample rows of every table present, as inserted."""
    inserted: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as connection:
        present = set(inspect(connection).get_table_names())
        metadata = MetaData()
        report_id = None
        for table_name, row in SAMPLE_ROWS:
            if table_name not in present:
                continue
            table = Table(table_name, metadata, autoload_with=connection)
            values = {**row, **({"report_id": report_id} if "report_id" in row else {})}
            if table_name == "outbox" and "replies" not in table.c:  # 0008 on: the words are a shared body
                body = Table("outbox_bodies", metadata, autoload_with=connection)
                key_of_body = body_id(values["replies"])
                connection.execute(body.insert().values(id=key_of_body, replies=values["replies"]))
                row_values = {**{k: v for k, v in values.items() if k != "replies"}, "body_id": key_of_body}
            else:
                row_values = values
            key = connection.execute(table.insert().values(**row_values)).inserted_primary_key
            if table_name == "reports":
                report_id = key[0]
            inserted.setdefault(table_name, []).append(values)
    return inserted


@pytest.mark.parametrize("revision", _revisions_before_head())
def test_a_database_at_any_earlier_revision_upgrades_with_its_data_intact(database_url: str, revision: str) -> None:
    engine = make_engine(database_url)
    try:
        _upgrade_to(engine, revision)
        inserted = _insert_samples(engine)
        assert inserted, f"no sample rows fit revision {revision}"
    finally:
        engine.dispose()
    with open_store(database_url) as store:
        with store.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
            for table_name, rows in inserted.items():  # read through the models, so types come back typed
                stored = [dict(r._mapping) for r in connection.execute(select(Base.metadata.tables[table_name]))]
                assert len(stored) == len(rows), table_name
                for column, value in rows[0].items():
                    if (table_name, column) in MOVED:
                        continue
                    assert stored[0][column] == value, f"{table_name}.{column} changed by the upgrade from {revision}"
        with store.transaction(write=True) as tx:  # the upgraded database is used as usual afterwards
            if "reports" in inserted:
                report = tx.reports.get("PC-2025-0001")
                assert report is not None and report.answers == {"what": "a friend request"}
                assert tx.reports.next_reference_number(prefix="PC", year=2025) == 2
                assert [m.report_reference for m in tx.outbox.list()] == ["PC-2025-0001"]
            if "outbox" in inserted:  # moved into a body by 0008
                assert [m.replies for m in tx.outbox.list()] == [inserted["outbox"][0]["replies"]]
            person = tx.staff.get("d.price")
            assert person is not None and person.roles == ("dsl", "staff") and person.start_date == date(2020, 9, 1)
            tx.outbox.queue(school_id="riverside", recipient_id="d.price", replies=[], idempotency_key="after",
                            now=T0)


def test_acknowledgement_rows_from_before_0007_become_rounds_of_one_policy(database_url: str) -> None:
    """A ledger row written per policy (period `year:policy:version`) is read as a round asking about that
    policy alone, so chasing that was under way carries on after the upgrade instead of asking again."""
    engine = make_engine(database_url)
    try:
        _upgrade_to(engine, "0006")
        with engine.begin() as connection:
            ledger = Table("reminder_sends", MetaData(), autoload_with=connection)
            connection.execute(ledger.insert(), [
                {"school_id": "riverside", "staff_id": "b.turner", "campaign": "policy_acknowledgement", "step": step,
                 "period": "2026-27:snmat:273af6274ad839e1", "recipient_id": "b.turner", "kind": step,
                 "sent_at": T0} for step in ("ask", "reminder-1")] + [
                {"school_id": "riverside", "staff_id": "b.turner", "campaign": "training", "step": "due",
                 "period": "safeguarding:refresher:2026-27", "recipient_id": "b.turner", "kind": "training_due",
                 "sent_at": T0}])
    finally:
        engine.dispose()
    with open_store(database_url) as store, store.transaction() as tx:
        rounds = tx.reminders.rounds(campaign="policy_acknowledgement", period_prefix="2026-27:",
                                     school_id="riverside")
        training = tx.reminders.sent(campaigns=["training"], period_prefix="")
    assert [(step, items) for _, _, step, _, items in rounds] == [
        ("ask", (("snmat", "273af6274ad839e1"),)), ("reminder-1", (("snmat", "273af6274ad839e1"),))]
    assert [s.items for s in training] == [None]
