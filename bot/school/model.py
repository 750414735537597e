"""The school file's shapes, as pydantic models, and the one normalised model the bot uses.

The file comes in two shapes (see school/README.md): a single school with its keys at the
top level, or a multi-academy trust (`trust:`, trust-level `policies:` and a `schools:` list).
Both become one `SchoolConfig`, so no other code ever cares which shape was written.

Roles are a closed vocabulary (`Role`) so that a typo such as `dls` is an error on load
rather than a report that silently reaches nobody; what a person is called at work
("Year 4 class teacher", "Midday supervisor") is free text in `job_title`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from bot.errors import PolicybotError
from bot.school.roles import ROLE_NAMES, Role
from bot.school.routing import FormRoute
from bot.yamlfile import ConfigModel

Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

WEEKDAYS: tuple[Weekday, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LOOKAHEAD_DAYS = 366  # how far ahead quiet hours look for the next school day

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_POLICY_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLACK_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()-]{3,}$")


# Field checks. Public because the MIS import (bot.staff) checks the same values with the same messages.


def check_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError(
            f"{value!r} is not a usable id - use letters, digits, '.', '_' or '-', no spaces (e.g. j.smith)"
        )
    return value


def _check_policy_id(value: str) -> str:
    if not _POLICY_ID_RE.match(value):
        raise ValueError(
            f"{value!r} is not a policy id - use the id of a file in policy_text/ (e.g. kaleidoscope-2024)"
        )
    return value


def check_email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL_RE.match(value):
        raise ValueError(f"{value!r} is not an email address - write it as name@school.example")
    return value


def check_slack_id(value: str) -> str:
    if not _SLACK_ID_RE.match(value):
        raise ValueError(
            f"{value!r} is not a Slack member id - copy it from the person's Slack profile "
            "(More > Copy member ID), e.g. U04ABCDE123"
        )
    return value


def check_teams_id(value: str) -> str:
    value = value.strip().lower()
    if not _GUID_RE.match(value):
        raise ValueError(
            f"{value!r} is not a Microsoft Entra object id - use the person's object id from the Entra "
            "admin centre, a GUID like 6f1c2e4a-93b1-4c0e-9a77-2f5d8e1b0c33"
        )
    return value


def _check_phone(value: str) -> str:
    if not _PHONE_RE.match(value.strip()):
        raise ValueError(f"{value!r} is not a phone number - use digits and spaces, e.g. 01632 960 123")
    return value.strip()


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} - use an IANA name such as Europe/London") from exc
    return value


def _clock_time(value: object) -> object:
    """Accept `HH:MM` written with or without quotes.

    YAML 1.1 reads an unquoted `17:00` as the base-60 integer 1020, so an integer here is
    taken as minutes after midnight, which is exactly what that reading means.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    return value


Id = Annotated[str, AfterValidator(check_id)]
PolicyId = Annotated[str, AfterValidator(_check_policy_id)]
Email = Annotated[str, AfterValidator(check_email)]
SlackId = Annotated[str, AfterValidator(check_slack_id)]
TeamsId = Annotated[str, AfterValidator(check_teams_id)]
Phone = Annotated[str, AfterValidator(_check_phone)]
TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]
ClockTime = Annotated[time, BeforeValidator(_clock_time)]
Text = Annotated[str, Field(min_length=1)]


class StaffMember(ConfigModel):
    """One person as the school file lists them."""

    id: Id
    name: Text
    email: Email | None = None
    roles: tuple[Role, ...] = (Role.STAFF,)
    job_title: str | None = None
    line_manager: Id | None = None
    start_date: date | None = None
    slack_id: SlackId | None = None
    teams_id: TeamsId | None = None
    status: Literal["active", "on_leave", "left"] = "active"

    @model_validator(mode="after")
    def _everyone_is_staff(self) -> StaffMember:
        # Everyone listed is a member of staff; holding `staff` explicitly keeps role queries simple.
        roles = tuple(dict.fromkeys((*self.roles, Role.STAFF)))
        object.__setattr__(self, "roles", roles)
        return self

    def has_role(self, role: Role | str) -> bool:
        return Role(role) in self.roles

    @property
    def current(self) -> bool:
        """Still a member of the school (on leave counts; left does not)."""
        return self.status != "left"


class SchoolHours(ConfigModel):
    """When the school is open: quiet hours and reminder sweeps follow these."""

    start: ClockTime
    end: ClockTime
    days: tuple[Weekday, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri")

    @model_validator(mode="after")
    def _start_before_end(self) -> SchoolHours:
        if self.start >= self.end:
            raise ValueError(
                f"school hours start ({self.start:%H:%M}) must be before end ({self.end:%H:%M}) - "
                "write times as HH:MM"
            )
        if not self.days:
            raise ValueError("days must name at least one day, e.g. [Mon, Tue, Wed, Thu, Fri]")
        return self


class DateRange(ConfigModel):
    """A named span of days, both ends included."""

    name: Text
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"{self.name}: end ({self.end}) is before start ({self.start}) - swap them")
        return self

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


