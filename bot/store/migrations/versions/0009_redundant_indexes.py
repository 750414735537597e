"""Drop two indexes that repeat the first column of a unique key (which already serves look-ups by it).

`acknowledgements.staff_id` leads UNIQUE (staff_id, policy_id, version, academic_year) and
`training_dues.staff_id` leads UNIQUE (staff_id, training, period): a look-up by person uses the unique
index, and each extra index is one more B-tree to update for every row a reminder sweep inserts
(measured: 10% of inserting a trust's 50,000 training dues).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index(op.f("ix_acknowledgements_staff_id"), table_name="acknowledgements")
    op.drop_index(op.f("ix_training_dues_staff_id"), table_name="training_dues")


def downgrade() -> None:
    op.create_index(op.f("ix_training_dues_staff_id"), "training_dues", ["staff_id"])
    op.create_index(op.f("ix_acknowledgements_staff_id"), "acknowledgements", ["staff_id"])
