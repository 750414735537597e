"""Engines for the configured database: SQLite by default, PostgreSQL in production.

PostgreSQL connections are checked before use (see `make_engine`), so processes outlive a database restart.

SQLite gets the settings a multi-process bot needs (the web and worker processes share one
file): foreign keys enforced, write-ahead logging so readers never wait for a writer, a busy
timeout instead of an instant "database is locked", and real transactions that SQLAlchemy
begins itself, so that schema changes are atomic too.
"""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot import paths

BUSY_TIMEOUT_MS = 30_000
#: Connections a process keeps open: for the turns in the database at once (a web process's turn threads,
#: bot.core.service.TURN_THREADS, spend most of their time waiting on the chat platform instead) and its outbox
#: drain, or for a worker's sweep batches. SQLAlchemy's default keeps 5 and opens and closes any more for every
#: use: a new connection per message under load. Beyond these it opens up to 10 more for a burst (its overflow).
POOL_SIZE = 20
CONNECT_TIMEOUT_S = 10

# An execution option: a transaction begun on a connection carrying it takes SQLite's write lock
# at once (BEGIN IMMEDIATE), so two processes migrating the same file queue instead of racing.
IMMEDIATE = "policybot_sqlite_immediate"


def database_url(url: str | None = None) -> str:
    """The URL to use: `url`, else `DATABASE_URL`, else a SQLite file under `<home>/var/`.

    `postgres://` and driverless `postgresql://` URLs (as hosting platforms hand them out) are
    pointed at psycopg 3, the driver policybot ships with.
    """
    chosen = url or os.environ.get("DATABASE_URL")
    if not chosen:
        var = paths.home() / "var"
        var.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{var / 'policybot.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if chosen.startswith(prefix):
            return "postgresql+psycopg://" + chosen[len(prefix) :]
    return chosen


#: PostgreSQL's SQLSTATE for "deadlock detected": it failed this transaction to free another.
DEADLOCK_DETECTED = "40P01"


def deadlocked(error: DBAPIError) -> bool:
    """Whether `error` is the database failing this transaction to break a deadlock: nothing of it was kept,
    and the same work may simply be done again."""
    return getattr(error.orig, "sqlstate", None) == DEADLOCK_DETECTED


def make_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite's connections set up as described above."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # pool_pre_ping: a connection the server dropped (a restart, a failover, an idle timeout) is noticed when
        # it is taken from the pool and replaced, so a long-running web or worker process survives a restart.
        # A server that does not answer is an error after CONNECT_TIMEOUT_S, not a hang (the URL may override).
        connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_S}
        return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, connect_args=connect_args)
    if parsed.database and parsed.database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
    engine = create_engine(url, pool_size=POOL_SIZE)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: object) -> None:
    # Autocommit at the driver level: pysqlite's own implicit BEGIN skips DDL statements, so
    # SQLAlchemy issues BEGIN itself in _sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _use_wal(cursor)
    cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to write-ahead logging once; the setting is kept in the file.

    The switch needs the file to itself and SQLite does not wait for that (the busy timeout
    does not apply), so a process opening a new file while another is creating it retries.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if mode in ("wal", "memory"):  # an in-memory database has no journal file to switch
                return
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
