"""The store: the one way into the database, opened and migrated in one call.

    store = open_store()                 # DATABASE_URL, else var/policybot.db
    with store.transaction() as tx:      # one atomic unit of work
        person = tx.staff.get("d.price")

A transaction exposes repositories (`tx.schools`, `tx.staff`, and those later features add);
they take and return plain records, never ORM rows or sessions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from threading import RLock
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import PolicybotError
from bot.store.channel_repo import ConversationRefRepository, SeenEventRepository
from bot.store.dialogue_repo import DialogueRepository, NoticeRepository, OfferRepository
from bot.store.engine import IMMEDIATE, database_url, make_engine
from bot.store.lock_repo import LockRepository
from bot.store.migrate import upgrade_to_head
from bot.store.outbox_repo import ConsoleInboxRepository, OutboxRepository
from bot.store.privacy_repo import PrivacyRepository
from bot.store.reminder_repo import AcknowledgementRepository, ReminderRepository
from bot.store.report_repo import AuditRepository, ReportRepository
from bot.store.school_repo import SchoolRepository
from bot.store.staff_repo import StaffRepository
from bot.store.training_repo import TrainingRepository


class Transaction:
    """The repositories of one unit of work; everything done through them commits or rolls back together."""

    def __init__(self, session: Session) -> None:
        self.schools = SchoolRepository(session)
        self.staff = StaffRepository(session)
        self.reports = ReportRepository(session)
        self.audit = AuditRepository(session)
        self.outbox = OutboxRepository(session)
        self.inbox = ConsoleInboxRepository(session)
        self.notices = NoticeRepository(session)
        self.offers = OfferRepository(session)
        self.dialogues = DialogueRepository(session)
        self.acknowledgements = AcknowledgementRepository(session)
        self.reminders = ReminderRepository(session)
        self.seen_events = SeenEventRepository(session)
        self.conversation_refs = ConversationRefRepository(session)
        self.training = TrainingRepository(session)
        self.locks = LockRepository(session)
        self.privacy = PrivacyRepository(session)


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time, and its own queue is a poll: a writer finding the file locked sleeps
        # 1, 2, 5 ... up to 100 ms between tries, so under load it waits far longer than the lock is held (a few
        # milliseconds). The threads of one process (a web process's concurrent requests) take this lock
        # first, and the next is woken the moment it is free; other processes still meet SQLite's busy timeout.
        # PostgreSQL's writers queue on row locks and need nothing.
        self._writer: AbstractContextManager[object] = nullcontext() if self.concurrent_writers else RLock()

    @property
    def url(self) -> str:
        """The database URL with any password hidden, for messages and logs."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def concurrent_writers(self) -> bool:
        """Whether write transactions run at once (PostgreSQL) rather than one after another (SQLite)."""
        return self.engine.dialect.name != "sqlite"

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Transaction]:
        """Commit when the block ends normally, roll back if it raises.

        `write=True` for a unit of work that reads and then writes: on SQLite it takes the write lock
        at the start (queueing behind other writers) instead of failing with "database is locked" when a
        reader tries to become a writer; PostgreSQL needs nothing (its row locks do the queueing).
        """
        with self._writer if write else nullcontext(), self._sessions.begin() as session:
            if write:
                session.connection(execution_options={IMMEDIATE: True})
            yield Transaction(session)

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A raw session in one transaction, for store implementations in this package only."""
        with self._writer if write else nullcontext(), self._sessions.begin() as session:
            if write:
                session.connection(execution_options={IMMEDIATE: True})
            yield session

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
    try:
        upgrade_to_head(engine)
    except OperationalError as exc:
        shown = engine.url.render_as_string(hide_password=True)
        engine.dispose()
        # The driver's first line says why (refused, bad password, no such database); it never holds the password.
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise PolicybotError(f"cannot open the database {shown}: {reason} - check DATABASE_URL and that the "
                             "database server is running") from None
    return Store(engine)
