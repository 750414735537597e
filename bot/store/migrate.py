"""Bringing a database to the newest schema: what every command does on start.

Alembic is configured in code (no alembic.ini), with the scripts in bot/store/migrations.
Two processes starting together (web and worker) must not both migrate: PostgreSQL takes a
transaction-scoped advisory lock, SQLite takes its write lock at BEGIN; the second process
waits, then finds the schema already at head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from bot.store.engine import IMMEDIATE

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any constant shared by every policybot process: the key of the advisory lock held while migrating.
_PG_LOCK_KEY = 0x706F6C6963790001


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Apply every migration the database has not had yet, atomically and one process at a time."""
    config = alembic_config()
    with engine.connect() as connection:
        connection.execution_options(**{IMMEDIATE: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
