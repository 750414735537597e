"""Reading single answers: dates as staff say them, pupils as initials, URLs, free text, choices."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.forms import load_forms
from bot.forms.answers import (
    Accepted,
    Ambiguous,
    AnswerContext,
    Rejected,
    clean_text,
    display,
    fits,
    parse_answer,
)
from bot.forms.dates import parse_moment
from bot.forms.model import Step

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)  # a Tuesday morning
STAFF = [("a.smith", "Alice Smith"), ("b.smith", "Bob Smith"), ("c.jones", "Carol Jones")]
MESSAGES = load_forms().messages


@pytest.fixture(scope="module")
def messages():
    return MESSAGES


@pytest.fixture(scope="module")
def ctx(messages):
    return AnswerContext(messages=messages, now=NOW,
                         find_staff=lambda text: [s for s in STAFF if text.casefold() in s[1].casefold()])


def step(**fields) -> Step:
    return Step(id="s", label="Label", prompt="Prompt?", **fields)


@pytest.mark.parametrize(("text", "expected"), [
    ("today", {"date": "2026-11-24", "time": None, "part": None}),
    ("yesterday 9pm", {"date": "2026-11-23", "time": "21:00", "part": None}),
    ("Yesterday at about 9.30pm", {"date": "2026-11-23", "time": "21:30", "part": None}),
    ("last night", {"date": "2026-11-23", "time": None, "part": "night"}),
    ("this morning", {"date": "2026-11-24", "time": None, "part": "morning"}),
    ("yesterday evening", {"date": "2026-11-23", "time": None, "part": "evening"}),
    ("21/11/2026 18:30", {"date": "2026-11-21", "time": "18:30", "part": None}),
    ("2026-11-21T18:30:00Z", {"date": "2026-11-21", "time": "18:30", "part": None}),
    ("2026-06-21T18:30:00+00:00", {"date": "2026-06-21", "time": "19:30", "part": None}),  # BST
    ("21 November 2026 at 6.30pm", {"date": "2026-11-21", "time": "18:30", "part": None}),
    ("3/4/2026", {"date": "2026-04-03", "time": None, "part": None}),  # day first, as in the UK
    ("1/12", {"date": "2025-12-01", "time": None, "part": None}),  # no year: the last one that has passed
    ("9pm", {"date": "2026-11-23", "time": "21:00", "part": None}),  # said in the morning: last night
    ("last Monday", {"date": "2026-11-23", "time": None, "part": None}),
    ("friday 3pm", {"date": "2026-11-20", "time": "15:00", "part": None}),
    ("now", {"date": "2026-11-24", "time": "10:00", "part": None}),
])
def test_past_moments(text, expected):
    assert parse_moment(text, now=NOW, tense="past") == expected


def test_future_moments_resolve_forwards():
    assert parse_moment("friday", now=NOW, tense="future")["date"] == "2026-11-27"
    assert parse_moment("1/12", now=NOW, tense="future")["date"] == "2026-12-01"
    assert parse_moment("tomorrow 9am", now=NOW, tense="future") == {"date": "2026-11-25", "time": "09:00",
                                                                     "part": None}


@pytest.mark.parametrize("text", ["May", "2026", "7", "soon", "what counts as trolling?", "yesterday purple",
                                  "25:00"])
def test_vague_or_unreadable_moments_are_not_guessed(text):
    assert parse_moment(text, now=NOW, tense="past") is None


def test_an_event_in_the_future_is_re_asked(ctx, messages):
    result = parse_answer(step(type="datetime", tense="past"), "tomorrow", ctx=ctx)
    assert result == Rejected(messages.invalid.datetime_in_future)
    result = parse_answer(step(type="datetime", tense="future"), "yesterday", ctx=ctx)
    assert result == Rejected(messages.invalid.datetime_in_past)


def test_moments_are_shown_without_invented_precision(messages):
    s = step(type="datetime")
    night = {"date": "2026-11-23", "time": None, "part": "night"}
    assert display(s, night, messages=messages) == "Mon 23 Nov 2026, night"
    clock = {"date": "2026-11-23", "time": "21:00", "part": None}
    assert display(s, clock, messages=messages) == "Mon 23 Nov 2026, 21:00"


@pytest.mark.parametrize(("text", "expected"), [
    ("AB Y7", {"initials": "AB", "year": "Y7"}),
    ("a.b., year 10", {"initials": "AB", "year": "Y10"}),
    ("JS in Reception", {"initials": "JS", "year": "R"}),
    ("Yr 3 KLM", {"initials": "KLM", "year": "Y3"}),
    ("T nursery", {"initials": "T", "year": "N"}),
])
def test_pupils_as_initials_and_year_group(ctx, text, expected):
    assert parse_answer(step(type="pupil"), text, ctx=ctx) == Accepted(expected)


def test_several_pupils_when_the_step_allows(ctx):
    result = parse_answer(step(type="pupil", multiple=True), "AB Y7; CD Y8 and EF reception", ctx=ctx)
    assert result == Accepted([{"initials": "AB", "year": "Y7"}, {"initials": "CD", "year": "Y8"},
                               {"initials": "EF", "year": "R"}])
    commas = parse_answer(step(type="pupil", multiple=True), "AB Y7, CD Y8", ctx=ctx)
    assert commas == Accepted([{"initials": "AB", "year": "Y7"}, {"initials": "CD", "year": "Y8"}])
    assert isinstance(parse_answer(step(type="pupil"), "AB Y7; CD Y8", ctx=ctx), Rejected)


@pytest.mark.parametrize("text", ["Jonathan Smith Y7", "Tom Y4", "Amelia year 2"])
def test_full_names_are_refused_with_the_reason(ctx, messages, text):
    result = parse_answer(step(type="pupil"), text, ctx=ctx)
    assert result == Rejected(messages.invalid.pupil_full_name)
    assert "data minimisation" in result.message


@pytest.mark.parametrize("text", ["AB", "Y7", "AB Y7 Y8", "AB Y14", "12 Y7"])
def test_pupils_without_initials_and_one_year_group_are_re_asked(ctx, messages, text):
    assert parse_answer(step(type="pupil"), text, ctx=ctx) == Rejected(messages.invalid.pupil)


@pytest.mark.parametrize(("text", "expected"), [
    ("https://example.com/page?id=3", "https://example.com/page?id=3"),
    ("www.example.co.uk/x", "https://www.example.co.uk/x"),
    ("<https://example.com/a|example.com/a>", "https://example.com/a"),  # as Slack sends a link
    ("http://192.168.1.10/admin", "http://192.168.1.10/admin"),
])
def test_urls(ctx, text, expected):
    assert parse_answer(step(type="url"), text, ctx=ctx) == Accepted(expected)


@pytest.mark.parametrize("text", ["not a url", "example", "ftp://example.com/x", "https://",
                                  "javascript:alert(1)"])
def test_non_urls_are_re_asked(ctx, messages, text):
    assert parse_answer(step(type="url"), text, ctx=ctx) == Rejected(messages.invalid.url)


def test_several_urls_only_when_the_step_allows(ctx):
    text = "https://a.example.com/1\nhttps://b.example.com/2"
    assert parse_answer(step(type="url", multiple=True), text, ctx=ctx).value == [
        "https://a.example.com/1", "https://b.example.com/2"]
    assert isinstance(parse_answer(step(type="url"), text, ctx=ctx), Rejected)


def test_free_text_is_kept_verbatim_without_control_characters(ctx):
    typed = "  <b>*not* markup*</b> & {braces}\r\nline two\x00\x07\tend  "
    assert parse_answer(step(type="text"), typed, ctx=ctx) == Accepted(
        "<b>*not* markup*</b> & {braces}\nline two\tend")
    assert clean_text("\x1b[31mred\x1b[0m") == "[31mred[0m"


def test_free_text_over_the_limit_is_re_asked_with_the_numbers(ctx, messages):
    result = parse_answer(step(type="text"), "x" * 4001, ctx=ctx)
    assert isinstance(result, Rejected) and "4001" in result.message and "4000" in result.message
    assert parse_answer(step(type="text"), "x" * 4000, ctx=ctx) == Accepted("x" * 4000)
    assert isinstance(parse_answer(step(type="text", max_length=10), "x" * 11, ctx=ctx), Rejected)


def test_empty_answers_are_re_asked(ctx, messages):
    assert parse_answer(step(type="text"), " \x00 ", ctx=ctx) == Rejected(messages.invalid.empty)


OPTIONS = [{"value": "pupils", "label": "Pupils of the school"}, {"value": "staff", "label": "School staff"},
           {"value": "public", "label": "Members of the public"}]


def test_choices_by_value_label_or_number(ctx, messages):
    s = step(type="choice", options=OPTIONS)
    assert parse_answer(s, "staff", ctx=ctx) == Accepted("staff")
    assert parse_answer(s, "members of the public.", ctx=ctx) == Accepted("public")
    assert parse_answer(s, "1", ctx=ctx) == Accepted("pupils")
    assert parse_answer(s, "4", ctx=ctx) == Rejected(messages.invalid.choice)


def test_multi_choice_keeps_option_order_and_names_what_it_did_not_recognise(ctx):
    s = step(type="multi_choice", options=OPTIONS)
    assert parse_answer(s, "public, 1", ctx=ctx) == Accepted(["pupils", "public"])
    assert parse_answer(s, "staff and school staff", ctx=ctx) == Accepted(["staff"])
    result = parse_answer(s, "staff, governors", ctx=ctx)
    assert isinstance(result, Rejected) and "governors" in result.message


def test_yes_no_words_come_from_the_messages_file(ctx, messages):
    s = step(type="yes_no")
    assert parse_answer(s, "Yes please!", ctx=ctx) == Accepted(True)
    assert parse_answer(s, "not yet", ctx=ctx) == Accepted(False)
    assert parse_answer(s, "perhaps", ctx=ctx) == Rejected(messages.invalid.yes_no)


def test_staff_found_ambiguous_or_unknown(ctx, messages):
    s = step(type="staff")
    assert parse_answer(s, "carol", ctx=ctx) == Accepted({"id": "c.jones", "name": "Carol Jones"})
    smiths = (("a.smith", "Alice Smith"), ("b.smith", "Bob Smith"))
    assert parse_answer(s, "smith", ctx=ctx) == Ambiguous("smith", smiths)
    result = parse_answer(s, "Dave", ctx=ctx)
    assert result == Rejected(messages.invalid.staff_not_found.format(query="Dave"))


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60), type_and_options=st.sampled_from([
    ("text", {}), ("choice", {"options": OPTIONS}), ("multi_choice", {"options": OPTIONS}), ("yes_no", {}),
    ("datetime", {"tense": "past"}), ("datetime", {"tense": "future"}), ("url", {"multiple": True}),
    ("staff", {}), ("pupil", {"multiple": True}),
]))
def test_any_text_is_accepted_in_the_steps_shape_or_re_asked(text, type_and_options):
    type_, fields = type_and_options
    s = step(type=type_, **fields)
    messages = MESSAGES
    ctx = AnswerContext(messages=messages, now=NOW, find_staff=lambda t: [m for m in STAFF if t in m[1]])
    result = parse_answer(s, text, ctx=ctx)
    assert isinstance(result, Accepted | Rejected | Ambiguous)
    if isinstance(result, Accepted):
        assert fits(s, result.value) and isinstance(display(s, result.value, messages=messages), str)