class Term(DateRange):
    """A term; its half-term holiday, if any, lies inside it and is not a school day."""

    half_term: DateRange | None = None

    @model_validator(mode="after")
    def _half_term_inside(self) -> Term:
        if self.half_term and not (self.start <= self.half_term.start and self.half_term.end <= self.end):
            raise ValueError(
                f"{self.name}: half term {self.half_term.start}..{self.half_term.end} is not inside the term "
                f"{self.start}..{self.end} - check the dates"
            )
        return self


class DaySpan(ConfigModel):
    """One day (`start` only) or several days, both ends included: a closure or an INSET day."""

    name: Text
    start: date
    end: date | None = None

    @property
    def last(self) -> date:
        return self.end or self.start

    @model_validator(mode="after")
    def _ordered(self) -> DaySpan:
        if self.end and self.end < self.start:
            raise ValueError(f"{self.name}: end ({self.end}) is before start ({self.start}) - swap them")
        return self

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.last


class Contact(ConfigModel):
    name: Text
    phone: Phone


class Contacts(ConfigModel):
    """Safeguarding contacts outside the school; the DSL and deputies are staff with those roles."""

    childrens_services: Contact
    lado: Contact
    police_emergency: Phone = "999"
    nspcc: Contact | None = None


class Retention(ConfigModel):
    """How long the bot keeps records before the worker deletes them.

    Reports are safeguarding records. The default, 25 years after a report last changed, follows the IRMS
    schools toolkit for child-protection records (kept until the pupil is 25) for the youngest pupils; a
    school whose records retention schedule says otherwise sets its own period here.

    Other messages the bot sent (reminders, requests, nudges) are copies of what the person already has in
    their chat: kept `messages_days` after delivery, for delivery problems and subject-access requests, then
    deleted. A report's messages are part of the report and go with it.
    """

    reports_years: int = Field(default=25, ge=1, le=100)
    messages_days: int = Field(default=90, ge=7, le=3650)


class School(ConfigModel):
    """One school: its calendar, contacts, applicable policies and staff."""

    id: Id
    name: Text
    timezone: TimeZoneName = "Europe/London"
    school_hours: SchoolHours
    term_dates: tuple[Term, ...] = ()
    closures: tuple[DaySpan, ...] = ()
    inset_days: tuple[DaySpan, ...] = ()
    policies: tuple[PolicyId, ...] = ()
    contacts: Contacts
    who_to_ask: Id = Role.HEAD.value
    policy_owners: dict[PolicyId, Id] = {}
    routing: dict[str, FormRoute] = {}
    retention: Retention = Retention()
    staff: tuple[StaffMember, ...] = Field(min_length=1)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def term_on(self, day: date) -> Term | None:
        """The term `day` falls in (half terms included), if any."""
        return next((term for term in self.term_dates if day in term), None)

    def is_school_day(self, day: date) -> bool:
        """Staff are at work on `day`: a school weekday in term, outside half term and closures.

        INSET days are school days: staff are in, only the pupils are not.

        A school that lists no term dates is taken to be open on every school weekday.
        """
        if WEEKDAYS[day.weekday()] not in self.school_hours.days:
            return False
        if any(day in closure for closure in self.closures):
            return False
        if not self.term_dates:
            return True
        term = self.term_on(day)
        return term is not None and not (term.half_term and day in term.half_term)

    def is_inset_day(self, day: date) -> bool:
        """A training day: staff are in school (so it is a school day for the bot) but pupils are not."""
        return any(day in span for span in self.inset_days)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the school's time zone; a naive datetime is taken as already local."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def in_school_hours(self, moment: datetime) -> bool:
        """Whether `moment` falls on a school day between the opening and closing times."""
        here = self.local(moment)
        return (
            self.is_school_day(here.date()) and self.school_hours.start <= here.time() < self.school_hours.end
        )

    def next_opening(self, moment: datetime) -> datetime | None:
        """When quiet hours end: None if `moment` is in school hours, else the start of the next school day.

        Also None when the calendar has no school day in the coming year (term dates not yet entered for
        next year): a message is then better delivered than held indefinitely.
        """
        if self.in_school_hours(moment):
            return None
        here = self.local(moment)
        first = here.date() if here.time() < self.school_hours.start else here.date() + timedelta(days=1)
        for offset in range(_LOOKAHEAD_DAYS):
            day = first + timedelta(days=offset)
            if self.is_school_day(day):
                return datetime.combine(day, self.school_hours.start, tzinfo=self.tz)
        return None


class TrustInfo(ConfigModel):
    id: Id
    name: Text


