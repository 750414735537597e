"""Inserting thousands of rows in one statement, skipping those whose unique key exists.

A reminder sweep over a trust inserts hundreds of thousands of ledger and outbox rows. Sent through the
ORM or an executemany, each row costs Python work per value; here the rows travel as ONE JSON parameter (an
array of arrays) that the database unpacks itself (SQLite `json_each`, PostgreSQL `json_array_elements`)
inside an `INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`, so the cost is one `json.dumps` and one
statement. Values that are the same for every row (a timestamp) are bound once, through their column type;
a JSON column's value is serialised once per distinct object (a sweep sends the same request to thousands).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, Table, bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

#: SQLite 3.38+ has the ->> operator, about a third faster than json_extract for this.
_ARROW = sqlite3.sqlite_version_info >= (3, 38)


def _plain(value: Any) -> str:
    """What json.dumps cannot write itself: dates, as ISO text (how both databases read a date)."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot insert a {type(value).__name__} through JSON")


def insert_json_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                     constants: Mapping[str, Any] | None = None, returning: Sequence[str] = ()) -> list[tuple]:
    """Insert `rows` (tuples of values for `columns`: str, int, date, None, or a list/dict for a JSON column)
    with `constants` (column -> value, the same for every row), skipping rows whose unique key exists.
    Returns the `returning` columns of the rows inserted (in no particular order)."""
    if not rows:
        return []
    constants = dict(constants or {})
    json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    if json_at:
        rows = _with_json_as_text(rows, json_at)
    postgres = session.get_bind().dialect.name == "postgresql"
    selected = [_pick(table, c, i, postgres=postgres) for i, c in enumerate(columns)]
    selected += [f":c_{c}" for c in constants]
    # (SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT)
    source = "json_array_elements(CAST(:rows AS json)) AS r" if postgres else "json_each(:rows) WHERE true"
    names = ", ".join(f'"{n}"' for n in (*columns, *constants))
    sql = f'INSERT INTO "{table.name}" ({names}) SELECT {", ".join(selected)} FROM {source} ON CONFLICT DO NOTHING'
    if returning:
        sql += " RETURNING " + ", ".join(f'"{c}"' for c in returning)
    statement = text(sql).bindparams(*(bindparam(f"c_{c}", type_=table.c[c].type) for c in constants))
    payload = json.dumps(rows if isinstance(rows, list) else list(rows), separators=(",", ":"), default=_plain)
    result = session.execute(statement, {"rows": payload, **{f"c_{c}": v for c, v in constants.items()}})
    return [tuple(r) for r in result.fetchall()] if returning else []


def _with_json_as_text(rows: Sequence[Sequence[Any]], json_at: list[int]) -> list[list[Any]]:
    """Rows with each JSON column's value already serialised (once per distinct object) as text; None stays
    None (SQL NULL)."""
    serialised: dict[int, str] = {}
    out = []
    for row in rows:
        row = list(row)
        for i in json_at:
            value = row[i]
            if value is None:
                continue
            if id(value) not in serialised:
                serialised[id(value)] = json.dumps(value, separators=(",", ":"))
            row[i] = serialised[id(value)]
        out.append(row)
    return out


def _pick(table: Table, column: str, index: int, *, postgres: bool) -> str:
    """The SQL reading element `index` of one row array as the column's type."""
    kind = table.c[column].type
    if postgres:
        if isinstance(kind, JSON):
            return f"CAST(r->>{index} AS json)"
        if isinstance(kind, Date):
            return f"CAST(r->>{index} AS date)"
        if isinstance(kind, Integer):
            return f"CAST(r->>{index} AS integer)"
        return f"r->>{index}"
    element = f"value ->> {index}" if _ARROW else f"json_extract(value, '$[{index}]')"
    return f"json({element})" if isinstance(kind, JSON) else element
