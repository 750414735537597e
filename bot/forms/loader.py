"""Loading the report forms and the dialogue's messages from `intents/forms/`, checked on load.

One YAML file per form (`<form id>.yaml`) and `_messages.yaml` for everything else the dialogue
says. Beyond the schema, a form is checked as a whole: step ids are unique, a condition names
only steps asked before it and only values those steps can have, a subject step is a staff
step, and option words do not collide with commands. Every problem is a ConfigError naming the
file, the line and the fix, so `policybot check` can point at it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.replies import Reply, Text
from bot.errors import ConfigError, PolicybotError
from bot.form_ids import FORM_IDS
from bot.forms.answers import normalise
from bot.forms.conditions import Condition
from bot.forms.messages import Messages, placeholder_problems
from bot.forms.model import Form, Step, Timing
from bot.paths import intents_dir
from bot.yamlfile import describe_loc, line_of, load_yaml, validate

MESSAGES_FILE = "_messages.yaml"


Problems = Iterator[tuple[tuple[Any, ...], str]]
"""Load-time problems: the location in the YAML (for its line) and the message saying what to change."""


@dataclass(frozen=True)
class FormSet:
    """Every form, by id, and the dialogue's messages."""

    forms: Mapping[str, Form]
    messages: Messages

    def get(self, form_id: str) -> Form:
        try:
            return self.forms[form_id]
        except KeyError:
            known = ", ".join(sorted(self.forms))
            raise PolicybotError(f"unknown form {form_id!r} - use one of: {known}") from None

    def timing(self, form_id: str) -> Timing:
        """The form's own nudge/expiry timing, else the default from _messages.yaml."""
        return self.get(form_id).timing or self.messages.timing

    def submitted_replies(self, *, form_id: str, reference: str) -> list[Reply]:
        """What to tell the reporter once their report is stored (never before: nothing may be lost)."""
        title = self.get(form_id).title
        return [Text(self.messages.texts.submitted.format(title=title, reference=reference))]

    def privacy_notice(self) -> list[Reply]:
        """What the bot shows the first time someone uses it: what is stored, who reads it, how long."""
        notice = self.messages.privacy_notice
        hours = f"{self.messages.timing.expire_after_minutes / 60:g}"
        return [Text(notice.title.format()), Text(notice.text.format(expire_hours=hours))]


def forms_dir() -> Path:
    return intents_dir() / "forms"


def load_forms(directory: str | Path | None = None, *, require: Iterable[str] = FORM_IDS) -> FormSet:
    """Load and check every form in `directory` (default: intents/forms) and its _messages.yaml."""
    directory = Path(directory) if directory is not None else forms_dir()
    if not directory.is_dir():
        raise ConfigError("form folder not found - pass an existing folder (or set POLICYBOT_HOME)",
                          file=str(directory))
    messages = load_messages(directory / MESSAGES_FILE)
    forms: dict[str, Form] = {}
    prefixes: dict[str, str] = {}
    for path in sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_")):
        raw = load_yaml(path)
        form = validate(Form, raw, file=path)
        _raise_first(_form_problems(form, path=path, messages=messages), raw, path)
        if form.ref_prefix in prefixes:
            raise ConfigError(f"ref_prefix {form.ref_prefix!r} is already used by "
                              f"{prefixes[form.ref_prefix]} - give each form its own prefix",
                              file=str(path), line=line_of(raw, ["ref_prefix"]))
        prefixes[form.ref_prefix] = form.id
        forms[form.id] = form
    missing = [f for f in require if f not in forms]
    if missing:
        raise ConfigError(f"missing form{'s' if len(missing) > 1 else ''} {', '.join(missing)} - "
                          "add a YAML file for each (these form ids are fixed)", file=str(directory))
    return FormSet(forms=forms, messages=messages)


def load_messages(path: Path) -> Messages:
    raw = load_yaml(path)
    messages = validate(Messages, raw, file=path)
    _raise_first(placeholder_problems(messages), raw, path)
    _raise_first(_command_clashes(messages), raw, path)
    return messages


def _raise_first(problems: Problems, raw: Any, path: Path) -> None:
    for loc, message in problems:
        raise ConfigError(f"{describe_loc(loc)}: {message}", file=str(path), line=line_of(raw, list(loc)))


def _command_clashes(messages: Messages) -> Problems:
    """A word is one command only, and no answer word (yes, no, send, change) is a command."""
    seen: dict[str, str] = {}
    for command, words in messages.commands.model_dump().items():
        for i, word in enumerate(words):
            key = normalise(word)
            if key in seen and seen[key] != command:
                yield ("commands", command, i), (f"{word!r} is also a {seen[key]} command - "
                                                 "a word can mean one command only")
            seen[key] = command
    for kind in ("yes", "no", "send", "change"):
        for i, word in enumerate(getattr(messages.words, kind)):
            command = seen.get(normalise(word))
            if command:
                yield ("words", kind, i), (f"{word!r} is a {command} command, so it cannot also "
                                           f"mean {kind} - remove it from one of the lists")


