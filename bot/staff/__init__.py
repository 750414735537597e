"""The staff directory: who works at each school, kept in the database the bot reads at run time.

Three sources feed it: the school file (`sync_from_school`, on every start), a CSV export
from the school's MIS (`import_csv`) and people a chat platform reports as joining
(`register_joiner`, then `confirm_joiner` / `reject_joiner` by the administrator). Nobody is
deleted: leavers are marked `left`, so reminders and routing skip them while old reports
still name them.
"""

from bot.staff.changes import ImportReport, StaffChanges
from bot.staff.joiners import JoinerOutcome, confirm_joiner, register_joiner, reject_joiner
from bot.staff.listing import LIST_FIELDS, list_staff
from bot.staff.mis_import import import_csv
from bot.staff.sync import sync_from_school

__all__ = [
    "LIST_FIELDS",
    "ImportReport",
    "JoinerOutcome",
    "StaffChanges",
    "confirm_joiner",
    "import_csv",
    "list_staff",
    "register_joiner",
    "reject_joiner",
    "sync_from_school",
]
