"""Reading a staff export from a school's MIS (SIMS, Arbor, Bromcom, ...) as CSV.

Every MIS names its columns differently and an export is often hand-edited in Excel, so the
reader is lenient: headers are matched ignoring case, spaces and punctuation against the
names schools actually use; UK dates (dd/mm/yyyy) and ISO dates both work; role names are
matched loosely ("Teaching Assistant", "TA", "Headteacher"). What it cannot use is reported,
never silently dropped: unknown columns, and per-row problems naming the CSV line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from bot.errors import PolicybotError
from bot.school.model import check_email, check_id, check_slack_id, check_teams_id
from bot.school.roles import ROLE_NAMES, Role
from bot.store import StaffStatus

# Normalised header (lower case, letters and digits only) -> field.
_HEADER_FIELDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "id",
            "staffid",
            "staffcode",
            "code",
            "employeeid",
            "employeenumber",
            "employeeno",
            "payrollnumber",
            "payrollno",
            "personid",
            "misid",
            "staffreference",
            "staffref",
        ],
        "id",
    ),
    **dict.fromkeys(["name", "fullname", "displayname", "staffname", "preferredname"], "name"),
    **dict.fromkeys(
        ["firstname", "forename", "forenames", "givenname", "preferredforename", "legalforename"],
        "first_name",
    ),
    **dict.fromkeys(["lastname", "surname", "familyname", "legalsurname", "preferredsurname"], "last_name"),
    **dict.fromkeys(
        ["email", "emailaddress", "workemail", "workemailaddress", "schoolemail", "emailwork"], "email"
    ),
    **dict.fromkeys(["roles", "role", "staffroles", "staffrole"], "roles"),
    **dict.fromkeys(["jobtitle", "post", "position", "job", "jobrole"], "job_title"),
    **dict.fromkeys(
        ["linemanager", "manager", "linemanagerid", "linemanagercode", "linemanageremail", "reportsto"],
        "line_manager",
    ),
    **dict.fromkeys(
        [
            "startdate",
            "employmentstart",
            "employmentstartdate",
            "datestarted",
            "dateofstart",
            "contractstart",
            "contractstartdate",
            "started",
        ],
        "start_date",
    ),
    **dict.fromkeys(["status", "employmentstatus", "staffstatus"], "status"),
    **dict.fromkeys(["slackid", "slackuserid", "slackmemberid"], "slack_id"),
    **dict.fromkeys(
        ["teamsid", "teamsuserid", "aadobjectid", "azureadobjectid", "entraobjectid", "objectid"], "teams_id"
    ),
}

_ROLE_ALIASES: dict[str, Role] = {
    **dict.fromkeys(["headteacher", "head_teacher", "principal", "executive_head"], Role.HEAD),
    **dict.fromkeys(["designated_safeguarding_lead", "safeguarding_lead"], Role.DSL),
    **dict.fromkeys(
        ["ddsl", "deputy_designated_safeguarding_lead", "deputy_safeguarding_lead"], Role.DEPUTY_DSL
    ),
    **dict.fromkeys(["chair", "chair_of_governors", "chair_of_the_governing_body"], Role.CHAIR_OF_GOVERNORS),
    **dict.fromkeys(["ict", "it_technician", "ict_technician", "network_manager"], Role.ICT_TECHNICIAN),
    **dict.fromkeys(
        ["communications", "marketing_officer", "communications_and_marketing_officer"],
        Role.COMMUNICATIONS_OFFICER,
    ),
    **dict.fromkeys(["office", "admin_officer", "receptionist", "office_manager"], Role.SCHOOL_OFFICE),
    **dict.fromkeys(["class_teacher", "ect", "early_career_teacher"], Role.TEACHER),
    **dict.fromkeys(
        ["ta", "hlta", "lsa", "learning_support_assistant", "higher_level_teaching_assistant"],
        Role.TEACHING_ASSISTANT,
    ),
    **dict.fromkeys(
        ["support", "midday_supervisor", "lunchtime_supervisor", "caretaker", "cleaner"], Role.SUPPORT_STAFF
    ),
    **dict.fromkeys(["supply", "supply_teacher", "agency_staff"], Role.AGENCY),
}

_STATUS_ALIASES: dict[str, StaffStatus] = {
    **dict.fromkeys(["active", "current", "employed", "in_post"], StaffStatus.ACTIVE),
    **dict.fromkeys(["on_leave", "leave", "maternity_leave", "long_term_absence"], StaffStatus.ON_LEAVE),
    **dict.fromkeys(["left", "leaver", "former", "inactive"], StaffStatus.LEFT),
}

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


@dataclass(slots=True)
class CsvPerson:
    """One usable row. `None` means the export has no value for that field (keep what is stored)."""

    line: int
    id: str
    name: str
    email: str | None = None
    roles: tuple[str, ...] | None = None
    job_title: str | None = None
    line_manager: str | None = None  # as written: an id, an email or a name; resolved by the importer
    start_date: date | None = None
    status: StaffStatus | None = None
    slack_id: str | None = None
    teams_id: str | None = None


@dataclass(slots=True)
class ParsedCsv:
    people: list[CsvPerson] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def header_key(text: str) -> str:
    """A column title compared ignoring case, spaces and punctuation."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _token(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def read_csv_text(path: Path) -> str:
    """A CSV file's text, as Excel or an MIS saved it (UTF-8 with or without BOM, else Windows-1252)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise PolicybotError(f"{path}: file not found - check the path to the file") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" as Windows-1252 unless told otherwise.
        return raw.decode("cp1252", errors="replace")


def csv_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma, semicolon (European Excel) or tab, from the header line."""
    try:
        return csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def parse_roles(text: str) -> tuple[tuple[str, ...], list[str]]:
    """Roles named in one cell -> (known roles, names not understood)."""
    roles: list[str] = []
    unknown: list[str] = []
    for part in re.split(r"[;,|/]", text):
        token = _token(part)
        if not token:
            continue
        if token in ROLE_NAMES:
            roles.append(token)
        elif token in _ROLE_ALIASES:
            roles.append(_ROLE_ALIASES[token].value)
        else:
            unknown.append(part.strip())
    return tuple(dict.fromkeys((*roles, Role.STAFF.value))), unknown


