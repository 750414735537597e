"""Training due per member of staff, and the policy versions seen (a new version is a policy change).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.coltypes import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_dues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("training", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("period", sa.String(128), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("completed_via", sa.String(16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_dues")),
        sa.UniqueConstraint("staff_id", "training", "period", name=op.f("uq_training_dues_staff_id")),
    )
    op.create_index(op.f("ix_training_dues_school_id"), "training_dues", ["school_id"])
    op.create_index(op.f("ix_training_dues_staff_id"), "training_dues", ["staff_id"])
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint("policy_id", "version", name=op.f("uq_policy_versions_policy_id")),
    )


def downgrade() -> None:
    op.drop_table("policy_versions")
    op.drop_table("training_dues")
