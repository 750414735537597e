"""The school configuration: one school or a multi-academy trust, read from `POLICYBOT_SCHOOL`.

`load_school()` returns a `SchoolConfig` whichever shape the file has; its format is
documented in school/README.md. Nothing here touches the database, so the light `ask`
path can use it.
"""

from bot.school.loader import load_school
from bot.school.model import (
    DUTY_ROLES,
    ROLE_NAMES,
    Contact,
    Contacts,
    DaySpan,
    Role,
    School,
    SchoolConfig,
    SchoolHours,
    StaffMember,
    Term,
    TrustInfo,
    academic_year,
)

__all__ = [
    "DUTY_ROLES",
    "ROLE_NAMES",
    "Contact",
    "Contacts",
    "DaySpan",
    "Role",
    "School",
    "SchoolConfig",
    "SchoolHours",
    "StaffMember",
    "Term",
    "TrustInfo",
    "academic_year",
    "load_school",
]
