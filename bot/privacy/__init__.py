"""Privacy duties under UK GDPR: reports and sent messages deleted when their retention period ends, and a
member of staff's data exported (subject access) or erased on request, except the safeguarding records the
school must keep.
"""

from bot.privacy.retention import delete_delivered_messages, delete_expired_reports
from bot.privacy.subject_access import ErasureRefused, erase_staff, export_staff

__all__ = ["ErasureRefused", "delete_delivered_messages", "delete_expired_reports", "erase_staff", "export_staff"]
