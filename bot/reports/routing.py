"""Who a report goes to: rules as data (intents/routing.yaml), applied to the school's staff and the answers.

Pure: `route` takes the rules, the form, the answers, the reporter and the current staff, and returns
the recipients. Roles resolve to their current holders; `line_manager` to the reporter's. The subjects
of a report (the people it is about) are removed everywhere, and a role left with nobody but subjects
is replaced by its `instead` role (a concern about the Head goes to the Chair of Governors).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, PositiveInt, model_validator

from bot.errors import ConfigError
from bot.forms.loader import FORM_IDS
from bot.paths import intents_dir
from bot.school.routing import LINE_MANAGER, FormRoute, check_role
from bot.store.records import StaffRecord
from bot.yamlfile import ConfigModel, load_yaml, validate


class Escalation(ConfigModel):
    after_minutes: PositiveInt = 15
    chain: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _roles(self) -> Escalation:
        for role in self.chain:
            check_role(role)
        return self


class RoutingRules(ConfigModel):
    escalation: Escalation
    instead: dict[str, str] = {}
    notes: dict[str, str] = {}
    forms: dict[str, FormRoute]

    @model_validator(mode="after")
    def _complete(self) -> RoutingRules:
        missing = [f for f in FORM_IDS if f not in self.forms]
        if missing:
            raise ValueError(f"no routing for form(s) {', '.join(missing)} - add them under `forms`")
        unknown = [f for f in self.forms if f not in FORM_IDS]
        if unknown:
            raise ValueError(f"unknown form(s) {', '.join(unknown)} - the forms are {', '.join(FORM_IDS)}")
        for role, other in self.instead.items():
            check_role(role)
            check_role(other)
        for route in self.forms.values():
            for also in route.also:
                if also.note is not None and also.note not in self.notes:
                    raise ValueError(f"note {also.note!r} is not defined - add it under `notes`")
        return self


    def for_school(self, overrides: Mapping[str, FormRoute]) -> RoutingRules:
        """These rules with a school's (or trust's) own rule in place of the default for each form it names.

        A note an override names must be one of these rules' notes (it is checked here, not in the school
        file's loader, because the notes are defined in intents/routing.yaml)."""
        if not overrides:
            return self
        for form_id, rule in overrides.items():
            for also in rule.also:
                if also.note is not None and also.note not in self.notes:
                    raise ConfigError(f"routing: {form_id}: note {also.note!r} is not defined - use one of "
                                      f"{', '.join(self.notes) or 'none'} (intents/routing.yaml `notes`)")
        return self.model_copy(update={"forms": {**self.forms, **overrides}})


def load_routing(path: str | Path | None = None) -> RoutingRules:
    """intents/routing.yaml, validated (errors name the file and line)."""
    path = Path(path) if path is not None else intents_dir() / "routing.yaml"
    if not path.is_file():
        raise ConfigError("routing rules not found - restore intents/routing.yaml (or set POLICYBOT_HOME)",
                          file=str(path))
    return validate(RoutingRules, load_yaml(path), file=path)


@dataclass(frozen=True, slots=True)
class Routing:
    """The people a report goes to.

    `to` are alerted now and act on it; `copied` are alerted for information; `approvers` are asked in
    order; `readers` are everyone besides the reporter who may read it (all of the above and every holder
    of a role the rule names), never a subject; `notes` are shown to recipients (e.g. tell the LADO).
    """

    to: tuple[str, ...]
    copied: tuple[str, ...]
    approvers: tuple[str, ...]
    readers: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def alerted_now(self) -> tuple[str, ...]:
        first = self.approvers[:1]
        return tuple(dict.fromkeys((*self.to, *self.copied, *first)))


class Directory:
    """The current staff of one school, for resolving roles to people."""

    def __init__(self, staff: Iterable[StaffRecord]) -> None:
        self._staff = [p for p in staff if p.current]
        self._by_id = {p.id: p for p in self._staff}

    def get(self, staff_id: str) -> StaffRecord | None:
        return self._by_id.get(staff_id)

    def holders(self, role: str, *, reporter: StaffRecord | None) -> list[str]:
        if role == LINE_MANAGER:
            manager = reporter.line_manager if reporter else None
            return [manager] if manager and manager in self._by_id else []
        return [p.id for p in self._staff if p.has_role(role)]


def resolve(rules: RoutingRules, role: str, *, directory: Directory, reporter: StaffRecord | None,
            subjects: Sequence[str]) -> list[str]:
    """The holders of `role` who are not subjects; when there are none, those of its `instead` role."""
    seen: set[str] = set()
    while role not in seen:
        seen.add(role)
        people = [p for p in directory.holders(role, reporter=reporter) if p not in subjects]
        if people:
            return people
        if role not in rules.instead:
            return []
        role = rules.instead[role]
    return []


def route(rules: RoutingRules, *, form_id: str, answers: Mapping[str, Any], reporter: StaffRecord | None,
          subjects: Sequence[str], directory: Directory) -> Routing:
    """Apply the form's rule. The reporter is never alerted about their own report."""
    rule = rules.forms[form_id]

    def people(roles: Iterable[str]) -> list[str]:
        return [p for r in roles for p in resolve(rules, r, directory=directory, reporter=reporter, subjects=subjects)]

    to = people(rule.to)
    notes: list[str] = []
    for also in rule.also:
        if also.when.holds(answers):
            to += people(also.to)
            if also.note:
                notes.append(rules.notes[also.note])
    reporter_id = reporter.id if reporter else None
    to_ids = _unique(p for p in to if p != reporter_id)
    copied = _unique(p for p in people(rule.copy_to) if p != reporter_id and p not in to_ids)
    approvers = _unique(people(rule.approval))
    named = people(rule.roles())
    readers = _unique(p for p in (*to_ids, *copied, *approvers, *named) if p not in subjects)
    return Routing(to=to_ids, copied=copied, approvers=approvers, readers=readers, notes=tuple(notes))


def escalation_targets(rules: RoutingRules, *, level: int, directory: Directory,
                       subjects: Sequence[str]) -> list[str] | None:
    """Who an unacknowledged urgent report goes to at escalation `level` (1 = first); None past the chain."""
    chain = rules.escalation.chain
    if level > len(chain):
        return None
    return resolve(rules, chain[level - 1], directory=directory, reporter=None, subjects=subjects)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
