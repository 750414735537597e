"""The dialogue engine: walks a user through a report form, one question at a time.

It is pure: `start` and `handle` take and return plain JSON-safe state (see bot.forms.state) and
platform-neutral replies; the caller saves the state after every turn and acts on the outcome
(a submitted report is stored and routed by the caller, which then tells the user it was sent).
At any step the user can type `back`, `skip` (optional steps), `cancel` or `help`, or ask a policy
question: it is answered through the injected `answer_question` and the form carries on. Before
anything is sent the user sees a summary and may change any answer.

Deciding whether a message is an answer or a question: a free-text step takes anything as its
answer. At any other step a message that ends with "?" or starts like a question ("what counts as
trolling") and runs to three words or more is offered to `answer_question` first; a short one
("yes?", "today?") is read as an answer first. Whatever `answer_question` declines (returns None)
is read as an answer and, if it is not one, re-asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.core.replies import Choice, Choices, Reply, Summary, Text
from bot.errors import PolicybotError
from bot.forms.answers import (
    Accepted,
    Ambiguous,
    AnswerContext,
    FindStaff,
    Rejected,
    clean_text,
    display,
    fits,
    normalise,
    parse_answer,
)
from bot.forms.loader import FormSet
from bot.forms.model import Form, Step
from bot.forms.state import DialogueState, StaffPick
from bot.forms.timeouts import TimeoutAction, timeout_action

AnswerQuestion = Callable[[str], list[Reply] | None]
"""Answers a policy question asked mid-form; None when the text is not a question it can answer."""


@dataclass(frozen=True, slots=True)
class Cancelled:
    """The form ended without a report: the user cancelled, or the saved state could not be resumed."""

    form_id: str
    reason: Literal["user", "unreadable"]


@dataclass(frozen=True, slots=True)
class Submitted:
    """A finished report, for the caller to store and route.

    `answers` holds the steps that applied, in form order (None: skipped); `subjects` are the staff
    ids the report is about, who must never receive or read it; `summary` is what the user confirmed.
    """

    form_id: str
    answers: dict[str, Any]
    urgent: bool
    subjects: tuple[str, ...]
    summary: tuple[tuple[str, str], ...]


Outcome = Cancelled | Submitted


@dataclass(frozen=True, slots=True)
class Turn:
    """The result of one message: the state to save (None: the form is over, delete it), what to say,
    and the outcome when the form ended this turn."""

    state: dict[str, Any] | None
    replies: list[Reply]
    outcome: Outcome | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DialogueEngine:
    """Runs the forms of a FormSet. Holds no per-user state: one engine serves everyone."""

    def __init__(self, forms: FormSet, *, answer_question: AnswerQuestion, find_staff: FindStaff,
                 timezone: str | tzinfo = "Europe/London", clock: Callable[[], datetime] = _utc_now) -> None:
        """`timezone` is the school's, for reading "yesterday 9pm"; `clock` returns an aware datetime."""
        self._forms = forms
        self._messages = forms.messages
        self._answer_question = answer_question
        self._find_staff = find_staff
        self._tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self._clock = clock
        commands = self._messages.commands
        self._commands = {normalise(w): name for name in ("back", "skip", "cancel", "help")
                          for w in getattr(commands, name)}

    # -- public API ---------------------------------------------------------------------------

    def start(self, form_id: str, *,
              prefill: Mapping[str, str] | None = None) -> tuple[dict[str, Any], list[Reply]]:
        """Begin a form. `prefill` maps step ids to answer texts already known (e.g. from the message that
        offered the form); one that does not read as a valid answer is simply asked."""
        form = self._forms.get(form_id)
        now = self._clock()
        st = DialogueState(form=form.id, started_at=now, updated_at=now)
        for step_id, text in (prefill or {}).items():
            step = form.step(step_id)
            if step is None:
                raise PolicybotError(f"cannot prefill unknown step {step_id!r} of form {form.id} - "
                                     f"steps: {', '.join(s.id for s in form.steps)}")
            result = parse_answer(step, text, ctx=self._context())
            if isinstance(result, Accepted):
                st.answers[step.id] = result.value
        texts = self._messages.texts
        replies: list[Reply] = [Text(form.title), Text(form.description), Text(texts.start.format())]
        replies += self._advance(form, st)
        return st.dump(), replies

    def handle(self, state: Mapping[str, Any], text: str) -> Turn:
        """One message from the user, given the state saved after the previous turn."""
        loaded = self._load(state)
        if loaded is None:
            return self._unreadable(state)
        st, form = loaded
        st.updated_at = self._clock()
        st.nudged = False
        text = clean_text(text)
        command = self._commands.get(normalise(text))
        texts = self._messages.texts
        if command == "cancel":
            return Turn(None, [Text(texts.cancelled.format(title=form.title))], Cancelled(form.id, "user"))
        if command == "help":
            return self._turn(st, [*self._help(form, st), *self._prompt(form, st)])
        if st.stage == "confirm":
            return self._on_confirm(form, st, text, command)
        if st.stage == "change":
            return self._on_change(form, st, text, command)
        if st.pick is not None:
            turn = self._on_pick(form, st, text, command)
            if turn is not None:
                return turn
        return self._on_step(form, st, text, command)

    def resume(self, state: Mapping[str, Any]) -> Turn:
        """Where the user is, said again: for someone coming back to an unfinished form."""
        loaded = self._load(state)
        if loaded is None:
            return self._unreadable(state)
        st, form = loaded
        welcome = Text(self._messages.texts.resumed.format(title=form.title))
        return self._turn(st, [welcome, *self._prompt(form, st)])

    def timeout_action(self, state: Mapping[str, Any], *, now: datetime) -> TimeoutAction | None:
        """What the worker's sweep should do with a saved state now: nudge it, expire it, or nothing."""
        loaded = self._load(state)
        if loaded is None:
            return "expire"
        return timeout_action(state, now=now, timing=self._forms.timing(loaded[1].id))

    def nudge(self, state: Mapping[str, Any]) -> tuple[dict[str, Any], list[Reply]]:
        """The one reminder of an unfinished form: the state to save (marked nudged) and what to send."""
        loaded = self._load(state)
        if loaded is None:
            return dict(state), []
        st, form = loaded
        st.nudged = True
        return st.dump(), [Text(self._messages.texts.nudge.format(title=form.title)), *self._prompt(form, st)]

    def expire(self, state: Mapping[str, Any]) -> list[Reply]:
        """What to tell the user when their unfinished form expires (the caller deletes the state)."""
        form = self._forms.forms.get(str(state.get("form")))
        if form is None:
            return [Text(self._messages.texts.resume_failed.format())]
        return [Text(self._messages.texts.expired.format(title=form.title))]

    # -- stages -------------------------------------------------------------------------------

    def _on_step(self, form: Form, st: DialogueState, text: str, command: str | None) -> Turn:
        step = self._current(form, st)
        texts = self._messages.texts
        if command == "back":
            return self._back(form, st)
        if command == "skip":
            if step.optional:
                return self._turn(st, self._accept(form, st, step, None))
            refused = Text(texts.skip_not_allowed.format(label=step.label))
            return self._turn(st, [refused, *self._prompt(form, st)])
        is_question = step.type != "text" and self._looks_like_question(text)
        long_question = is_question and len(text.split()) >= 3
        if long_question and (turn := self._question(form, st, text)) is not None:
            return turn
        result = parse_answer(step, text, ctx=self._context())
        if isinstance(result, Rejected) and is_question and not long_question \
                and (turn := self._question(form, st, text)) is not None:
            return turn
        if isinstance(result, Accepted):
            return self._turn(st, self._accept(form, st, step, result.value))
        if isinstance(result, Ambiguous):
            st.pick = StaffPick(query=result.query, candidates=list(result.candidates))
            return self._turn(st, self._prompt(form, st))
        return self._turn(st, [Text(result.message), *self._prompt(form, st)])

    def _on_pick(self, form: Form, st: DialogueState, text: str, command: str | None) -> Turn | None:
        """A staff name matched several people; None means "read the text as a fresh answer"."""
        assert st.pick is not None
        candidates = st.pick.candidates
        st.pick = None
        if command == "back":
            return self._turn(st, self._prompt(form, st))
        if command is not None:
            return None
        key = normalise(text)
        none_of_these = len(candidates) + 1
        if key in (normalise(self._messages.labels.none_of_these), str(none_of_these)):
            return self._turn(st, self._prompt(form, st))
        for n, (staff_id, name) in enumerate(candidates, start=1):
            if key in (normalise(staff_id), normalise(name), str(n)):
                picked = {"id": staff_id, "name": name}
                return self._turn(st, self._accept(form, st, self._current(form, st), picked))
        return None

    def _on_confirm(self, form: Form, st: DialogueState, text: str, command: str | None) -> Turn:
        if command == "back":
            return self._back(form, st)
        words, labels = self._messages.words, self._messages.labels
        key = normalise(text)
        if key in {normalise(w) for w in words.send} | {normalise(labels.send), "1"}:
            return self._submit(form, st)
        if key in {normalise(w) for w in words.change} | {normalise(labels.change), "2"}:
            st.stage = "change"
            return self._turn(st, self._prompt(form, st))
        if key == "3":
            return Turn(None, [Text(self._messages.texts.cancelled.format(title=form.title))],
                        Cancelled(form.id, "user"))
        if self._looks_like_question(text) and (turn := self._question(form, st, text)) is not None:
            return turn
        return self._turn(st, [self._confirm_choices()])

    def _on_change(self, form: Form, st: DialogueState, text: str, command: str | None) -> Turn:
        answered = [s for s in self._applicable(form, st.answers) if s.id in st.answers]
        if command == "back" or normalise(text) == str(len(answered) + 1):
            st.stage = "confirm"
            return self._turn(st, self._prompt(form, st))
        key = normalise(text)
        for n, step in enumerate(answered, start=1):
            if key in (step.id, normalise(step.label), str(n)):
                st.stage, st.step, st.changing = "ask", step.id, True
                return self._turn(st, self._prompt(form, st))
        if self._looks_like_question(text) and (turn := self._question(form, st, text)) is not None:
            return turn
        return self._turn(st, self._prompt(form, st))

    def _back(self, form: Form, st: DialogueState) -> Turn:
        if st.changing:
            st.stage, st.step, st.changing = "confirm", None, False
            return self._turn(st, self._prompt(form, st))
        if not st.history:
            first = Text(self._messages.texts.first_question.format())
            return self._turn(st, [first, *self._prompt(form, st)])
        previous = st.history.pop()
        st.answers.pop(previous, None)
        return self._turn(st, self._advance(form, st))

    def _accept(self, form: Form, st: DialogueState, step: Step, value: Any) -> list[Reply]:
        st.answers[step.id] = value
        st.history = [h for h in st.history if h != step.id] + [step.id]
        st.pick, st.changing = None, False
        notices: list[Reply] = [Text(n.text) for n in step.notices
                                if n.when is None or n.when.holds(st.answers)]
        return notices + self._advance(form, st)

    def _submit(self, form: Form, st: DialogueState) -> Turn:
        answers = {s.id: st.answers[s.id] for s in self._applicable(form, st.answers) if s.id in st.answers}
        outcome = Submitted(form_id=form.id, answers=answers, urgent=form.is_urgent(answers),
                            subjects=tuple(form.subjects(answers)), summary=self._summary_fields(form, st))
        return Turn(None, [], outcome)

    def _question(self, form: Form, st: DialogueState, text: str) -> Turn | None:
        answer = self._answer_question(text)
        if answer is None:
            return None
        resume = Text(self._messages.texts.question_resume.format(title=form.title))
        return self._turn(st, [*answer, resume, *self._prompt(form, st)])

    # -- position and prompts -----------------------------------------------------------------

    def _applicable(self, form: Form, answers: Mapping[str, Any]) -> list[Step]:
        """The steps that apply given the answers; conditions use only earlier steps, so one pass suffices."""
        seen: dict[str, Any] = {}
        steps = []
        for step in form.steps:
            if step.when is None or step.when.holds(seen):
                steps.append(step)
                if step.id in answers:
                    seen[step.id] = answers[step.id]
        return steps

    def _advance(self, form: Form, st: DialogueState) -> list[Reply]:
        self._position(form, st)
        return self._prompt(form, st)

    def _position(self, form: Form, st: DialogueState) -> None:
        """Drop answers to steps that no longer apply, then go to the first unanswered step or the summary."""
        applicable = self._applicable(form, st.answers)
        ids = {s.id for s in applicable}
        st.answers = {k: v for k, v in st.answers.items() if k in ids}
        st.history = [h for h in st.history if h in st.answers]
        if st.stage == "ask" and st.changing and st.step in st.answers:
            return
        pending = next((s for s in applicable if s.id not in st.answers), None)
        if pending is not None:
            if st.step != pending.id:
                st.pick = None
            st.stage, st.step, st.changing = "ask", pending.id, False
            return
        if st.stage != "change":
            st.stage = "confirm"
        st.step, st.changing, st.pick = None, False, None

    def _current(self, form: Form, st: DialogueState) -> Step:
        step = form.step(st.step) if st.step else None
        assert step is not None, "stage ask always has a current step (see _position)"
        return step

    def _prompt(self, form: Form, st: DialogueState) -> list[Reply]:
        if st.stage == "confirm":
            fields = self._summary_fields(form, st)
            title = self._messages.texts.summary_title.format(title=form.title)
            replies: list[Reply] = [Summary(title, fields)]
            if form.is_urgent(st.answers):
                replies.append(Text(self._messages.texts.urgent.format()))
            return [*replies, self._confirm_choices()]
        if st.stage == "change":
            answered = [s for s in self._applicable(form, st.answers) if s.id in st.answers]
            options = [Choice(s.label, s.id) for s in answered]
            options.append(Choice(self._messages.labels.back_to_summary, self._messages.commands.back[0]))
            return [Choices(self._messages.texts.change.format(), tuple(options))]
        step = self._current(form, st)
        if st.pick is not None:
            labels = self._messages.labels
            options = [Choice(name, staff_id) for staff_id, name in st.pick.candidates]
            options.append(Choice(labels.none_of_these, labels.none_of_these))
            return [Choices(self._messages.invalid.staff_pick.format(query=st.pick.query), tuple(options))]
        return self._ask(step, current=st.answers.get(step.id, None) if st.changing else None,
                         changing=st.changing)

    def _ask(self, step: Step, *, current: Any, changing: bool) -> list[Reply]:
        m = self._messages
        replies: list[Reply] = []
        if changing:
            shown = display(step, current, messages=m)
            replies.append(Text(m.texts.current_answer.format(answer=shown)))
        hint = self._hint(step)
        lines = [step.prompt, *([hint] if hint else [])]
        if step.optional:
            lines.append(m.texts.optional.format())
        prompt = "\n".join(lines)
        if step.type in ("choice", "multi_choice", "yes_no"):
            if step.type == "yes_no":
                options = [Choice(m.labels.yes, m.words.yes[0]), Choice(m.labels.no, m.words.no[0])]
            else:
                options = [Choice(o.label, o.value) for o in step.options]
            if step.optional:
                options.append(Choice(m.labels.skip, m.commands.skip[0]))
            replies.append(Choices(prompt, tuple(options), multi=step.type == "multi_choice"))
        else:
            replies.append(Text(prompt))
        return replies

    def _hint(self, step: Step) -> str | None:
        hints = self._messages.hints
        if step.type in ("url", "pupil"):
            return getattr(hints, f"{step.type}_multiple" if step.multiple else step.type)
        return getattr(hints, step.type, None)

    def _help(self, form: Form, st: DialogueState) -> list[Reply]:
        replies: list[Reply] = [Text(self._messages.texts.help.format(title=form.title))]
        if st.stage == "ask":
            step = self._current(form, st)
            if step.help:
                replies.append(Text(step.help))
        return replies

    def _confirm_choices(self) -> Choices:
        m = self._messages
        return Choices(m.texts.confirm.format(), (Choice(m.labels.send, m.words.send[0]),
                                                  Choice(m.labels.change, m.words.change[0]),
                                                  Choice(m.labels.cancel, m.commands.cancel[0])))

    def _summary_fields(self, form: Form, st: DialogueState) -> tuple[tuple[str, str], ...]:
        return tuple((s.label, display(s, st.answers[s.id], messages=self._messages))
                     for s in self._applicable(form, st.answers) if s.id in st.answers)

    # -- state --------------------------------------------------------------------------------

    def _load(self, state: Mapping[str, Any]) -> tuple[DialogueState, Form] | None:
        """The saved state, repaired against the form as it is now (a form edited mid-conversation drops
        answers that no longer fit); None when it cannot be resumed at all."""
        try:
            st = DialogueState.model_validate(state)
        except ValidationError:
            return None
        form = self._forms.forms.get(st.form)
        if form is None:
            return None
        st.answers = {k: v for k, v in st.answers.items() if (s := form.step(k)) is not None and fits(s, v)}
        current = form.step(st.step) if st.step else None
        if st.stage != "ask" or current is None:
            st.changing = False
        if st.pick is not None and (st.stage != "ask" or current is None or current.type != "staff"):
            st.pick = None
        if st.stage == "ask" and current is None:
            st.step = None
        self._position(form, st)
        return st, form

    def _unreadable(self, state: Mapping[str, Any]) -> Turn:
        form_id = state.get("form") if isinstance(state, Mapping) else None
        return Turn(None, [Text(self._messages.texts.resume_failed.format())],
                    Cancelled(str(form_id or ""), "unreadable"))

    def _turn(self, st: DialogueState, replies: list[Reply]) -> Turn:
        return Turn(st.dump(), replies)

    def _context(self) -> AnswerContext:
        return AnswerContext(messages=self._messages, now=self._clock().astimezone(self._tz),
                             find_staff=self._find_staff)

    def _looks_like_question(self, text: str) -> bool:
        if text.rstrip().endswith("?"):
            return True
        words = normalise(text).split()
        return len(words) >= 3 and words[0] in {normalise(w) for w in self._messages.words.question_starts}
