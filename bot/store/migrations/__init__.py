"""Alembic migrations, shipped inside the package and run by `bot.store.migrate` (no alembic.ini).

To add one after changing bot/store/models.py: write `versions/NNNN_what_changed.py` in the
shape of 0001 (`revision = "NNNN"`, `down_revision` = the previous file's revision, `upgrade()`
and `downgrade()` using `op`), naming constraints as models.NAMING_CONVENTION does.
tests/test_store_migrations.py fails, listing the differences, while the models and the
migrations disagree.
"""