def _form_problems(form: Form, *, path: Path, messages: Messages) -> Problems:
    if form.id != path.stem:
        yield ("id",), (f"id {form.id!r} must match the file name - "
                        f"rename the file to {form.id}.yaml or fix the id")
    index: dict[str, int] = {}
    for i, step in enumerate(form.steps):
        if step.id in index:
            yield ("steps", i, "id"), f"step id {step.id!r} is used twice - give each step its own id"
        index.setdefault(step.id, i)
    commands = {normalise(w) for words in messages.commands.model_dump().values() for w in words}
    for i, step in enumerate(form.steps):
        if step.id in commands:
            yield ("steps", i, "id"), f"step id {step.id!r} is a command word - choose another id"
        yield from _option_problems(step, ("steps", i), commands)
        if step.when:
            yield from _condition_problems(step.when, ("steps", i, "when"), form, index, before=i)
        for n, notice in enumerate(step.notices):
            if notice.when:
                yield from _condition_problems(notice.when, ("steps", i, "notices", n, "when"), form, index,
                                               before=i + 1)
    if form.urgent and form.urgent.when:
        yield from _condition_problems(form.urgent.when, ("urgent", "when"), form, index,
                                       before=len(form.steps))
    for n, step_id in enumerate(form.subject_steps):
        step = form.step(step_id)
        if step is None or step.type != "staff":
            staff_steps = _ids(s for s in form.steps if s.type == "staff")
            yield ("subject_steps", n), (f"subject step {step_id!r} must be the id of a staff step of this "
                                         f"form - staff steps: {staff_steps}")


def _option_problems(step: Step, loc: tuple[Any, ...], commands: set[str]) -> Problems:
    values: set[str] = set()
    labels: set[str] = set()
    for n, option in enumerate(step.options):
        where = (*loc, "options", n)
        if option.value in values or normalise(option.label) in labels:
            yield where, (f"option {option.value!r} repeats a value or label of this step - "
                          "make each one distinct")
        if {option.value, normalise(option.label)} & commands:
            yield where, (f"option {option.value!r} is also a command word (back/skip/cancel/help) - "
                          "reword it so the user's answer is not taken as a command")
        separators = (",", ";", " and ", " & ")
        if step.type == "multi_choice" and any(sep in f" {option.label} " for sep in separators):
            yield (*where, "label"), ("a multi_choice label cannot contain ',', ';', ' and ' or ' & ': "
                                      "several answers are split on them - use '/' or reword")
        values.add(option.value)
        labels.add(normalise(option.label))


def _condition_problems(condition: Condition, loc: tuple[Any, ...], form: Form, index: Mapping[str, int], *,
                        before: int) -> Problems:
    """A condition may name only steps asked before `before`, and only values those steps can have."""
    for sub_loc, test in condition.tests():
        where = (*loc, *sub_loc)
        assert test.step is not None  # tests() yields single-step tests only
        position = index.get(test.step)
        if position is None:
            yield (*where, "step"), f"unknown step {test.step!r} - use one of: {_ids(form.steps)}"
            continue
        if position >= before:
            yield (*where, "step"), (f"step {test.step!r} is not asked before this point - a condition can "
                                     f"only use earlier answers: {_ids(form.steps[:before]) or 'none'}")
            continue
        yield from _value_problems(test, where, form.steps[position])


def _value_problems(test: Condition, where: tuple[Any, ...], target: Step) -> Problems:
    known = [o.value for o in target.options]

    def unknown(values: Iterable[Any], key: str) -> Problems:
        for value in values:
            if value not in known:
                yield (*where, key), (f"{value!r} is not an option of step {target.id!r} - "
                                      f"use one of: {', '.join(known)}")

    if test.is_ is not None:
        if target.type == "yes_no" and not isinstance(test.is_, bool):
            yield (*where, "is"), f"step {target.id!r} is yes/no - write `is: true` or `is: false`"
        elif target.type == "choice":
            yield from unknown([test.is_], "is")
        elif target.type not in ("yes_no", "choice"):
            yield (*where, "is"), (f"`is` works on yes_no and choice steps; {target.id!r} is {target.type} - "
                                   "use `contains_any` for multi_choice or `answered` for others")
    if test.in_ is not None:
        if target.type != "choice":
            yield (*where, "in"), f"`in` works on choice steps; {target.id!r} is {target.type}"
        else:
            yield from unknown(test.in_, "in")
    if test.contains_any is not None:
        if target.type != "multi_choice":
            yield (*where, "contains_any"), (f"`contains_any` works on multi_choice steps; "
                                             f"{target.id!r} is {target.type}")
        else:
            yield from unknown(test.contains_any, "contains_any")


def _ids(steps: Iterable[Step]) -> str:
    return ", ".join(s.id for s in steps)
