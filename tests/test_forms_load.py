"""The shipped report forms load, and a broken form or message file is reported as file:line with the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import ConfigError, PolicybotError
from bot.forms import FORM_IDS, load_forms
from bot.forms.loader import MESSAGES_FILE, forms_dir

SHIPPED = forms_dir()


@pytest.fixture(scope="module")
def forms():
    return load_forms()


def test_the_nine_fixed_forms_are_shipped_with_distinct_reference_prefixes(forms):
    assert set(forms.forms) == set(FORM_IDS)
    prefixes = [f.ref_prefix for f in forms.forms.values()]
    assert len(set(prefixes)) == len(prefixes) == 9


def test_urgency_follows_the_design(forms):
    assert forms.get("safeguarding_concern").is_urgent({})
    conduct = forms.get("staff_conduct_concern")
    assert conduct.is_urgent({"child_harm": True}) and not conduct.is_urgent({"child_harm": False})
    contact = forms.get("pupil_contact")
    for nature in ("sexual", "threatening", "secretive"):
        assert contact.is_urgent({"content_nature": ["ordinary", nature]})
    assert not contact.is_urgent({"content_nature": ["ordinary", "request_only"]})
    never = [f.id for f in forms.forms.values() if not f.can_be_urgent]
    assert sorted(never) == sorted(set(FORM_IDS) - {"safeguarding_concern", "staff_conduct_concern",
                                                     "pupil_contact"})


def test_subject_of_a_concern_is_named_by_its_staff_step(forms):
    conduct = forms.get("staff_conduct_concern")
    assert conduct.subjects({"colleague": {"id": "t.head", "name": "Tess Head"}}) == ["t.head"]
    assert conduct.subjects({}) == []
    assert forms.get("cyberbullying").subject_steps == ["staff_responsible"]


def test_references_are_prefix_year_and_four_digits(forms):
    assert forms.get("pupil_contact").reference(year=2026, number=42) == "PC-2026-0042"
    [sent] = forms.submitted_replies(form_id="pupil_contact", reference="PC-2026-0042")
    assert "PC-2026-0042" in sent.text


def test_safeguarding_forms_ask_about_risk_now_first(forms):
    first = forms.get("safeguarding_concern").steps[0]
    assert first.id == "risk_now" and first.type == "yes_no"
    told = forms.get("safeguarding_concern").step("dsl_told")
    assert told.when.holds({"risk_now": True}) and not told.when.holds({"risk_now": False})


def test_privacy_notice_says_what_is_stored_who_reads_it_and_how_long(forms):
    notice = " ".join(r.text for r in forms.privacy_notice())
    assert "What is stored" in notice and "Who can read" in notice and "How long" in notice
    assert "24 hours" in notice


def test_unknown_form_id_lists_the_known_ones(forms):
    with pytest.raises(PolicybotError, match="use one of: blocked_content_request"):
        forms.get("pupil_contct")


# -- broken files ----------------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the shipped forms folder to break."""
    target = tmp_path / "forms"
    shutil.copytree(SHIPPED, target)
    return target


