"""The database behind the bot: SQLAlchemy, migrated by Alembic on every start.

Only the core's services use this package; channel adapters never do, and the light `ask`
path never imports it. Open it with `open_store()` and work inside `store.transaction()`.
"""

from bot.store.engine import database_url
from bot.store.records import CURRENT_STATUSES, SchoolRecord, StaffRecord, StaffSource, StaffStatus
from bot.store.store import Store, Transaction, open_store

__all__ = [
    "CURRENT_STATUSES",
    "SchoolRecord",
    "StaffRecord",
    "StaffSource",
    "StaffStatus",
    "Store",
    "Transaction",
    "database_url",
    "open_store",
]
