"""The privacy log: reports deleted at the end of their retention period and staff data erased on request.

No foreign keys, on purpose: an entry must outlive the report (or the staff record) it is about. It holds
the reference or staff id, what happened and when, never a report's contents.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.coltypes import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_log")),
    )
    op.create_index(op.f("ix_privacy_log_subject"), "privacy_log", ["subject"])


def downgrade() -> None:
    op.drop_table("privacy_log")
