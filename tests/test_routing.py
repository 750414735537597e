"""Routing rules (intents/routing.yaml) applied to the demo school: each rule of DESIGN.md's form table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.forms import Submitted
from bot.reports import default_desk
from bot.reports.routing import Directory, load_routing, route
from bot.school import SchoolConfig, load_school
from bot.staff import sync_from_school
from bot.store import Store
from bot.store.records import StaffRecord

RULES = load_routing()


@pytest.fixture
def directory(demo_school: SchoolConfig) -> Directory:
    return Directory(StaffRecord(id=p.id, school_id=s.id, name=p.name, roles=tuple(p.roles),
                                 line_manager=p.line_manager) for s, p in demo_school.all_staff())


def routed(directory: Directory, form_id: str, *, answers: dict | None = None, reporter: str = "r.ahmed",
           subjects: tuple[str, ...] = ()):
    return route(RULES, form_id=form_id, answers=answers or {}, reporter=directory.get(reporter),
                 subjects=subjects, directory=directory)


def test_pupil_contact_goes_to_the_dsl_with_the_head_copied(directory):
    r = routed(directory, "pupil_contact")
    assert (r.to, r.copied, r.approvers) == (("d.price",), ("a.whitfield",), ())
    assert set(r.readers) == {"d.price", "a.whitfield"}


def test_inappropriate_content_goes_to_the_ict_technician_and_head(directory):
    assert routed(directory, "inappropriate_content").to == ("t.bailey", "a.whitfield")


def test_inappropriate_content_about_the_technician_leaves_them_out(directory):
    r = routed(directory, "inappropriate_content", subjects=("t.bailey",))
    assert "t.bailey" not in (*r.to, *r.readers) and r.to == ("a.whitfield",)


def test_blocked_content_goes_to_the_ict_technician_with_the_heads_approval(directory):
    r = routed(directory, "blocked_content_request")
    assert (r.to, r.approvers) == (("t.bailey",), ("a.whitfield",))
    assert r.alerted_now == ("t.bailey", "a.whitfield")


def test_site_creation_goes_through_the_approval_chain(directory):
    r = routed(directory, "site_creation_request", reporter="s.kowalski")
    assert r.approvers == ("e.clarke", "l.fraser", "a.whitfield")  # line manager, comms officer, Head
    assert r.alerted_now == ("e.clarke",)  # the next approver is asked only after an approval


def test_cyberbullying_goes_to_the_head_with_the_line_manager_copied(directory):
    r = routed(directory, "cyberbullying", reporter="h.li")
    assert (r.to, r.copied) == (("a.whitfield",), ("d.price",))


def test_safeguarding_goes_to_the_dsl(directory):
    assert routed(directory, "safeguarding_concern").to == ("d.price",)


def test_staff_conduct_goes_to_the_head(directory):
    r = routed(directory, "staff_conduct_concern", answers={"child_harm": False}, subjects=("e.clarke",))
    assert (r.to, r.notes) == (("a.whitfield",), ())


def test_staff_conduct_with_child_harm_also_goes_to_the_dsl_and_says_tell_the_lado(directory):
    r = routed(directory, "staff_conduct_concern", answers={"child_harm": True}, subjects=("e.clarke",))
    assert r.to == ("a.whitfield", "d.price")
    assert len(r.notes) == 1 and "LADO" in r.notes[0]


def test_a_concern_about_the_head_goes_to_the_chair_of_governors(directory):
    r = routed(directory, "staff_conduct_concern", answers={"child_harm": False}, subjects=("a.whitfield",))
    assert r.to == ("m.hughes",)
    assert "a.whitfield" not in r.readers


def test_a_concern_about_the_dsl_goes_to_the_head_and_the_dsl_never_reads_it(directory):
    r = routed(directory, "staff_conduct_concern", answers={"child_harm": True}, subjects=("d.price",))
    assert r.to == ("a.whitfield",) and "d.price" not in r.readers


def test_family_declaration_and_media_enquiry_go_to_the_head(directory):
    assert routed(directory, "family_declaration").to == ("a.whitfield",)
    assert routed(directory, "media_enquiry").to == ("a.whitfield",)


def test_the_reporter_is_not_alerted_about_their_own_report(directory):
    r = routed(directory, "pupil_contact", reporter="d.price")
    assert r.to == () and r.copied == ("a.whitfield",)


def test_rules_are_validated_naming_the_file_and_line(tmp_path: Path):
    bad = tmp_path / "routing.yaml"
    bad.write_text("escalation: {chain: [deputy_dsl]}\nforms:\n  pupil_contact: {to: [janitor]}\n")
    with pytest.raises(ConfigError, match="routing.yaml"):
        load_routing(bad)


# -- a school's own rules in the school file ------------------------------------------------------

DEMO_SCHOOL_TEXT = (Path(__file__).resolve().parent.parent / "school" / "demo-school.yaml").read_text()
DEMO_TRUST_TEXT = (Path(__file__).resolve().parent / "data" / "demo-trust.yaml").read_text()
TRUST_RULES = "routing:\n  media_enquiry: {to: [dsl]}\n  family_declaration: {to: [head], copy: [dsl]}\n\nschools:\n"
HILLSIDE_RULE = "  - id: hillside\n    routing:\n      media_enquiry: {to: [chair_of_governors]}\n"


def school_file(tmp_path: Path, routing: str) -> Path:
    path = tmp_path / "school.yaml"
    path.write_text(DEMO_SCHOOL_TEXT + "\nrouting:\n" + routing)
    return path


def trust_file(tmp_path: Path) -> Path:
    path = tmp_path / "trust.yaml"
    path.write_text(DEMO_TRUST_TEXT.replace("\nschools:\n", "\n" + TRUST_RULES, 1)
                    .replace("  - id: hillside\n", HILLSIDE_RULE, 1))
    return path


def test_a_school_routes_a_form_its_own_way(tmp_path: Path, directory):
    config = load_school(school_file(tmp_path, "  media_enquiry:\n    to: [school_office]\n    copy: [head]\n"))
    rules = RULES.for_school(config.routing_for("riverside"))
    r = route(rules, form_id="media_enquiry", answers={}, reporter=directory.get("r.ahmed"), subjects=(),
              directory=directory)
    assert (r.to, r.copied) == (("k.dawson",), ("a.whitfield",))
    assert rules.forms["pupil_contact"] == RULES.forms["pupil_contact"]  # forms it does not name keep the default


@pytest.mark.parametrize(("routing", "problem"), [
    ("  media_enquiries: {to: [head]}\n", "unknown form 'media_enquiries'"),
    ("  media_enquiry: {to: [bursar]}\n", "unknown role 'bursar'"),
    ("  media_enquiry: {copy: [head]}\n", "someone must receive it"),
])
def test_a_mistake_in_a_schools_rules_names_the_line(tmp_path: Path, routing: str, problem: str):
    path = school_file(tmp_path, routing)
    line = len(path.read_text().splitlines())  # the rule is the file's last line
    with pytest.raises(ConfigError, match=problem) as error:
        load_school(path)
    assert f"{path}:{line}" in str(error.value)


def test_a_schools_rule_may_name_only_notes_routing_yaml_defines(tmp_path: Path):
    config = load_school(school_file(tmp_path, "  cyberbullying:\n    to: [head]\n    also:\n"
                                               "      - {when: {step: x, is: true}, to: [dsl], note: police}\n"))
    with pytest.raises(ConfigError, match="note 'police' is not defined"):
        RULES.for_school(config.routing_for("riverside"))


def test_a_trust_routes_every_school_and_a_school_may_override_it(tmp_path: Path):
    config = load_school(trust_file(tmp_path))
    riverside, hillside = config.routing_for("riverside"), config.routing_for("hillside")
    assert riverside["media_enquiry"].to == ["dsl"] and hillside["media_enquiry"].to == ["chair_of_governors"]
    assert hillside["family_declaration"].copy_to == ["dsl"]  # the trust's rule where the school has none


def test_the_desk_routes_each_report_by_its_own_schools_rules(tmp_path: Path, store: Store):
    config = load_school(trust_file(tmp_path))
    sync_from_school(store, config=config)
    desk = default_desk(store, schools=config)

    def sent_to(reporter: str, school_id: str) -> tuple[str, ...]:
        return desk.submit(Submitted(form_id="media_enquiry", answers={}, urgent=False, subjects=(), summary=()),
                           reporter_id=reporter, school_id=school_id).routed_to

    assert sent_to("p.nair", "riverside") == ("d.price",)
    assert sent_to("y.adeyemi", "hillside") == ("w.brooks",)
