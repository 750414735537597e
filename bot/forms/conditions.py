"""Conditions on earlier answers: when a step is asked, when a notice is shown, when a report is urgent.

A condition is data in the form's YAML, never code, so that a school can read and change it:

    when: {step: contact_kind, contains_any: [message]}      # a multi-choice answer includes one of these
    when: {step: who, in: [current_pupil, former_pupil]}     # a choice answer is one of these
    when: {step: risk_now, is: true}                         # a yes/no (or choice) answer equals this
    when: {step: pupil, answered: true}                      # the step was answered (not skipped)
    when: {any: [{...}, {...}]}     when: {all: [...]}     when: {not: {...}}

A skipped or unasked step satisfies only `answered: false` (and `not` of anything else), so a
condition never fires on an answer the user did not give.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

_TESTS = ("is_", "in_", "contains_any", "answered")
_COMBINATORS = ("all_", "any_", "not_")


class Condition(BaseModel):
    """One test on one earlier answer, or `all`/`any`/`not` of other conditions."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    step: str | None = None
    is_: bool | str | None = Field(default=None, alias="is")
    in_: list[str] | None = Field(default=None, alias="in", min_length=1)
    contains_any: list[str] | None = Field(default=None, min_length=1)
    answered: bool | None = None
    all_: list[Condition] | None = Field(default=None, alias="all", min_length=1)
    any_: list[Condition] | None = Field(default=None, alias="any", min_length=1)
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_shape(self) -> Condition:
        tests = [name for name in _TESTS if getattr(self, name) is not None]
        combinators = [name for name in _COMBINATORS if getattr(self, name) is not None]
        if self.step is not None:
            if len(tests) != 1 or combinators:
                raise ValueError("a condition on a step needs exactly one of is, in, contains_any, answered "
                                 "- e.g. {step: risk_now, is: true}")
        elif tests or len(combinators) != 1:
            raise ValueError("a condition needs `step` and one test, or exactly one of all, any, not "
                             "- e.g. {any: [{step: a, is: true}, {step: b, is: true}]}")
        return self

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Whether the condition is true of these answers (a missing or skipped answer is None)."""
        if self.all_ is not None:
            return all(c.holds(answers) for c in self.all_)
        if self.any_ is not None:
            return any(c.holds(answers) for c in self.any_)
        if self.not_ is not None:
            return not self.not_.holds(answers)
        value = answers.get(self.step) if self.step else None
        if self.answered is not None:
            return (value is not None) == self.answered
        if self.is_ is not None:
            return value is not None and value == self.is_
        if self.in_ is not None:
            return isinstance(value, str) and value in self.in_
        return isinstance(value, list) and any(v in value for v in self.contains_any or ())

    def tests(self, loc: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Condition]]:
        """Every single-step test inside this condition, with its location (for load-time checks)."""
        if self.step is not None:
            yield loc, self
        for name, alias in (("all_", "all"), ("any_", "any")):
            for i, child in enumerate(getattr(self, name) or ()):
                yield from child.tests((*loc, alias, i))
        if self.not_ is not None:
            yield from self.not_.tests((*loc, "not"))
