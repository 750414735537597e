"""The tables, as SQLAlchemy models. Each change here needs a migration in migrations/versions/.

Every table that holds school data carries `school_id`, so one deployment can serve a whole
multi-academy trust. Constraint names follow one convention so that later migrations (and
SQLite's batch mode, which rebuilds tables) can refer to them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.coltypes import UTCDateTime
from bot.store.records import StaffSource, StaffStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def _in(column: str, values: type[StaffStatus] | type[StaffSource]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class SchoolRow(Base):
    __tablename__ = "schools"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    trust_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StaffRow(Base):
    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(_in("status", StaffStatus), name="status"),
        CheckConstraint(_in("source", StaffSource), name="source"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    job_title: Mapped[str | None] = mapped_column(String(200))
    # A staff id, not a foreign key: an MIS export may name a manager before their own row.
    line_manager: Mapped[str | None] = mapped_column(String(64))
    start_date: Mapped[date | None] = mapped_column(Date)
    slack_id: Mapped[str | None] = mapped_column(String(32), index=True)
    teams_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
