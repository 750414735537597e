"""`policybot staff import FILE`: a lenient MIS CSV import that reports what it did and could not do."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.errors import PolicybotError
from bot.school import SchoolConfig
from bot.staff import import_csv, list_staff, register_joiner, sync_from_school
from bot.staff.mis_csv import parse_roles, read_mis_csv
from bot.store import StaffSource, StaffStatus, Store

SIMS_EXPORT = """\
Staff Code,Title,Forename,Surname,Email Address,Role,Line Manager,Employment Start,Payroll Dept
JBR,Mrs,Jo,Brown,Jo.Brown@Riverside-Academy.example,Class Teacher,p.nair,01/09/2026,Teaching
KWI,Mr,Kofi,Wilson,k.wilson@riverside-academy.example,TA; Volunteer,Jo Brown,2025-04-14,Support
LMO,Ms,Lena,Moss,,Midday Supervisor,k.dawson@riverside-academy.example,14/04/2025,Support
"""


def _write(tmp_path: Path, text: str, name: str = "export.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def synced(store: Store, demo_school: SchoolConfig) -> Store:
    sync_from_school(store, config=demo_school)
    return store


def test_import_adds_people_and_reports_unknown_columns(synced: Store, tmp_path: Path) -> None:
    report = import_csv(synced, _write(tmp_path, SIMS_EXPORT))
    assert report.added == ["JBR", "KWI", "LMO"]
    assert report.unknown_columns == ["Title", "Payroll Dept"]
    assert report.problems == []
    with synced.transaction() as tx:
        jo, kofi, lena = (tx.staff.get(i) for i in ("JBR", "KWI", "LMO"))
    assert jo is not None and kofi is not None and lena is not None
    assert jo.name == "Jo Brown" and jo.email == "jo.brown@riverside-academy.example"
    assert (
        jo.roles == ("teacher", "staff") and jo.start_date == date(2026, 9, 1) and jo.line_manager == "p.nair"
    )
    assert jo.source is StaffSource.MIS_IMPORT and jo.school_id == "riverside"
    assert (
        kofi.roles == ("teaching_assistant", "volunteer", "staff") and kofi.line_manager == "JBR"
    )  # by name
    assert lena.email is None and lena.line_manager == "k.dawson"  # by email
    assert {"JBR", "KWI", "LMO"} <= {entry["id"] for entry in list_staff(synced)}


def test_reimport_marks_missing_people_left_and_reports_changes(synced: Store, tmp_path: Path) -> None:
    import_csv(synced, _write(tmp_path, SIMS_EXPORT))
    lines = SIMS_EXPORT.splitlines()
    second = "\n".join([lines[0], lines[1].replace("Jo,Brown", "Joanne,Brown"), lines[2]]) + "\n"
    report = import_csv(synced, _write(tmp_path, second, "second.csv"))
    assert report.changed == ["JBR"] and report.unchanged == ["KWI"]
    assert report.marked_left == ["LMO"]
    assert report.added == []
    with synced.transaction() as tx:
        assert tx.staff.get("LMO").status is StaffStatus.LEFT  # type: ignore[union-attr]
        assert tx.staff.get("JBR").name == "Joanne Brown"  # type: ignore[union-attr]
    assert "LMO" not in {entry["id"] for entry in list_staff(synced)}


def test_school_file_people_are_not_changed_by_an_import(synced: Store, tmp_path: Path) -> None:
    export = (
        "id,name,email,roles\nd.price,Dan Price,d.price@riverside-academy.example,teacher\n"
        "DPR,Daniel Price,D.Price@riverside-academy.example,teacher\n"
    )
    report = import_csv(synced, _write(tmp_path, export))
    assert report.managed_by_school_file == ["d.price", "d.price"]
    assert report.added == report.changed == []
    with synced.transaction() as tx:
        price = tx.staff.get("d.price")
        assert price is not None and price.name == "Daniel Price" and "dsl" in price.roles
        assert tx.staff.get("DPR") is None
    # ... and an import never marks school-file people as left.
    assert import_csv(synced, _write(tmp_path, "id,name\nNEW,New Person\n", "b.csv")).marked_left == []


def test_row_problems_are_reported_with_their_line(synced: Store, tmp_path: Path) -> None:
    export = (
        "Staff ID;Full Name;E-mail;Roles;Start date;Manager;Status\n"
        ";No Id;;teacher;;;\n"
        "AB1;Anna Bell;not-an-email;Teacher, Wizard;31/02/2026;Nobody Known;maybe\n"
        "AB1;Anna Again;;;;;\n"
        "d.price;Someone Else;;;;;\n"
        "CD2;Carl Dee;;;;;on leave\n"
    )
    report = import_csv(synced, _write(tmp_path, export))
    assert report.added == ["AB1", "CD2"]
    problems = "\n".join(report.problems)
    assert "line 2: no staff id - row skipped" in problems
    assert "line 3: 'not-an-email' is not an email address" in problems
    assert "line 3: role(s) 'Wizard' not recognised" in problems
    assert "line 3: start date '31/02/2026' is not a date" in problems
    assert "line 3: status 'maybe' not understood" in problems
    assert "line 3: line manager 'Nobody Known'" in problems
    assert "line 4: staff id 'AB1' repeats line 3 - row skipped" in problems
    assert report.managed_by_school_file == ["d.price"]
    with synced.transaction() as tx:
        assert tx.staff.get("CD2").status is StaffStatus.ON_LEAVE  # type: ignore[union-attr]
        anna = tx.staff.get("AB1")
        assert anna is not None and anna.roles == ("teacher", "staff") and anna.status is StaffStatus.ACTIVE


def test_excel_windows_encoding_and_bom(synced: Store, tmp_path: Path) -> None:
    report = import_csv(synced, _write(tmp_path, "Staff code,Name\r\nZZ1,Zoë Žák\r\n", encoding="cp1252"))
    assert report.added == ["ZZ1"]
    report = import_csv(
        synced, _write(tmp_path, "\ufeffStaff code,Name\r\nZZ1,Zoë Žák\r\n", "bom.csv", "utf-8")
    )
    assert report.unchanged == ["ZZ1"] and report.unknown_columns == []


def test_a_pending_joiner_becomes_the_imported_person(synced: Store, tmp_path: Path) -> None:
    joiner = register_joiner(
        synced, platform="slack", user_id="U09JOBROWN", email="jo.brown@riverside-academy.example", name="Jo"
    )
    assert joiner.staff.id == "jo.brown" and not joiner.matched
    report = import_csv(synced, _write(tmp_path, SIMS_EXPORT))
    assert report.replaced_pending == ["jo.brown"]
    with synced.transaction() as tx:
        assert tx.staff.get("JBR").slack_id == "U09JOBROWN"  # type: ignore[union-attr]
        assert tx.staff.get("jo.brown").status is StaffStatus.LEFT  # type: ignore[union-attr]


def test_unusable_files_are_errors_that_change_nothing(synced: Store, tmp_path: Path) -> None:
    with pytest.raises(PolicybotError, match="needs a staff id column"):
        import_csv(synced, _write(tmp_path, "Forename,Surname\nJo,Brown\n"))
    with pytest.raises(PolicybotError, match="no usable staff rows"):
        import_csv(synced, _write(tmp_path, "id,name\n,\n;;\n", "empty-rows.csv"))
    with pytest.raises(PolicybotError, match="file is empty"):
        import_csv(synced, _write(tmp_path, "", "empty.csv"))
    with pytest.raises(PolicybotError, match="file not found"):
        import_csv(synced, tmp_path / "missing.csv")
    with pytest.raises(PolicybotError, match="unknown school 'elsewhere' - use one of: riverside"):
        import_csv(synced, _write(tmp_path, SIMS_EXPORT), school_id="elsewhere")
    assert {entry["id"] for entry in list_staff(synced)}.isdisjoint({"JBR", "KWI", "LMO"})


def test_a_trust_must_say_which_school(store: Store, demo_trust: SchoolConfig, tmp_path: Path) -> None:
    sync_from_school(store, config=demo_trust)
    with pytest.raises(PolicybotError, match="several schools"):
        import_csv(store, _write(tmp_path, SIMS_EXPORT))
    export = "id,name\nn.ferreira,Nadia\nX1,Xavier\n"
    report = import_csv(store, _write(tmp_path, export, "b.csv"), school_id="riverside")
    assert report.added == ["X1"]
    assert "staff id 'n.ferreira' belongs to school hillside" in report.problems[0]


def test_role_names_are_matched_loosely() -> None:
    assert parse_roles("Headteacher / DSL") == (("head", "dsl", "staff"), [])
    assert parse_roles("HLTA|Supply Teacher") == (("teaching_assistant", "agency", "staff"), [])
    assert parse_roles("Deputy DSL, Caretaker, Wizard") == (
        ("deputy_dsl", "support_staff", "staff"),
        ["Wizard"],
    )


def test_duplicate_columns_use_the_first(tmp_path: Path) -> None:
    parsed = read_mis_csv(_write(tmp_path, "id,Forename,First name,Surname\nA1,Jo,Joanne,Brown\n"))
    assert parsed.people[0].name == "Jo Brown"
    assert parsed.problems == ["columns 'Forename' and 'First name' both give first_name; using the first"]
