"""The outbox's indexes serve what reads it, and cost a reminder sweep's messages as little as possible.

- The sender reads the messages not delivered yet. Indexed on `next_attempt_at` over every row, each poll
  walked every message ever delivered that is still kept (a trust's reminders: hundreds of thousands a
  year); now a partial index holds only the undelivered ones (`ix_outbox_pending`).
- A report's messages are read and deleted by report (who was sent it to act on, retention), which had no
  index: each was a scan of the outbox. Now a partial index over the messages that belong to a report; a
  reminder (no report) is not in it.
- `recipient_id` was indexed for a report look-up that now goes by report; the remaining readers by recipient
  are a subject-access export and an erasure, rare enough to scan. One index fewer for each of the tens of
  thousands of messages a sweep queues.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_PENDING = sa.text("delivered_at IS NULL")
_OF_A_REPORT = sa.text("report_id IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_outbox_pending", "outbox", ["next_attempt_at"], sqlite_where=_PENDING,
                    postgresql_where=_PENDING)
    op.create_index("ix_outbox_report_id", "outbox", ["report_id"], sqlite_where=_OF_A_REPORT,
                    postgresql_where=_OF_A_REPORT)
    op.drop_index(op.f("ix_outbox_next_attempt_at"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_recipient_id"), table_name="outbox")


def downgrade() -> None:
    op.create_index(op.f("ix_outbox_recipient_id"), "outbox", ["recipient_id"])
    op.create_index(op.f("ix_outbox_next_attempt_at"), "outbox", ["next_attempt_at"])
    op.drop_index("ix_outbox_report_id", table_name="outbox")
    op.drop_index("ix_outbox_pending", table_name="outbox")
