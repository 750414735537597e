"""Alembic's entry point, run by `bot.store.migrate.upgrade_to_head` on a connection it lends us.

The caller holds the transaction (and, on PostgreSQL, a lock), so every migration applies
atomically on both databases; SQLite alters tables in batch mode (copy and swap), the only way
it can change a column or constraint.
"""

from __future__ import annotations

from alembic import context

from bot.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