class SingleSchoolFile(School):
    """The single-school shape: a school's keys at the top level of the file."""


class TrustFile(ConfigModel):
    """The multi-academy trust shape."""

    trust: TrustInfo
    policies: tuple[PolicyId, ...] = ()
    policy_owners: dict[PolicyId, Id] = {}
    routing: dict[str, FormRoute] = {}
    schools: tuple[School, ...] = Field(min_length=1)


def academic_year(day: date) -> str:
    """The English academic year `day` belongs to, e.g. `2026-27` (years run 1 September to 31 August)."""
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


class SchoolConfig(BaseModel):
    """The whole configuration, normalised: a trust (or none) and its schools.

    Built by `load_school`; the lookups are indexed once because the light `ask` path and
    `policybot check` query them many times.
    """

    model_config = ConfigDict(frozen=True)

    trust: TrustInfo | None = None
    trust_policies: tuple[str, ...] = ()
    trust_policy_owners: dict[str, str] = {}
    trust_routing: dict[str, FormRoute] = {}
    schools: tuple[School, ...]
    source: Path | None = None
    warnings: tuple[str, ...] = ()

    _by_id: dict[str, StaffMember] = PrivateAttr(default_factory=dict)
    _school_of: dict[str, School] = PrivateAttr(default_factory=dict)
    _by_email: dict[str, StaffMember] = PrivateAttr(default_factory=dict)
    _by_slack: dict[str, StaffMember] = PrivateAttr(default_factory=dict)
    _by_teams: dict[str, StaffMember] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context: object) -> None:
        for school in self.schools:
            for person in school.staff:
                # setdefault: the first holder wins, so lookups stay defined even before the
                # uniqueness checks have reported a clash.
                self._by_id.setdefault(person.id, person)
                self._school_of.setdefault(person.id, school)
                if person.email:
                    self._by_email.setdefault(person.email, person)
                if person.slack_id:
                    self._by_slack.setdefault(person.slack_id, person)
                if person.teams_id:
                    self._by_teams.setdefault(person.teams_id, person)

    def school(self, school_id: str) -> School:
        for school in self.schools:
            if school.id == school_id:
                return school
        known = ", ".join(s.id for s in self.schools)
        raise PolicybotError(f"unknown school {school_id!r} - the school file has: {known}")

    def all_staff(self) -> Iterator[tuple[School, StaffMember]]:
        for school in self.schools:
            for person in school.staff:
                yield school, person

    def staff_by_id(self, staff_id: str) -> StaffMember | None:
        return self._by_id.get(staff_id)

    def staff_by_email(self, email: str) -> StaffMember | None:
        return self._by_email.get(email.strip().lower())

    def staff_by_slack_id(self, slack_id: str) -> StaffMember | None:
        return self._by_slack.get(slack_id)

    def staff_by_teams_id(self, teams_id: str) -> StaffMember | None:
        return self._by_teams.get(teams_id.strip().lower())

    def school_of(self, staff_id: str) -> School | None:
        return self._school_of.get(staff_id)

    def role_holders(
        self, school_id: str, role: Role | str, *, include_on_leave: bool = False
    ) -> list[StaffMember]:
        """Who holds `role` in a school, in file order; leavers never, people on leave only if asked."""
        wanted = Role(role)
        return [
            person
            for person in self.school(school_id).staff
            if wanted in person.roles
            and person.status != "left"
            and (include_on_leave or person.status != "on_leave")
        ]

    def policies_for(self, school_id: str) -> list[str]:
        """The policy ids that apply to a school: the trust's first, then the school's own."""
        return list(dict.fromkeys((*self.trust_policies, *self.school(school_id).policies)))

    def all_policy_ids(self) -> list[str]:
        """Every policy id applied anywhere in the file (what `ask` loads without --policies)."""
        ids = list(self.trust_policies)
        for school in self.schools:
            ids.extend(school.policies)
        return list(dict.fromkeys(ids))

    def policy_owner(self, school_id: str, policy_id: str) -> StaffMember | None:
        """Who is reminded of a policy's review date: the school's owner, else the trust's."""
        owner = self.school(school_id).policy_owners.get(policy_id) or self.trust_policy_owners.get(policy_id)
        return self.staff_by_id(owner) if owner else None

    def routing_for(self, school_id: str) -> dict[str, FormRoute]:
        """The school's own routing rules by form, over the trust's (a school's rule for a form wins);
        forms named by neither follow intents/routing.yaml."""
        return {**self.trust_routing, **self.school(school_id).routing}

    def who_to_ask(self, school_id: str) -> list[StaffMember]:
        """The people named when the bot has no answer: holders of the configured role, or that person."""
        target = self.school(school_id).who_to_ask
        if target in ROLE_NAMES:
            return self.role_holders(school_id, target)
        person = self.staff_by_id(target)
        return [person] if person else []
