"""Migrations: an empty database upgrades to head, twice is harmless, and the models match the scripts."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot import paths
from bot.store import database_url as resolve_url
from bot.store import open_store
from bot.store.engine import make_engine
from bot.store.migrate import current_revision, head_revision
from bot.store.models import Base


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
