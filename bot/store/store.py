"""The store: the one way into the database, opened and migrated in one call.

    store = open_store()                 # DATABASE_URL, else var/policybot.db
    with store.transaction() as tx:      # one atomic unit of work
        person = tx.staff.get("d.price")

A transaction exposes repositories (`tx.schools`, `tx.staff`, and those later features add);
they take and return plain records, never ORM rows or sessions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.store.engine import database_url, make_engine
from bot.store.migrate import upgrade_to_head
from bot.store.school_repo import SchoolRepository
from bot.store.staff_repo import StaffRepository


class Transaction:
    """The repositories of one unit of work; everything done through them commits or rolls back together."""

    def __init__(self, session: Session) -> None:
        self.schools = SchoolRepository(session)
        self.staff = StaffRepository(session)


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The database URL with any password hidden, for messages and logs."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Commit when the block ends normally, roll back if it raises."""
        with self._sessions.begin() as session:
            yield Transaction(session)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_store(url: str | None = None) -> Store:
    """Connect to `url` (else `DATABASE_URL`, else the SQLite file) and migrate it to the newest schema."""
    engine = make_engine(database_url(url))
    upgrade_to_head(engine)
    return Store(engine)
