"""The shape of a report form: an ordered list of steps, each one question, as `intents/forms/<id>.yaml`.

    id: pupil_contact
    title: Pupil contact on social media
    description: ...
    ref_prefix: PC                      # human references: PC-2026-0042
    urgent: {when: {step: content_nature, contains_any: [sexual, threatening, secretive]}}
    subject_steps: []                   # staff steps naming the person a concern is about
    timing: {nudge_after_minutes: 30, expire_after_minutes: 1440}   # optional; else _messages.yaml
    steps:
      - id: who
        type: choice            # text | choice | multi_choice | yes_no | datetime | url | staff | pupil
        label: Who made contact         # shown in the summary
        prompt: Who tried to contact you?
        options: [{value: current_pupil, label: A current pupil}, ...]
        optional: false                 # true: the user may type `skip`
        when: {step: ..., is: ...}      # asked only when this holds (conditions refer to earlier steps)
        notices: [{when: ..., text: ...}]   # said right after the step is answered, when they hold
        help: ...                       # extra guidance when the user types `help`

The models are the runtime objects too: frozen, validated on load (see bot.forms.loader, which
adds the checks that span steps, such as conditions naming unknown steps or choice values).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, PositiveInt, model_validator

from bot.forms.conditions import Condition
from bot.yamlfile import ConfigModel

AnswerType = Literal["text", "choice", "multi_choice", "yes_no", "datetime", "url", "staff", "pupil"]

_ID = r"^[a-z][a-z0-9_]*$"
_CHOICE_TYPES = ("choice", "multi_choice")


class Option(ConfigModel):
    """One option of a choice step; `value` is what is stored and what a button sends back."""

    value: str = Field(pattern=_ID)
    label: str = Field(min_length=1)


class Notice(ConfigModel):
    """Guidance said right after a step is answered, e.g. "don't delete the messages"."""

    when: Condition | None = None
    text: str = Field(min_length=1)


class Step(ConfigModel):
    """One question of a form."""

    id: str = Field(pattern=_ID)
    type: AnswerType
    label: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    help: str | None = None
    optional: bool = False
    when: Condition | None = None
    notices: list[Notice] = []
    options: list[Option] = []
    max_length: PositiveInt | None = None
    multiple: bool = False
    tense: Literal["past", "future"] | None = None

    @model_validator(mode="after")
    def _fields_fit_type(self) -> Step:
        if self.type in _CHOICE_TYPES and len(self.options) < 2:
            raise ValueError(f"a {self.type} step needs at least two options - add them under `options`")
        if self.type not in _CHOICE_TYPES and self.options:
            raise ValueError("`options` is only for choice and multi_choice steps - remove it or change "
                             f"the type (this step is {self.type})")
        if self.max_length is not None and self.type != "text":
            raise ValueError("`max_length` is only for text steps - remove it")
        if self.multiple and self.type not in ("url", "pupil"):
            raise ValueError("`multiple` is only for url and pupil steps - remove it")
        if self.tense is not None and self.type != "datetime":
            raise ValueError("`tense` is only for datetime steps - remove it")
        return self

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


class Urgency(ConfigModel):
    """When a report of this form is urgent: always, or when a condition on its answers holds."""

    always: bool = False
    when: Condition | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> Urgency:
        if self.always == (self.when is not None):
            raise ValueError("give exactly one of `always: true` or `when: {...}` - "
                             "or remove `urgent` if this form is never urgent")
        return self


class Timing(ConfigModel):
    """How long an unfinished form waits before its one nudge, and before it expires."""

    nudge_after_minutes: PositiveInt
    expire_after_minutes: PositiveInt

    @model_validator(mode="after")
    def _expire_after_nudge(self) -> Timing:
        if self.expire_after_minutes <= self.nudge_after_minutes:
            raise ValueError("expire_after_minutes must be longer than nudge_after_minutes, "
                             "so the nudge comes before the form expires")
        return self


class Form(ConfigModel):
    """A report form: its steps, and what routing needs to know (urgency, the subject of a concern)."""

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    ref_prefix: str = Field(pattern=r"^[A-Z]{2,4}$")
    urgent: Urgency | None = None
    subject_steps: list[str] = []
    timing: Timing | None = None
    steps: list[Step] = Field(min_length=1)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def can_be_urgent(self) -> bool:
        return self.urgent is not None

    def is_urgent(self, answers: Mapping[str, Any]) -> bool:
        """Whether a report with these answers is urgent (ignores quiet hours, escalates)."""
        if self.urgent is None:
            return False
        return self.urgent.always or bool(self.urgent.when and self.urgent.when.holds(answers))

    def subjects(self, answers: Mapping[str, Any]) -> list[str]:
        """Staff ids of the people a report is about: routing never sends it to them."""
        ids = []
        for step_id in self.subject_steps:
            value = answers.get(step_id)
            if isinstance(value, dict) and isinstance(value.get("id"), str):
                ids.append(value["id"])
        return list(dict.fromkeys(ids))

    def reference(self, *, year: int, number: int) -> str:
        """The human reference of the `number`th report of this form in `year`, e.g. PC-2026-0042."""
        return f"{self.ref_prefix}-{year}-{number:04d}"
