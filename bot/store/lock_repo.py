"""Transaction-scoped locks for work that two processes must not do at once (e.g. loading the school file's
staff into an empty database: both would insert the same people and one would fail on the unique key).

On PostgreSQL this is `pg_advisory_xact_lock`, released when the transaction ends; on SQLite a write
transaction (`store.transaction(write=True)`) already holds the one database write lock, so nothing more is
needed.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


class LockRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def exclusive(self, name: str) -> None:
        """Wait until no other transaction holds the lock `name`, then hold it until this one ends."""
        if self._session.get_bind().dialect.name != "postgresql":
            return
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
