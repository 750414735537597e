"""Routing rules (intents/routing.yaml) applied to the demo school: each rule of DESIGN.md's form table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.reports.routing import Directory, load_routing, route
from bot.school import SchoolConfig
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
