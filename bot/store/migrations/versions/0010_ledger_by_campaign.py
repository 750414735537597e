"""Index the reminder ledger by (school, campaign) instead of by school alone.

Every campaign of a sweep reads one school's ledger rows of that campaign (acknowledgement rounds, training
chases, induction steps, policy reviews). Indexed by school alone, each of those reads walked the school's
whole ledger, every campaign's rows, and the ledger grows all year: measured, a tenth of a sweep over a
trust of 50,000 staff the day after the first ask, and more each week.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reminder_sends_school_id_campaign", "reminder_sends", ["school_id", "campaign"])
    op.drop_index(op.f("ix_reminder_sends_school_id"), table_name="reminder_sends")


def downgrade() -> None:
    op.create_index(op.f("ix_reminder_sends_school_id"), "reminder_sends", ["school_id"])
    op.drop_index("ix_reminder_sends_school_id_campaign", table_name="reminder_sends")
