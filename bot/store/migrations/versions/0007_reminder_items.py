"""The reminder ledger lists what each row covered: one policy acknowledgement row per person and step.

Before, the policy acknowledgement kept one ledger row per person, step AND policy (period
`year:policy:version`), four times the rows its messages need: a trust's first sweep of the year wrote
200,000. Now one row covers every policy one message asks about, listed in `items` as [policy id, version]
pairs. Rows written before stay as they are, each a round of one policy: their items are read from their
period here, so chasing that was under way carries on unchanged.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: The campaign id the acknowledgement ledger rows were written under (intents/campaigns/).
ACKNOWLEDGEMENT = "policy_acknowledgement"


def upgrade() -> None:
    op.add_column("reminder_sends", sa.Column("items", sa.JSON(), nullable=True))
    ledger = sa.table("reminder_sends", sa.column("id", sa.Integer()), sa.column("campaign", sa.String()),
                      sa.column("period", sa.String()), sa.column("items", sa.JSON()))
    connection = op.get_bind()
    rows = connection.execute(sa.select(ledger.c.id, ledger.c.period).where(ledger.c.campaign == ACKNOWLEDGEMENT))
    updates = []
    for row_id, period in rows:
        parts = period.split(":")
        if len(parts) == 3:  # year:policy:version
            updates.append({"row_id": row_id, "items": [[parts[1], parts[2]]]})
    if updates:
        connection.execute(ledger.update().where(ledger.c.id == sa.bindparam("row_id"))
                           .values(items=sa.bindparam("items")), updates)


def downgrade() -> None:
    op.drop_column("reminder_sends", "items")
