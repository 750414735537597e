"""Acknowledgements of policies and the reminder ledger that makes reminders exactly-once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.coltypes import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("policy_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("academic_year", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgements")),
        sa.UniqueConstraint("staff_id", "policy_id", "version", "academic_year",
                            name=op.f("uq_acknowledgements_staff_id")),
    )
    op.create_index(op.f("ix_acknowledgements_school_id"), "acknowledgements", ["school_id"])
    op.create_index(op.f("ix_acknowledgements_staff_id"), "acknowledgements", ["staff_id"])
    op.create_table(
        "reminder_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("period", sa.String(128), nullable=False),
        sa.Column("recipient_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sends")),
        sa.UniqueConstraint("staff_id", "campaign", "step", "period", name=op.f("uq_reminder_sends_staff_id")),
    )
    op.create_index(op.f("ix_reminder_sends_school_id"), "reminder_sends", ["school_id"])


def downgrade() -> None:
    op.drop_table("reminder_sends")
    op.drop_table("acknowledgements")
