"""Unfinished forms and first-use notices in the database: the core's one store for every channel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from bot.forms.state import DialogueKey
from bot.store.models import DialogueStateRow, PendingOfferRow, PrivacyNoticeSeenRow
from bot.store.upserts import per_dialect, upsert

if TYPE_CHECKING:
    from bot.store.store import Store


#: The unique key of a table keyed by user (column -> the parameter `_user` fills).
_USER_KEY = {"platform": "platform", "workspace": "workspace", "user_id": "user"}


def _of_user(table: type[DialogueStateRow] | type[PendingOfferRow]) -> tuple[Any, ...]:
    """The WHERE clauses picking one user's row of a table keyed by (platform, workspace, user): bound
    parameters, filled by `_user`."""
    return tuple(getattr(table, column) == bindparam(name) for column, name in _USER_KEY.items())


def _user(key: DialogueKey) -> dict[str, str]:
    """The parameters of `_of_user` for one user."""
    return {"platform": key.platform, "workspace": key.workspace, "user": key.user}


# What every message reads and writes, built once (building a statement costs several times the database's
# answer).
# FOR UPDATE (PostgreSQL; SQLite's one writer already serialises): read inside a turn, the row stays locked until
# the turn commits, so a second message of the same person mid-form, worked on at once in another thread or
# process, reads the state the first left, and neither answer is lost.
_STATE = select(DialogueStateRow.state).where(*_of_user(DialogueStateRow)).with_for_update()
_PUT_STATE = upsert(DialogueStateRow, keys=_USER_KEY, columns=("state", "updated_at"))
_OFFER = select(PendingOfferRow.offer).where(*_of_user(PendingOfferRow))
_PUT_OFFER = upsert(PendingOfferRow, keys=_USER_KEY, columns=("offer", "offered_at"))
_TAKE_OFFER = delete(PendingOfferRow).where(*_of_user(PendingOfferRow)).returning(PendingOfferRow.offer)
_NOTICE = select(PrivacyNoticeSeenRow.staff_id).where(PrivacyNoticeSeenRow.staff_id == bindparam("staff_id"))
# The first sighting decided by the primary key: two first messages of one person worked on at once would both
# find no row, and the second insert would fail and lose that turn.
_FIRST_NOTICE = per_dialect(lambda insert: insert(PrivacyNoticeSeenRow).values(
    staff_id=bindparam("staff_id"), seen_at=bindparam("seen_at", type_=PrivacyNoticeSeenRow.__table__.c.seen_at.type))
    .on_conflict_do_nothing().returning(PrivacyNoticeSeenRow.staff_id))


class DatabaseDialogueStateStore:
    """The DialogueStateStore protocol over the `dialogue_states` table; each call is its own transaction,
    so a state is saved the moment a turn ends."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, key: DialogueKey) -> dict[str, Any] | None:
        with self._store.session() as session:  # every message asks: a column read, not an ORM object
            state = session.connection().execute(_STATE, _user(key)).scalar()
            return json.loads(json.dumps(state)) if state is not None else None

    def put(self, key: DialogueKey, state: dict[str, Any]) -> None:
        saved = json.loads(json.dumps(state, allow_nan=False))  # refuse what the database could not keep
        with self._store.session(write=True) as session:
            connection = session.connection()
            connection.execute(_PUT_STATE[connection.dialect.name],
                               {**_user(key), "state": saved, "updated_at": datetime.now(UTC)})

    def delete(self, key: DialogueKey) -> None:
        with self._store.session(write=True) as session:
            DialogueRepository(session).delete(key)

    def items(self) -> Iterator[tuple[DialogueKey, dict[str, Any]]]:
        with self._store.session() as session:
            rows = [(DialogueKey(r.platform, r.workspace, r.user_id), r.state)
                    for r in session.scalars(select(DialogueStateRow).order_by(
                        DialogueStateRow.platform, DialogueStateRow.workspace, DialogueStateRow.user_id))]
        yield from rows


class DialogueRepository:
    """Unfinished forms inside a larger unit of work: a sent form's state is deleted in the transaction that
    stores its report, so a crash leaves either the form (to send again) or the report, never both or neither."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def delete(self, key: DialogueKey) -> None:
        self._session.execute(delete(DialogueStateRow).where(
            DialogueStateRow.platform == key.platform, DialogueStateRow.workspace == key.workspace,
            DialogueStateRow.user_id == key.user))


class OfferRepository:
    """The form (or the picker) just offered to each user, so their "yes" may reach any process."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def put(self, key: DialogueKey, offer: str, *, now: datetime) -> None:
        connection = self._session.connection()
        connection.execute(_PUT_OFFER[connection.dialect.name], {**_user(key), "offer": offer, "offered_at": now})

    def waiting(self, key: DialogueKey) -> bool:
        """Whether an offer waits for this user (a read: most messages have none, and need no write lock)."""
        return self._session.connection().execute(_OFFER, _user(key)).scalar() is not None

    def take(self, key: DialogueKey) -> str | None:
        """The pending offer, forgotten as it is read: an offer is answered once, or not at all."""
        return self._session.connection().execute(_TAKE_OFFER, _user(key)).scalar()


class NoticeRepository:
    """Who has seen the privacy notice."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def seen(self, staff_id: str) -> bool:
        """Every message asks: a column read, not an ORM object."""
        return self._session.connection().execute(_NOTICE, {"staff_id": staff_id}).scalar() is not None

    def first_time(self, staff_id: str, *, now: datetime) -> bool:
        """True (and remembered) the first time this person is seen; False every time after, in any thread or
        process."""
        connection = self._session.connection()
        result = connection.execute(_FIRST_NOTICE[connection.dialect.name], {"staff_id": staff_id, "seen_at": now})
        return result.first() is not None
