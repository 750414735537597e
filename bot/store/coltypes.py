"""Column types shared by every table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC and always read back timezone-aware.

    SQLite keeps no offset, PostgreSQL does; going through UTC makes both behave the same, so
    code comparing times never mixes naive and aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware - use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def day_reader() -> Callable[[str | None], date | None]:
    """A reader of dates selected as text (`cast(column, Text)`: ISO on both databases), parsing each distinct
    value once. A sweep reads tens of thousands of rows whose dates are a handful of values (start dates,
    due dates); through the column type each would be parsed again."""
    days: dict[str | None, date | None] = {None: None}

    def read(text: str | None) -> date | None:
        if text not in days:
            days[text] = date.fromisoformat(text)  # type: ignore[arg-type]  # None is in `days`
        return days[text]

    return read


def moment_reader() -> Callable[[str], datetime]:
    """A reader of timestamps selected as text (`cast(column, Text)`), parsing each distinct value once and
    returning it aware, in UTC, as UTCDateTime does. A sweep's ledger rows mostly share a handful of moments
    (everyone asked in the same sweep). SQLite's text has no offset (it is stored in UTC); PostgreSQL's has
    the session's."""
    moments: dict[str, datetime] = {}

    def read(text: str) -> datetime:
        if text not in moments:
            moment = datetime.fromisoformat(text)
            moments[text] = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return moments[text]

    return read
