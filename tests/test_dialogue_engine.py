"""The dialogue engine, driven with scripted messages as a user would type them.

Every shipped form is walked end to end (with back, skip, an invalid answer, a mid-form question and
a restart from JSON in the middle), then the behaviours are pinned one by one, and hypothesis checks
that no sequence of messages crashes the engine or leaves a state it cannot resume.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.core.replies import Choices, Summary, Text
from bot.errors import PolicybotError
from bot.forms import (
    FORM_IDS,
    Cancelled,
    DialogueEngine,
    DialogueState,
    Submitted,
    load_forms,
)
from bot.forms.model import Form, Step

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday, in school hours
STAFF = [("a.smith", "Alice Smith"), ("b.smith", "Bob Smith"), ("c.jones", "Carol Jones"),
         ("d.khan", "Dev Khan"), ("e.lee", "Emma Lee")]
QUESTION = "what counts as trolling?"
POLICY_ANSWER = Text("Trolling is posting inflammatory messages to provoke (St Elisabeth's 9.3).")

FORMS = load_forms()


def find_staff(text: str) -> list[tuple[str, str]]:
    key = text.casefold().strip()
    return [s for s in STAFF if key and (key in s[1].casefold() or key == s[0])]


def answer_question(text: str) -> list | None:
    return [POLICY_ANSWER] if "trolling" in text.casefold() else None


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def make_engine(clock: Clock | None = None) -> DialogueEngine:
    return DialogueEngine(FORMS, answer_question=answer_question, find_staff=find_staff,
                          timezone="Europe/London", clock=clock or Clock())


def current(state: dict) -> str | None:
    """The step being asked, or the stage when none is."""
    return state["step"] if state["stage"] == "ask" else state["stage"]


# -- a valid and an invalid answer for each step type; variants steer through the conditions ---


def valid_answer(step: Step, variant: int) -> str:
    """Variants 2n and 2n+1 pick the n-th option (odd ones skip optional steps); variant 0 picks every
    option of a multi-choice, so between them the variants reach every conditional step."""
    pick = variant // 2
    if step.type == "choice":
        return step.options[pick % len(step.options)].label
    if step.type == "multi_choice":
        options = step.options if variant == 0 else [step.options[pick % len(step.options)]]
        return ", ".join(str(step.options.index(o) + 1) for o in options)
    if step.type == "yes_no":
        return "yes" if pick % 2 == 0 else "no"
    if step.type == "datetime":
        return {"past": "yesterday 9pm", "future": "tomorrow 9am", None: "today"}[step.tense]
    if step.type == "url":
        return "https://example.com/a https://example.com/b" if step.multiple else "https://example.com/page"
    if step.type == "staff":
        return "Carol Jones"
    if step.type == "pupil":
        return "AB Y7; CD Y8" if step.multiple else "AB Y7"
    return f"Answer to {step.id}: <b>as typed</b>"


VARIANTS = 2 * max(len(s.options) for f in FORMS.forms.values() for s in f.steps)

INVALID = {"text": "x" * 4001, "choice": "purple elephant", "multi_choice": "purple elephant",
           "yes_no": "perhaps", "datetime": "the other week", "url": "not a web address",
           "staff": "Nobody Known", "pupil": "Jonathan Smith Y7"}


def walk(engine: DialogueEngine, form: Form, *, variant: int) -> Submitted:
    """Fill in `form` with every detour a user might take, and return what is submitted."""
    state, replies = engine.start(form.id)
    assert replies[0] == Text(form.title)
    asked: list[str] = []
    restarted = False
    for _ in range(200):
        if state["stage"] == "confirm":
            break
        step = form.step(state["step"])
        asked.append(step.id)

        # An invalid answer is re-asked: a message, then the same question, at the same step.
        turn = engine.handle(state, INVALID[step.type])
        assert current(turn.state) == step.id and isinstance(turn.replies[0], Text)
        assert turn.replies[0].text != step.prompt and step.prompt in _prompt_text(turn.replies)
        state = turn.state

        # A policy question mid-form is answered and the same question asked again (not at free text,
        # where anything typed is the answer).
        if step.type != "text":
            turn = engine.handle(state, QUESTION)
            assert turn.replies[0] == POLICY_ANSWER and current(turn.state) == step.id
            assert step.prompt in _prompt_text(turn.replies)
            state = turn.state

        # Halfway: the process restarts; the state comes back from JSON into a new engine.
        if not restarted and len(asked) >= len(form.steps) // 2:
            state = json.loads(json.dumps(state))
            engine = make_engine()
            resumed = engine.resume(state)
            assert current(resumed.state) == step.id and step.prompt in _prompt_text(resumed.replies)
            restarted = True

        # Optional steps are skipped on odd variants.
        if step.optional and variant % 2:
            turn = engine.handle(state, "skip")
        else:
            turn = engine.handle(state, valid_answer(step, variant))
        assert current(turn.state) != step.id, f"{form.id}.{step.id} did not accept a valid answer"
        state = turn.state

        # Back once, on the second question: the first is asked again and answered again.
        if len(asked) == 2:
            turn = engine.handle(state, "back")
            assert current(turn.state) == step.id
            turn = engine.handle(turn.state, valid_answer(step, variant))
            state = turn.state
    assert restarted and state["stage"] == "confirm"
    summary = next(r for r in engine.resume(state).replies if isinstance(r, Summary))
    assert [label for label, _ in summary.fields] == [form.step(s).label for s in state["answers"]]
    turn = engine.handle(state, "send")
    assert turn.state is None and turn.replies == [] and isinstance(turn.outcome, Submitted)
    return turn.outcome


def _prompt_text(replies: list) -> str:
    return "\n".join(r.prompt if isinstance(r, Choices) else getattr(r, "text", "") for r in replies)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_form_end_to_end(form_id):
    form = FORMS.get(form_id)
    answered: set[str] = set()
    for variant in range(VARIANTS):
        outcome = walk(make_engine(), form, variant=variant)
        assert outcome.form_id == form_id
        for step_id, value in outcome.answers.items():
            step = form.step(step_id)
            assert step.when is None or step.when.holds(outcome.answers)
            assert value is not None or step.optional
        assert outcome.urgent == form.is_urgent(outcome.answers)
        assert outcome.subjects == tuple(form.subjects(outcome.answers))
        assert json.loads(json.dumps(outcome.answers)) == outcome.answers
        answered |= {k for k, v in outcome.answers.items() if v is not None}
    assert answered == {s.id for s in form.steps}, "the variants between them answer every step"


# -- behaviours, one by one ------------------------------------------------------------------------


def run(engine: DialogueEngine, form_id: str, *messages: str, prefill: dict | None = None):
    """Start a form and send messages; returns the last turn (its state is None once it ended)."""
    state, replies = engine.start(form_id, prefill=prefill)
    turn = None
    for message in messages:
        assert state is not None, f"the form ended before {message!r}"
        turn = engine.handle(state, message)
        state = turn.state
    return turn


def texts(replies: list) -> list[str]:
    return [r.text for r in replies if isinstance(r, Text)]


def test_cancel_at_any_step_ends_the_form_and_keeps_nothing():
    engine = make_engine()
    turn = run(engine, "media_enquiry", "1", "cancel")
    assert turn.state is None and turn.outcome == Cancelled("media_enquiry", "user")
    assert "nothing was sent" in texts(turn.replies)[0]
    confirm = run(engine, "family_declaration", "AB Y7", "1", "no", "skip")
    assert confirm.state["stage"] == "confirm"
    assert engine.handle(confirm.state, "Cancel").outcome == Cancelled("family_declaration", "user")


def test_help_explains_the_commands_and_the_step_and_asks_again():
    turn = run(make_engine(), "staff_conduct_concern", "help")
    assert "Type back" in texts(turn.replies)[0]
    assert "allegations procedure" in texts(turn.replies)[1]
    assert current(turn.state) == "child_harm"


def test_skip_is_refused_on_a_required_step():
    turn = run(make_engine(), "media_enquiry", "skip")
    assert texts(turn.replies)[0] == "This question can't be skipped: the report needs Kind of contact."
    assert current(turn.state) == "kind"


def test_back_on_the_first_question_says_so():
    turn = run(make_engine(), "media_enquiry", "back")
    assert texts(turn.replies)[0].startswith("This is the first question")


def test_safeguarding_asks_first_whether_the_dsl_has_been_told_in_person():
    engine = make_engine()
    state, replies = engine.start("safeguarding_concern")
    assert "at risk of harm right now" in replies[-1].prompt
    turn = engine.handle(state, "yes")
    assert current(turn.state) == "dsl_told"
    turn = engine.handle(turn.state, "no")
    assert "speak to the DSL or deputy DSL now" in texts(turn.replies)[0] and "999" in texts(turn.replies)[0]
    not_at_risk = engine.handle(state, "no")
    assert current(not_at_risk.state) == "concern_type"


def test_conditions_add_steps_and_changing_an_answer_drops_the_ones_that_no_longer_apply():
    engine = make_engine()
    turn = run(engine, "media_enquiry", "both", "The Gazette", "email", "yesterday 3pm", "sports day photos",
               "£200 for the photos", "yes", "yes", "I said I'd think about it", "skip")
    assert turn.state["stage"] == "confirm"
    assert {"payment_details", "response_details"} <= set(turn.state["answers"])
    assert "Please don't respond further" not in texts(turn.replies)
    turn = engine.handle(turn.state, "change")
    turn = engine.handle(turn.state, "Kind of contact")
    assert texts(turn.replies)[0] == "Current answer: Both"
    turn = engine.handle(turn.state, "media_contact")
    assert turn.state["stage"] == "confirm" and "payment_details" not in turn.state["answers"]
    summary = next(r for r in turn.replies if isinstance(r, Summary))
    assert ("Kind of contact", "A journalist or media outlet contacted me") in summary.fields
    # Changing an answer so that a new step applies asks it before the summary comes back.
    turn = engine.handle(engine.handle(turn.state, "change").state, "1")
    turn = engine.handle(turn.state, "payment_offer")
    assert current(turn.state) == "payment_details"


def test_back_from_a_change_returns_to_the_summary_with_the_answer_kept():
    engine = make_engine()
    turn = run(engine, "family_declaration", "AB Y7", "1", "no", "skip", "change", "Relationship")
    turn = engine.handle(turn.state, "back")
    assert turn.state["stage"] == "confirm" and turn.state["answers"]["relationship"] == "parent"


def test_urgent_report_is_flagged_in_the_summary_and_the_outcome():
    engine = make_engine()
    turn = run(engine, "pupil_contact", "2", "Snapchat", "current pupil", "AB Y9", "yesterday 9pm",
               "threatening, secretive")
    assert "This will be marked urgent" in texts(turn.replies)[0]
    turn = run(engine, "pupil_contact", "2", "Snapchat", "current pupil", "AB Y9", "yesterday 9pm",
               "threatening, secretive", "you'd better not tell anyone", "yes", "yes", "skip")
    assert "sent as urgent" in " ".join(texts(turn.replies))
    outcome = engine.handle(turn.state, "send").outcome
    assert outcome.urgent and outcome.answers["pupil"] == {"initials": "AB", "year": "Y9"}


def test_staff_conduct_names_its_subject_so_routing_can_exclude_them():
    engine = make_engine()
    turn = run(engine, "staff_conduct_concern", "no", "smith")
    pick = turn.replies[-1]
    assert isinstance(pick, Choices)
    assert [o.label for o in pick.options] == ["Alice Smith", "Bob Smith", "None of these"]
    turn = engine.handle(turn.state, "Bob Smith")
    assert "don't discuss this with the colleague" in texts(turn.replies)[0]
    turn = run(engine, "staff_conduct_concern", "no", "smith", "2", "3", "Facebook", "last night",
               "Posted a photo of a class", "skip", "skip", "send")
    assert turn.outcome.subjects == ("b.smith",) and not turn.outcome.urgent


def test_a_staff_pick_can_be_answered_with_a_new_name_or_none_of_these():
    engine = make_engine()
    turn = run(engine, "staff_conduct_concern", "no", "smith", "Dev Khan")
    assert turn.state["answers"]["colleague"] == {"id": "d.khan", "name": "Dev Khan"}
    turn = run(engine, "staff_conduct_concern", "no", "smith", "None of these")
    assert current(turn.state) == "colleague" and turn.state["pick"] is None


def test_a_short_answer_with_a_question_mark_is_still_an_answer():
    turn = run(make_engine(), "safeguarding_concern", "yes?")
    assert turn.state["answers"]["risk_now"] is True


def test_a_question_nobody_can_answer_is_re_asked_as_an_invalid_answer():
    turn = run(make_engine(), "safeguarding_concern", "what should I do about this?")
    assert texts(turn.replies)[0] == "Please answer yes or no." and current(turn.state) == "risk_now"


def test_a_free_text_step_takes_a_question_as_its_answer():
    turn = run(make_engine(), "blocked_content_request", "https://example.com", QUESTION)
    assert turn.state["answers"]["site_content"] == QUESTION


def test_prefill_answers_known_steps_and_asks_the_rest():
    engine = make_engine()
    state, _ = engine.start("safeguarding_concern", prefill={"risk_now": "yes", "pupils": "Jane Doe Y4"})
    assert state["answers"] == {"risk_now": True} and current(state) == "dsl_told"
    with pytest.raises(PolicybotError, match="cannot prefill unknown step 'risk'"):
        engine.start("safeguarding_concern", prefill={"risk": "yes"})


def test_one_nudge_then_expiry_with_the_forms_own_timing():
    clock = Clock()
    engine = make_engine(clock)
    state, _ = engine.start("safeguarding_concern")  # nudges after 30 minutes
    assert engine.timeout_action(state, now=NOW + timedelta(minutes=29)) is None
    assert engine.timeout_action(state, now=NOW + timedelta(minutes=30)) == "nudge"
    state, replies = engine.nudge(state)
    assert "unfinished report" in texts(replies)[0] and "at risk of harm right now" in replies[-1].prompt
    assert engine.timeout_action(state, now=NOW + timedelta(hours=5)) is None
    assert engine.timeout_action(state, now=NOW + timedelta(hours=24)) == "expire"
    assert "has expired and was not sent" in texts(engine.expire(state))[0]
    # Answering after the nudge gives a fresh allowance (and a later nudge).
    clock.now = NOW + timedelta(hours=1)
    state = engine.handle(state, "no").state
    assert engine.timeout_action(state, now=clock.now + timedelta(minutes=30)) == "nudge"
    default, _ = engine.start("media_enquiry")  # the default from _messages.yaml: 2 hours
    assert engine.timeout_action(default, now=clock.now + timedelta(minutes=119)) is None
    assert engine.timeout_action(default, now=clock.now + timedelta(minutes=120)) == "nudge"


def test_a_state_that_cannot_be_resumed_is_cancelled_politely():
    engine = make_engine()
    for broken in ({"form": "no_such_form", "started_at": NOW.isoformat(), "updated_at": NOW.isoformat()},
                   {"garbage": True}):
        turn = engine.handle(broken, "yes")
        assert turn.state is None and turn.outcome.reason == "unreadable"
        assert "start it again" in texts(turn.replies)[0]
        assert engine.timeout_action(broken, now=NOW) == "expire"


def test_a_form_edited_mid_conversation_drops_answers_that_no_longer_fit():
    engine = make_engine()
    state, _ = engine.start("media_enquiry")
    state = engine.handle(state, "both").state
    state["answers"]["kind"] = "withdrawn_option"
    state["answers"]["no_such_step"] = "x"
    turn = engine.handle(state, "1")
    assert turn.state["answers"] == {"kind": "media_contact"}


# -- properties ------------------------------------------------------------------------------------


COMMANDS = ["back", "skip", "help", "send", "change", "cancel", "None of these"]
JUNK = ["", "   ", "\x00", "what?", QUESTION, "1", "2", "3", "12", "smith", "yes", "no"]


def _message(data: st.DataObject, form: Form, state: dict) -> str:
    """Mostly a real answer to the step being asked (so forms get finished), else anything at all."""
    kind = data.draw(st.sampled_from(["answer", "answer", "answer", "command", "junk", "invalid", "any"]))
    step = form.step(state["step"]) if state["stage"] == "ask" else None
    if kind == "answer" and step is not None:
        return valid_answer(step, data.draw(st.integers(0, VARIANTS - 1)))
    if kind == "answer" or kind == "command":
        return data.draw(st.sampled_from(COMMANDS))
    if kind == "invalid" and step is not None:
        return INVALID[step.type]
    if kind == "any":
        return data.draw(st.text(max_size=40))
    return data.draw(st.sampled_from(JUNK))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), form_id=st.sampled_from(FORM_IDS))
def test_no_sequence_of_messages_crashes_or_leaves_an_unusable_state(data, form_id):
    form = FORMS.get(form_id)
    engine = make_engine()
    state, _ = engine.start(form_id)
    for _ in range(80):
        turn = engine.handle(state, _message(data, form, state))
        assert all(isinstance(r, Text | Choices | Summary) or r == POLICY_ANSWER for r in turn.replies)
        if turn.state is None:
            assert isinstance(turn.outcome, Cancelled | Submitted)
            event(type(turn.outcome).__name__)
            break
        assert turn.outcome is None and turn.replies
        state = json.loads(json.dumps(turn.state))
        parsed = DialogueState.model_validate(state)
        if parsed.stage == "ask":
            step = form.step(parsed.step)
            assert step is not None and (step.when is None or step.when.holds(parsed.answers))
            assert parsed.step not in parsed.answers or parsed.changing
            assert parsed.pick is None or step.type == "staff"
        assert set(parsed.history) <= set(parsed.answers)
        assert engine.resume(state).state == state  # resumable as it stands