def _edit(path: Path, old: str, new: str) -> int:
    """Replace `old` (which must occur once) and return its 1-based line."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return line


def _error(directory: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_forms(directory)
    return caught.value


def test_condition_naming_an_unknown_step_gives_file_and_line(copy):
    path = copy / "pupil_contact.yaml"
    line = _edit(path, "when: {step: who, is: unsure}", "when: {step: whom, is: unsure}")
    err = _error(copy)
    assert (err.file, err.line) == (str(path), line)
    assert "unknown step 'whom'" in str(err) and "use one of: contact_kind" in str(err)


def test_condition_naming_an_unknown_choice_value_gives_file_and_line(copy):
    path = copy / "media_enquiry.yaml"
    line = _edit(path, "when: {step: kind, in: [payment_offer, both]}",
                 "when: {step: kind, in: [payment, both]}")
    err = _error(copy)
    assert (err.file, err.line) == (str(path), line)
    assert "'payment' is not an option of step 'kind'" in str(err)


def test_condition_on_a_later_step_is_an_error(copy):
    path = copy / "family_declaration.yaml"
    line = _edit(path, "when: {step: relationship, is: other_relationship}",
                 "when: {step: platforms, answered: true}")
    err = _error(copy)
    assert err.line == line and "is not asked before this point" in str(err)


def test_urgent_rule_with_an_unknown_multi_choice_value_is_an_error(copy):
    path = copy / "pupil_contact.yaml"
    line = _edit(path, "contains_any: [sexual, threatening, secretive]}\nsteps:",
                 "contains_any: [sexual, threatening, secret]}\nsteps:")
    err = _error(copy)
    assert err.line == line and "'secret' is not an option" in str(err)


def test_yes_no_condition_needs_a_boolean(copy):
    path = copy / "safeguarding_concern.yaml"
    line = _edit(path, "when: {step: disclosure, is: true}", "when: {step: disclosure, is: maybe}")
    err = _error(copy)
    assert err.line == line and "write `is: true` or `is: false`" in str(err)


def test_schema_error_names_the_line_and_the_field(copy):
    path = copy / "blocked_content_request.yaml"
    line = _edit(path, "    type: url\n    label: Full URL", "    type: link\n    label: Full URL")
    err = _error(copy)
    assert err.line == line and "steps[0].type" in str(err)


def test_missing_field_says_to_add_it(copy):
    path = copy / "media_enquiry.yaml"
    _edit(path, "    label: Who contacted you\n", "")
    err = _error(copy)
    assert "steps[1].label: this field is required - add it" in str(err)
    assert err.file == str(path) and err.line is not None


def test_yaml_syntax_error_names_the_line(copy):
    path = copy / "cyberbullying.yaml"
    line = _edit(path, "  - id: site\n", "  - id: site: [\n")
    err = _error(copy)
    assert err.file == str(path) and err.line == line and "YAML syntax error" in str(err)


def test_duplicate_step_id_is_an_error(copy):
    path = copy / "media_enquiry.yaml"
    line = _edit(path, "  - id: organisation\n", "  - id: kind\n")
    err = _error(copy)
    assert err.line == line and "step id 'kind' is used twice" in str(err)


def test_subject_step_must_be_a_staff_step(copy):
    path = copy / "staff_conduct_concern.yaml"
    line = _edit(path, "subject_steps: [colleague]", "subject_steps: [platform]")
    err = _error(copy)
    assert err.line == line and "staff steps: colleague" in str(err)


def test_option_that_is_a_command_word_is_an_error(copy):
    path = copy / "media_enquiry.yaml"
    line = _edit(path, "{value: both, label: Both}", "{value: both, label: Skip}")
    err = _error(copy)
    assert err.line == line and "also a command word" in str(err)


def test_options_on_a_text_step_are_an_error(copy):
    path = copy / "family_declaration.yaml"
    _edit(path, "    label: Apps used\n",
          "    label: Apps used\n    options: [{value: a, label: A}, {value: b, label: B}]\n")
    err = _error(copy)
    assert "`options` is only for choice and multi_choice steps" in str(err)


def test_form_id_must_match_its_file_name(copy):
    path = copy / "media_enquiry.yaml"
    line = _edit(path, "id: media_enquiry\n", "id: media_request\n")
    err = _error(copy)
    assert err.line == line and "rename the file to media_request.yaml" in str(err)


def test_reference_prefixes_must_be_distinct(copy):
    _edit(copy / "media_enquiry.yaml", "ref_prefix: ME", "ref_prefix: PC")
    err = _error(copy)
    assert "ref_prefix 'PC' is already used by" in str(err)


def test_a_fixed_form_missing_is_an_error(copy):
    (copy / "media_enquiry.yaml").unlink()
    assert "missing form media_enquiry" in str(_error(copy))
    assert "media_enquiry" not in load_forms(copy, require=()).forms


def test_message_with_an_unknown_placeholder_gives_file_and_line(copy):
    path = copy / MESSAGES_FILE
    line = _edit(path, "reference {reference}.", "reference {ref}.")
    err = _error(copy)
    assert (err.file, err.line) == (str(path), line)
    assert "unknown placeholder {ref} - use only {reference}, {title}" in str(err)


def test_a_word_meaning_two_commands_is_an_error(copy):
    path = copy / MESSAGES_FILE
    line = _edit(path, "skip: [skip, skip this, skip it]", "skip: [skip, skip this, back]")
    err = _error(copy)
    assert err.line == line and "'back' is also a back command" in str(err)


def test_an_answer_word_that_is_also_a_command_is_an_error(copy):
    path = copy / MESSAGES_FILE
    line = _edit(path, '"yes": ["yes", "y",', '"yes": ["yes", "help",')
    err = _error(copy)
    assert err.line == line and "'help' is a help command, so it cannot also mean yes" in str(err)


def test_a_step_id_that_is_a_command_word_is_an_error(copy):
    path = copy / "media_enquiry.yaml"
    line = _edit(path, "  - id: about\n", "  - id: help\n")
    assert _error(copy).line == line


def test_timing_must_nudge_before_it_expires(copy):
    path = copy / "safeguarding_concern.yaml"
    _edit(path, "nudge_after_minutes: 30", "nudge_after_minutes: 3000")
    assert "expire_after_minutes must be longer than nudge_after_minutes" in str(_error(copy))
