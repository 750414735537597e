"""The school configuration: one school or a multi-academy trust, read from `POLICYBOT_SCHOOL`.

`load_school()` returns a `SchoolConfig` whichever shape the file has; its format is
documented in school/README.md. Nothing here touches the database, so the light `ask`
path can use it.
"""

from bot.school.loader import load_school
from bot.school.model import (
    Contact,
    Contacts,
    DaySpan,
    School,
    SchoolConfig,
    SchoolHours,
    StaffMember,
    Term,
    TrustInfo,
    academic_year,
)
from bot.school.roles import DUTY_ROLES, ROLE_NAMES, Role
from bot.school.routing import FormRoute

__all__ = [
    "DUTY_ROLES",
    "ROLE_NAMES",
    "Contact",
    "Contacts",
    "DaySpan",
    "FormRoute",
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