def parse_date(text: str, *, what: str = "start date") -> date:
    """A date as exports write it: ISO or UK day-first (dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, dd/mm/yy)."""
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{what} {text!r} is not a date - write it as dd/mm/yyyy or yyyy-mm-dd")


def read_mis_csv(path: Path) -> ParsedCsv:
    """Parse the export; a file with no id or name columns at all is an error, a bad row is a problem."""
    text = read_csv_text(path)
    reader = csv.reader(io.StringIO(text), dialect=csv_dialect(text))
    header = next(reader, None)
    if not header:
        raise PolicybotError(
            f"{path}: the file is empty - export the staff list from the MIS with a header row"
        )
    parsed = ParsedCsv()
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = _HEADER_FIELDS.get(header_key(title))
        if name is None:
            if title.strip():
                parsed.unknown_columns.append(title.strip())
        elif name in columns:
            parsed.problems.append(
                f"columns {header[columns[name]]!r} and {title!r} both give {name}; using the first"
            )
        else:
            columns[name] = index
    if "id" not in columns or not ({"name", "first_name", "last_name"} & columns.keys()):
        raise PolicybotError(
            f"{path}: the header needs a staff id column (e.g. 'Staff code') and a name column ('Name', or "
            f"'First name' and 'Surname'); it has: {', '.join(h for h in header if h.strip())}"
        )

    for row in reader:
        line = reader.line_num
        cells = {name: row[index].strip() for name, index in columns.items() if index < len(row)}
        if not any(cells.values()):
            continue
        try:
            person = _person(cells, line=line, problems=parsed.problems)
        except ValueError as exc:
            parsed.problems.append(f"line {line}: {exc} - row skipped")
            continue
        parsed.people.append(person)
    return parsed


def _person(cells: dict[str, str], *, line: int, problems: list[str]) -> CsvPerson:
    staff_id = cells.get("id", "")
    if not staff_id:
        raise ValueError("no staff id")
    check_id(staff_id)
    name = cells.get("name") or " ".join(p for p in (cells.get("first_name"), cells.get("last_name")) if p)
    if not name:
        raise ValueError(f"{staff_id} has no name")
    person = CsvPerson(line=line, id=staff_id, name=name)

    def optional(key: str, convert: Callable[[str], object]) -> None:
        value = cells.get(key)
        if not value:
            return
        try:
            setattr(person, key, convert(value))
        except ValueError as exc:
            problems.append(f"line {line}: {exc} - {key} left as it was")

    optional("email", check_email)
    optional("slack_id", check_slack_id)
    optional("teams_id", check_teams_id)
    optional("start_date", parse_date)
    optional("job_title", str)
    optional("line_manager", str)
    if "status" in cells:
        status = _STATUS_ALIASES.get(_token(cells["status"])) if cells["status"] else StaffStatus.ACTIVE
        if status is None:
            problems.append(
                f"line {line}: status {cells['status']!r} not understood (use active, on leave or left)"
                " - status left as it was"
            )
        person.status = status
    if "roles" in cells:
        person.roles, unknown = parse_roles(cells["roles"])
        if unknown:
            problems.append(
                f"line {line}: role(s) {', '.join(map(repr, unknown))} not recognised, ignored - roles are: "
                + ", ".join(role.value for role in Role)
            )
    return person
