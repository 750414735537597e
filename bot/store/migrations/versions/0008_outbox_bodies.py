"""What an outbox message says is stored once per distinct content, not once per recipient.

A trust's first reminder sweep of the year queued 50,000 copies of the same request (1.6 KB each, 80 MB);
now each outbox row points at its body (`outbox_bodies`, keyed by the SHA-256 of the replies' JSON), and the
request is stored once. Existing messages are moved into bodies here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bodies = op.create_table(
        "outbox_bodies",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("replies", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_bodies")),
    )
    op.add_column("outbox", sa.Column("body_id", sa.String(64), nullable=True))
    outbox = sa.table("outbox", sa.column("id", sa.Integer()), sa.column("replies", sa.JSON()),
                      sa.column("body_id", sa.String()))
    connection = op.get_bind()
    seen: set[str] = set()
    updates = []
    for row_id, replies in connection.execute(sa.select(outbox.c.id, outbox.c.replies)):
        text = json.dumps(replies, sort_keys=True, separators=(",", ":"))  # as bot.store.outbox_repo.body_id
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            connection.execute(bodies.insert().values(id=digest, replies=replies))
        updates.append({"row_id": row_id, "body": digest})
    if updates:
        connection.execute(outbox.update().where(outbox.c.id == sa.bindparam("row_id"))
                           .values(body_id=sa.bindparam("body")), updates)
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("replies")
        batch.alter_column("body_id", existing_type=sa.String(64), nullable=False)
        batch.create_foreign_key(op.f("fk_outbox_body_id_outbox_bodies"), "outbox_bodies", ["body_id"], ["id"])
        batch.create_index(op.f("ix_outbox_body_id"), ["body_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("replies", sa.JSON(), nullable=True))
    op.execute("UPDATE outbox SET replies = (SELECT b.replies FROM outbox_bodies b WHERE b.id = outbox.body_id)")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(op.f("ix_outbox_body_id"))
        batch.drop_constraint(op.f("fk_outbox_body_id_outbox_bodies"), type_="foreignkey")
        batch.drop_column("body_id")
        batch.alter_column("replies", existing_type=sa.JSON(), nullable=False)
    op.drop_table("outbox_bodies")
