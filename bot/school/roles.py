"""The closed vocabulary of roles a person can hold in the school file.

A module of its own so that the routing rule shape (bot.school.routing), which the school model
uses, can check role names without importing the model.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Every role a staff member can hold in the school file."""

    # Duties: the people reports are routed to and who configure the bot.
    HEAD = "head"
    DSL = "dsl"
    DEPUTY_DSL = "deputy_dsl"
    CHAIR_OF_GOVERNORS = "chair_of_governors"
    ICT_TECHNICIAN = "ict_technician"
    COMMUNICATIONS_OFFICER = "communications_officer"
    SCHOOL_OFFICE = "school_office"
    ADMINISTRATOR = "administrator"
    # Kinds of people: everyone is `staff`; the others say how they belong to the school,
    # which matters for routing (a concern about a volunteer or governor is an allegation)
    # and for what they are reminded of.
    STAFF = "staff"
    TEACHER = "teacher"
    TEACHING_ASSISTANT = "teaching_assistant"
    SUPPORT_STAFF = "support_staff"
    GOVERNOR = "governor"
    VOLUNTEER = "volunteer"
    AGENCY = "agency"


DUTY_ROLES: frozenset[Role] = frozenset(
    {
        Role.HEAD,
        Role.DSL,
        Role.DEPUTY_DSL,
        Role.CHAIR_OF_GOVERNORS,
        Role.ICT_TECHNICIAN,
        Role.COMMUNICATIONS_OFFICER,
        Role.SCHOOL_OFFICE,
        Role.ADMINISTRATOR,
    }
)

ROLE_NAMES: frozenset[str] = frozenset(role.value for role in Role)
