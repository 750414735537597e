"""Statements built once per dialect that leave a clash on a unique key to the database.

Two turns of one person, in two threads or processes, may both find no row and both insert one: read-then-insert
loses the second turn to a unique-key error. An `INSERT ... ON CONFLICT` lets the database decide, in one round
trip. PostgreSQL and SQLite spell it alike but through their own `insert`, so each statement is built for both
(and built once: building one costs several times the database's answer).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite

#: Each dialect's INSERT with its ON CONFLICT clauses.
INSERTS: tuple[tuple[str, Callable[..., Any]], ...] = (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))


def per_dialect(build: Callable[[Callable[..., Any]], Any]) -> dict[str, Any]:
    """`build(insert)` for each dialect's insert, by dialect name (`connection.dialect.name`)."""
    return {dialect: build(insert) for dialect, insert in INSERTS}


def upsert(table: Any, *, keys: Mapping[str, str], columns: Sequence[str]) -> dict[str, Any]:
    """Per dialect, one statement that writes `columns` of the row whose unique key is `keys` (column -> bound
    parameter name), inserting the row if it is new."""
    columns_of = table.__table__.c

    def build(insert: Callable[..., Any]) -> Any:
        statement = insert(table).values(**{column: bindparam(name) for column, name in keys.items()},
                                         **{c: bindparam(c, type_=columns_of[c].type) for c in columns})
        return statement.on_conflict_do_update(index_elements=[columns_of[column] for column in keys],
                                               set_={c: statement.excluded[c] for c in columns})

    return per_dialect(build)
