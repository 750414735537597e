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
from contextvars import ContextVar
from dataclasses import dataclass
from threading import RLock
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
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


@dataclass
class _Unit:
    """The transaction a unit of work's steps share: how many statements in it changed data, and whether a
    step that had changed data failed."""

    session: Session
    transaction: Transaction
    writes: int = 0
    failed: bool = False


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._unit: ContextVar[_Unit | None] = ContextVar(f"policybot_unit_{id(self)}", default=None)
        event.listen(engine, "before_cursor_execute", self._count_write)
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
        Inside `unit_of_work` the block is a step of the unit's transaction instead.
        """
        with self._step(write=write) as unit:
            yield unit.transaction

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A raw session in one transaction, for store implementations in this package only."""
        with self._step(write=write) as unit:
            yield unit.session

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """One transaction for every `transaction()` and `session()` the block opens in this thread (or task).

        A chat turn opens several small transactions (was this event seen, who is this, their form's state, a
        pending offer, the report): each costs a BEGIN, a COMMIT and a session, more than its queries. Joined,
        the turn commits once, when the block ends, so a caller still tells the user only after everything is
        stored. A step that raises after changing data dooms the unit: even if the caller carries on (a
        domain error such as "no such report" is caught and shown), nothing of the unit commits. A step that
        only read may fail and be caught as before. Nothing slow may run inside (no calls to a chat platform):
        on SQLite the unit holds the write lock.
        """
        if self._unit.get() is not None:
            yield
            return
        with self._step(write=True, joinable=False) as unit:
            token = self._unit.set(unit)
            try:
                yield
            finally:
                self._unit.reset(token)
            if unit.failed:
                raise RuntimeError("a step of this unit of work failed after changing data and the caller "
                                   "carried on: rolled back")

    @contextmanager
    def _step(self, *, write: bool, joinable: bool = True) -> Iterator[_Unit]:
        """A transaction of its own, or a step of the unit of work this thread is in."""
        unit = self._unit.get() if joinable else None
        if unit is not None:
            writes = unit.writes
            try:
                yield unit
                unit.session.flush()  # so that a later step's failure finds only its own changes pending
            except BaseException as exc:
                session = unit.session
                if (unit.writes != writes or session.new or session.dirty or session.deleted
                        or isinstance(exc, DBAPIError)):
                    unit.failed = True
                raise
            return
        with self._writer if write else nullcontext(), self._sessions.begin() as session:
            if write:
                session.connection(execution_options={IMMEDIATE: True})
            yield _Unit(session, Transaction(session))

    def _count_write(self, conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        """Count the statements of this thread's unit of work that are not reads (before_cursor_execute)."""
        unit = self._unit.get()
        if unit is not None and statement.lstrip()[:6].upper() != "SELECT":
            unit.writes += 1

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
