"""Checks across the whole school file that no single field can make.

Each problem carries the location of the offending YAML node (as a pydantic-style path)
so the loader can name its line. Errors stop the load; warnings are kept on the config for
`policybot check` to print.

A school with no deputy DSL is a warning, not an error: statutory guidance (Keeping Children
Safe in Education) requires a DSL and expects deputies, but a very small school may have none,
and the bot can still escalate an unacknowledged safeguarding concern to the Head instead.
No head, no DSL or no chair of governors is an error, because reports would have nowhere to go
(a concern about the Head goes to the chair).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.form_ids import FORM_IDS
from bot.school.model import School, SchoolConfig
from bot.school.roles import ROLE_NAMES, Role

Loc = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    loc: Loc
    message: str


@dataclass(slots=True)
class Findings:
    errors: list[Problem]
    warnings: list[Problem]


def check_config(config: SchoolConfig, *, school_locs: Sequence[Loc]) -> Findings:
    """Run every cross-check; `school_locs[i]` is where school i sits (`()` or `("schools", i)`)."""
    found = Findings(errors=[], warnings=[])
    _unique_schools(config, school_locs, found)
    _unique_people(config, school_locs, found)
    for school, loc in zip(config.schools, school_locs, strict=True):
        _references(config, school, loc, found)
        _role_holders(school, loc, found)
        _calendar(school, loc, found)
        _routing_forms(school.routing, (*loc, "routing"), found)
    _routing_forms(config.trust_routing, ("routing",), found)
    for policy_id, owner in config.trust_policy_owners.items():
        where = ("policy_owners", policy_id)
        if policy_id not in config.trust_policies:
            found.errors.append(
                Problem(
                    where,
                    f"{policy_id!r} is not one of the trust's policies - add it to the trust's "
                    "`policies:` or move this owner into the school that applies it",
                )
            )
        _check_owner(config, owner, where, found)
    return found


def _unique_schools(config: SchoolConfig, locs: Sequence[Loc], found: Findings) -> None:
    seen: set[str] = set()
    for school, loc in zip(config.schools, locs, strict=True):
        if school.id in seen:
            found.errors.append(
                Problem((*loc, "id"), f"school id {school.id!r} is used twice - give each school its own id")
            )
        seen.add(school.id)


def _unique_people(config: SchoolConfig, locs: Sequence[Loc], found: Findings) -> None:
    """Ids, emails and platform ids each name one person across the whole trust."""
    keys = {
        "id": "staff ids must be unique across the trust - rename one",
        "email": "the bot matches platform accounts by email - give each person their own address",
        "slack_id": "one Slack account belongs to one person - check the member id",
        "teams_id": "one Teams account belongs to one person - check the object id",
    }
    for field, advice in keys.items():
        first: dict[str, str] = {}
        for school, loc in zip(config.schools, locs, strict=True):
            for index, person in enumerate(school.staff):
                value = getattr(person, field)
                if value is None:
                    continue
                if value in first:
                    found.errors.append(
                        Problem(
                            (*loc, "staff", index, field),
                            f"{field} {value!r} is already used by {first[value]} - {advice}",
                        )
                    )
                else:
                    first[value] = f"{person.id} ({school.id})" if len(config.schools) > 1 else person.id


def _check_owner(config: SchoolConfig, owner: str, where: Loc, found: Findings) -> None:
    person = config.staff_by_id(owner)
    if person is None:
        found.errors.append(
            Problem(where, f"policy owner {owner!r} is not in the staff list - use a staff id")
        )
    elif not person.current:
        found.errors.append(
            Problem(where, f"policy owner {owner!r} has left - choose a current member of staff")
        )


def _references(config: SchoolConfig, school: School, loc: Loc, found: Findings) -> None:
    for index, person in enumerate(school.staff):
        manager = person.line_manager
        if manager is None:
            continue
        where = (*loc, "staff", index, "line_manager")
        target = config.staff_by_id(manager)
        if manager == person.id:
            found.errors.append(
                Problem(where, f"{person.id} cannot be their own line manager - name someone else")
            )
        elif target is None:
            found.errors.append(
                Problem(where, f"line manager {manager!r} is not in the staff list - use a staff id")
            )
        elif not target.current and person.current:
            found.warnings.append(
                Problem(where, f"line manager {manager!r} has left - name {person.id}'s new manager")
            )

    applicable = set(config.trust_policies) | set(school.policies)
    for policy_id, owner in school.policy_owners.items():
        where = (*loc, "policy_owners", policy_id)
        if policy_id not in applicable:
            found.errors.append(
                Problem(
                    where,
                    f"{policy_id!r} does not apply to {school.id} - add it to `policies:` or drop this owner",
                )
            )
        _check_owner(config, owner, where, found)

    target = school.who_to_ask
    if target not in ROLE_NAMES and config.staff_by_id(target) is None:
        found.errors.append(
            Problem(
                (*loc, "who_to_ask"), f"{target!r} is neither a role nor a staff id - use e.g. head or dsl"
            )
        )


def _role_holders(school: School, loc: Loc, found: Findings) -> None:
    def holders(role: Role) -> list[int]:
        return [i for i, p in enumerate(school.staff) if role in p.roles and p.current]

    staff_loc = (*loc, "staff")
    heads = holders(Role.HEAD)
    if not heads:
        found.errors.append(
            Problem(staff_loc, f"{school.id} has no head - give one member of staff the role head")
        )
    for extra in heads[1:]:
        found.errors.append(
            Problem(
                (*staff_loc, extra, "roles"),
                f"{school.id} has more than one head - only one person can hold head",
            )
        )
    if not holders(Role.DSL):
        found.errors.append(
            Problem(staff_loc, f"{school.id} has no designated safeguarding lead - give someone the role dsl")
        )
    if not holders(Role.DEPUTY_DSL):
        found.warnings.append(
            Problem(
                staff_loc,
                f"{school.id} has no deputy_dsl - unacknowledged safeguarding concerns will "
                "escalate to the head instead; name a deputy DSL",
            )
        )
    chairs = holders(Role.CHAIR_OF_GOVERNORS)
    if not chairs:
        found.errors.append(
            Problem(
                staff_loc,
                f"{school.id} has no chair_of_governors - concerns about the head go to the chair; "
                "add the chair to the staff list with that role",
            )
        )
    for extra in chairs[1:]:
        found.errors.append(
            Problem(
                (*staff_loc, extra, "roles"), f"{school.id} has more than one chair_of_governors - keep one"
            )
        )
    unmarked = [
        p.id for p in school.staff if Role.CHAIR_OF_GOVERNORS in p.roles and Role.GOVERNOR not in p.roles
    ]
    for person_id in unmarked:
        index = next(i for i, p in enumerate(school.staff) if p.id == person_id)
        found.warnings.append(
            Problem(
                (*staff_loc, index, "roles"),
                f"{person_id} is chair_of_governors but not a governor - add governor",
            )
        )


def _calendar(school: School, loc: Loc, found: Findings) -> None:
    terms = sorted(enumerate(school.term_dates), key=lambda item: item[1].start)
    for (_, before), (index, after) in zip(terms, terms[1:], strict=False):
        if after.start <= before.end:
            found.errors.append(
                Problem((*loc, "term_dates", index), f"{after.name} overlaps {before.name} - check the dates")
            )
    if school.term_dates:
        for key in ("closures", "inset_days"):
            for index, span in enumerate(getattr(school, key)):
                if school.term_on(span.start) is None and school.term_on(span.last) is None:
                    found.warnings.append(
                        Problem(
                            (*loc, key, index),
                            f"{span.name} ({span.start}) is outside every term - check the date",
                        )
                    )


def _routing_forms(routing: dict[str, object], loc: Loc, found: Findings) -> None:
    """A rule for a form that does not exist would silently route nothing: name the line."""
    for form_id in routing:
        if form_id not in FORM_IDS:
            found.errors.append(
                Problem((*loc, form_id), f"unknown form {form_id!r} - the forms are {', '.join(FORM_IDS)}")
            )
