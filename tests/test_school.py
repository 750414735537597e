"""The school file: both shapes, the lookups, the calendar, and errors that name file:line and the fix."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.errors import ConfigError
from bot.school import Role, SchoolConfig, academic_year, load_school

DEMO_SCHOOL = Path(__file__).resolve().parent.parent / "school" / "demo-school.yaml"
DEMO_TEXT = DEMO_SCHOOL.read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _load_variant(tmp_path: Path, old: str, new: str) -> SchoolConfig:
    assert old in DEMO_TEXT, old
    path = tmp_path / "school.yaml"
    path.write_text(DEMO_TEXT.replace(old, new, 1), encoding="utf-8")
    return load_school(path)


def _error(tmp_path: Path, old: str, new: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        _load_variant(tmp_path, old, new)
    return caught.value


# --- the demo school ---------------------------------------------------------------------------


def test_demo_school_loads_without_warnings(demo_school: SchoolConfig) -> None:
    assert demo_school.trust is None
    assert [s.id for s in demo_school.schools] == ["riverside"]
    assert demo_school.warnings == ()
    assert demo_school.all_policy_ids() == [
        "kaleidoscope-nsesp",
        "st-elisabeths",
        "kaleidoscope-2024",
        "snmat",
    ]


def test_default_path_is_the_demo_school(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POLICYBOT_SCHOOL", raising=False)
    monkeypatch.delenv("POLICYBOT_HOME", raising=False)
    assert load_school().source == DEMO_SCHOOL


def test_policybot_school_env_names_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    trust = Path(__file__).parent / "data" / "demo-trust.yaml"
    monkeypatch.setenv("POLICYBOT_SCHOOL", str(trust))
    assert load_school().trust is not None


def test_demo_covers_every_role_and_gives_everyone_platform_ids(demo_school: SchoolConfig) -> None:
    people = [person for _, person in demo_school.all_staff()]
    held = {role for person in people for role in person.roles}
    assert held == set(Role)
    assert all(p.email and p.slack_id and p.teams_id for p in people)
    unmanaged = {p.id for p in people if not p.line_manager}
    assert unmanaged == {"a.whitfield", "m.hughes"}  # the head and the chair of governors
    assert len({p.slack_id for p in people}) == len(people)
    new_starters = [p for p in people if p.start_date and p.start_date >= date(2026, 9, 1)]
    assert new_starters, "the demo needs someone starting in 2026-27 for induction nudges"


def test_lookups(demo_school: SchoolConfig) -> None:
    dsl = demo_school.role_holders("riverside", Role.DSL)
    assert [p.id for p in dsl] == ["d.price"]
    assert demo_school.staff_by_email("D.Price@Riverside-Academy.example") is dsl[0]
    assert demo_school.staff_by_slack_id(dsl[0].slack_id or "") is dsl[0]
    assert demo_school.staff_by_teams_id((dsl[0].teams_id or "").upper()) is dsl[0]
    assert demo_school.school_of("d.price").id == "riverside"
    assert demo_school.staff_by_id("nobody") is None
    assert [p.id for p in demo_school.who_to_ask("riverside")] == ["a.whitfield"]
    assert demo_school.policy_owner("riverside", "st-elisabeths").id == "l.fraser"
    assert all(p.has_role(Role.STAFF) for _, p in demo_school.all_staff())


def test_unknown_school_is_an_error_naming_the_known_ones(demo_school: SchoolConfig) -> None:
    with pytest.raises(Exception, match="riverside"):
        demo_school.school("nowhere")


# --- the calendar ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2026, 11, 24), True),  # a Tuesday in the autumn term
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 10, 27), False),  # October half term
        (date(2026, 12, 23), False),  # Christmas holidays
        (date(2027, 5, 3), False),  # bank holiday closure
        (date(2026, 9, 1), True),  # INSET day: staff are in
        (date(2027, 7, 21), True),  # last day of the year
        (date(2027, 7, 22), False),
    ],
)
def test_school_days(demo_school: SchoolConfig, day: date, open_: bool) -> None:
    assert demo_school.school("riverside").is_school_day(day) is open_


def test_inset_days_are_known(demo_school: SchoolConfig) -> None:
    school = demo_school.school("riverside")
    assert school.is_inset_day(date(2026, 9, 2))
    assert not school.is_inset_day(date(2026, 9, 3))


def test_school_hours_in_local_time(demo_school: SchoolConfig) -> None:
    school = demo_school.school("riverside")
    assert school.in_school_hours(datetime(2026, 11, 24, 10, 0))
    assert not school.in_school_hours(datetime(2026, 11, 24, 17, 0))
    assert not school.in_school_hours(datetime(2026, 11, 24, 7, 59))
    # 07:30 UTC in June is 08:30 in London (BST)
    assert school.in_school_hours(datetime(2027, 6, 8, 7, 30, tzinfo=ZoneInfo("UTC")))
    assert not school.in_school_hours(datetime(2027, 6, 8, 16, 30, tzinfo=ZoneInfo("UTC")))


def test_unquoted_times_are_read_as_clock_times(tmp_path: Path) -> None:
    config = _load_variant(tmp_path, 'end: "17:00"', "end: 17:30")
    assert config.school("riverside").school_hours.end.strftime("%H:%M") == "17:30"


def test_academic_year() -> None:
    assert academic_year(date(2026, 9, 1)) == "2026-27"
    assert academic_year(date(2027, 8, 31)) == "2026-27"
    assert academic_year(date(2099, 12, 1)) == "2099-00"


# --- the trust shape ---------------------------------------------------------------------------


def test_trust_normalises_to_the_same_model(demo_trust: SchoolConfig) -> None:
    assert demo_trust.trust is not None and demo_trust.trust.id == "northshire-learning"
    assert [s.id for s in demo_trust.schools] == ["riverside", "hillside"]
    assert demo_trust.policies_for("hillside") == ["kaleidoscope-2024", "st-elisabeths"]
    assert demo_trust.policies_for("riverside") == ["kaleidoscope-2024", "snmat", "kaleidoscope-nsesp"]
    assert demo_trust.all_policy_ids() == [
        "kaleidoscope-2024",
        "snmat",
        "kaleidoscope-nsesp",
        "st-elisabeths",
    ]
    assert demo_trust.policy_owner("hillside", "kaleidoscope-2024").id == "o.grant"
    assert demo_trust.school_of("y.adeyemi").id == "hillside"
    assert [p.id for p in demo_trust.who_to_ask("riverside")] == ["d.price"]


def test_trust_role_holders_skip_leavers_and_people_on_leave(demo_trust: SchoolConfig) -> None:
    assert [p.id for p in demo_trust.role_holders("riverside", "teacher")] == ["d.price", "p.nair"]
    assert demo_trust.role_holders("hillside", "teaching_assistant") == []
    assert [
        p.id for p in demo_trust.role_holders("hillside", "teaching_assistant", include_on_leave=True)
    ] == ["y.adeyemi"]


def test_missing_deputy_dsl_is_a_warning_with_a_line(demo_trust: SchoolConfig) -> None:
    assert len(demo_trust.warnings) == 1
    assert "hillside has no deputy_dsl" in demo_trust.warnings[0]
    assert "demo-trust.yaml:" in demo_trust.warnings[0]


# --- errors name the file, the line and the fix ------------------------------------------------


def test_unknown_role_is_an_error_on_its_line(tmp_path: Path) -> None:
    error = _error(tmp_path, "roles: [dsl, teacher]", "roles: [dls, teacher]")
    assert error.file == str(tmp_path / "school.yaml")
    assert error.line == _line_of(DEMO_TEXT, "roles: [dsl, teacher]")
    assert "dls" in str(error) or "head" in str(error)


def test_bad_timezone(tmp_path: Path) -> None:
    error = _error(tmp_path, "timezone: Europe/London", "timezone: Europe/Londn")
    assert error.line == _line_of(DEMO_TEXT, "timezone:") and "IANA" in str(error)


def test_line_manager_must_exist(tmp_path: Path) -> None:
    error = _error(
        tmp_path, "line_manager: j.osei\n    start_date: 2023", "line_manager: j.ossei\n    start_date: 2023"
    )
    assert "line manager 'j.ossei' is not in the staff list" in str(error)
    assert error.line == _line_of(DEMO_TEXT, "line_manager: j.osei\n    start_date: 2023")


def test_duplicate_staff_id(tmp_path: Path) -> None:
    error = _error(tmp_path, "id: r.ahmed", "id: e.clarke")
    assert "staff[9].id: id 'e.clarke' is already used by e.clarke - staff ids must be unique" in str(error)
    assert error.line == _line_of(DEMO_TEXT, "id: e.clarke")


def test_duplicate_email_any_case(tmp_path: Path) -> None:
    error = _error(
        tmp_path, "email: r.ahmed@riverside-academy.example", "email: E.Clarke@riverside-academy.example"
    )
    assert "email 'e.clarke@riverside-academy.example' is already used by r.ahmed" in str(error)


def test_exactly_one_head(tmp_path: Path) -> None:
    error = _error(tmp_path, "roles: [head, teacher]", "roles: [teacher]")
    assert "riverside has no head" in str(error)
    error = _error(tmp_path, "roles: [deputy_dsl, teacher]", "roles: [deputy_dsl, head]")
    assert "more than one head" in str(error)
    assert error.line == _line_of(DEMO_TEXT, "roles: [deputy_dsl, teacher]")


def test_dsl_and_chair_are_required(tmp_path: Path) -> None:
    assert "no designated safeguarding lead" in str(
        _error(tmp_path, "roles: [dsl, teacher]", "roles: [teacher]")
    )
    error = _error(tmp_path, "roles: [chair_of_governors, governor]", "roles: [governor]")
    assert "no chair_of_governors" in str(error)


def test_every_cross_check_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    # A DSL who has left is no DSL, and cannot own a policy either.
    error = _error(tmp_path, "roles: [dsl, teacher]", "roles: [dsl, teacher]\n    status: left")
    lines = str(error).splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("policy owner 'd.price' has left - choose a current member of staff")
    assert lines[1].startswith(f"{tmp_path / 'school.yaml'}:{_line_of(DEMO_TEXT, 'staff:')}: staff: ")
    assert "no designated safeguarding lead" in lines[1]


def test_missing_deputy_is_only_a_warning(tmp_path: Path) -> None:
    config = _load_variant(tmp_path, "roles: [deputy_dsl, teacher]", "roles: [teacher]")
    assert any("no deputy_dsl" in warning for warning in config.warnings)


def test_policy_owner_for_a_policy_that_does_not_apply(tmp_path: Path) -> None:
    error = _error(tmp_path, "  snmat: a.whitfield", "  other-policy: a.whitfield")
    assert "'other-policy' does not apply to riverside" in str(error)
    assert error.line == _line_of(DEMO_TEXT, "  snmat: a.whitfield")


def test_policy_owner_must_be_staff(tmp_path: Path) -> None:
    assert "policy owner 'nobody'" in str(_error(tmp_path, "snmat: a.whitfield", "snmat: nobody"))


def test_who_to_ask_must_be_a_role_or_person(tmp_path: Path) -> None:
    assert "neither a role nor a staff id" in str(_error(tmp_path, "who_to_ask: head", "who_to_ask: bursar"))
    assert (
        _load_variant(tmp_path, "who_to_ask: head", "who_to_ask: j.osei").who_to_ask("riverside")[0].id
        == "j.osei"
    )


def test_term_dates_must_be_ordered_and_not_overlap(tmp_path: Path) -> None:
    error = _error(tmp_path, "end: 2026-12-18", "end: 2026-08-18")
    assert "before start" in str(error)
    error = _error(tmp_path, "start: 2027-01-04", "start: 2026-12-01")
    assert "overlaps Autumn term 2026" in str(error)


def test_half_term_inside_its_term(tmp_path: Path) -> None:
    error = _error(tmp_path, "start: 2026-10-26, end: 2026-10-30", "start: 2026-12-21, end: 2026-12-24")
    assert "not inside the term" in str(error)


def test_unknown_key_and_missing_key(tmp_path: Path) -> None:
    error = _error(tmp_path, "who_to_ask: head", "who_to_ask: head\nwho_to_aks: dsl")
    assert "who_to_aks: unknown field" in str(error)
    error = _error(tmp_path, "  lado: {name: Northshire", "  ladoo: {name: Northshire")
    assert "contacts.lado: this field is required" in str(error)


def test_platform_ids_are_checked(tmp_path: Path) -> None:
    assert "Slack member id" in str(_error(tmp_path, "slack_id: U07HW88GQ27", "slack_id: amanda"))
    error = _error(tmp_path, "teams_id: 70eb9a0a-9626-4ae6-85e8-18fac0433cbd", "teams_id: 29:1abc")
    assert "Entra object id" in str(error)


def test_start_after_end_of_school_hours(tmp_path: Path) -> None:
    assert "must be before end" in str(_error(tmp_path, 'start: "08:00"', 'start: "18:00"'))


def test_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "school.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_school(path)


def test_trust_checks_span_schools(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "data" / "demo-trust.yaml").read_text(encoding="utf-8")
    path = tmp_path / "trust.yaml"
    path.write_text(text.replace("id: w.brooks", "id: m.hughes"), encoding="utf-8")
    with pytest.raises(
        ConfigError,
        match=r"schools\[1\]\.staff\[1\]\.id: id 'm.hughes' is already used by m.hughes \(riverside\)",
    ):
        load_school(path)
    path.write_text(text.replace("  kaleidoscope-2024: o.grant", "  snmat: o.grant"), encoding="utf-8")
    with pytest.raises(ConfigError, match="not one of the trust's policies"):
        load_school(path)
