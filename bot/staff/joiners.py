"""People a chat platform says have joined (Slack `team_join`, a Teams member added).

A joiner whose email (or platform id) we know is linked to their staff record, so the bot
recognises them from then on. An unknown joiner is stored as `pending` and is not treated as
staff (no reminders, no routing) until the school's administrator confirms them: anyone can be
invited to a workspace, and a stranger must never be taken for a member of staff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from bot.errors import PolicybotError
from bot.school import ROLE_NAMES, Role
from bot.store import StaffRecord, StaffSource, StaffStatus, Store, Transaction

Platform = Literal["slack", "teams"]
_PLATFORM_FIELD: dict[Platform, str] = {"slack": "slack_id", "teams": "teams_id"}


@dataclass(frozen=True, slots=True)
class JoinerOutcome:
    staff: StaffRecord
    matched: bool  # True: a known member of staff, now linked to this platform account
    # Who must confirm an unknown joiner: the school's administrators, else its head. Empty when matched.
    ask: list[StaffRecord] = field(default_factory=list)


def register_joiner(
    store: Store,
    *,
    platform: Platform,
    user_id: str,
    email: str | None,
    name: str,
    school_id: str | None = None,
) -> JoinerOutcome:
    """Link a joiner to their staff record, or store them as pending and say who must confirm them.

    `school_id` is needed only for an unknown joiner in a trust whose schools cannot be told
    apart by email domain.
    """
    linked = {_PLATFORM_FIELD[platform]: user_id.strip()}
    with store.transaction() as tx:
        known = tx.staff.find_by_platform_id(platform=platform, user_id=user_id)
        if known is None and email:
            known = next(iter(tx.staff.find_by_email(email)), None)
        if known is not None and known.current:
            return JoinerOutcome(staff=tx.staff.update(replace(known, **linked)), matched=True)
        if known is not None and known.status == StaffStatus.PENDING:
            return JoinerOutcome(
                staff=tx.staff.update(replace(known, **linked)),
                matched=False,
                ask=_approvers(tx, known.school_id),
            )
        school = school_id or _school_for(tx, email)
        pending = tx.staff.add(
            StaffRecord(
                id=_new_id(tx, email or name),
                school_id=school,
                name=name,
                email=email,
                status=StaffStatus.PENDING,
                source=StaffSource.PLATFORM,
                **linked,
            )
        )
        return JoinerOutcome(staff=pending, matched=False, ask=_approvers(tx, school))


def confirm_joiner(store: Store, *, staff_id: str, roles: tuple[str, ...] | None = None,
                   today: date | None = None) -> StaffRecord:
    """The administrator's yes: a pending joiner becomes an active member of staff. With no start date on
    record, they start `today` (when given), so their induction begins."""
    with store.transaction() as tx:
        person = _pending(tx, staff_id)
        roles = tuple(dict.fromkeys((*(roles or person.roles), Role.STAFF.value)))
        unknown = [role for role in roles if role not in ROLE_NAMES]
        if unknown:
            raise PolicybotError(
                f"unknown role(s) {', '.join(unknown)} - roles are: {', '.join(r.value for r in Role)}"
            )
        return tx.staff.update(replace(person, roles=roles, status=StaffStatus.ACTIVE,
                                       start_date=person.start_date or today))


def reject_joiner(store: Store, *, staff_id: str) -> StaffRecord:
    """The administrator's no: the account is not a member of staff; the record is kept as left."""
    with store.transaction() as tx:
        return tx.staff.update(replace(_pending(tx, staff_id), status=StaffStatus.LEFT))


def _pending(tx: Transaction, staff_id: str) -> StaffRecord:
    person = tx.staff.get(staff_id)
    if person is None or person.status != StaffStatus.PENDING:
        waiting = [p.id for p in tx.staff.list(statuses=[StaffStatus.PENDING])]
        raise PolicybotError(
            f"{staff_id!r} is not waiting for confirmation - pending joiners: {', '.join(waiting) or 'none'}"
        )
    return person


def _approvers(tx: Transaction, school_id: str) -> list[StaffRecord]:
    current = tx.staff.current(school_id=school_id)
    for role in (Role.ADMINISTRATOR, Role.HEAD):
        holders = [person for person in current if person.has_role(role.value)]
        if holders:
            return holders
    return []


def _school_for(tx: Transaction, email: str | None) -> str:
    """The only school, or the one school whose current staff use the joiner's email domain."""
    schools = [school.id for school in tx.schools.list()]
    if len(schools) == 1:
        return schools[0]
    if email and "@" in email:
        domain = email.rsplit("@", 1)[1].lower()
        matching = {p.school_id for p in tx.staff.current() if p.email and p.email.endswith("@" + domain)}
        if len(matching) == 1:
            return matching.pop()
    raise PolicybotError(
        f"cannot tell which school ({', '.join(schools) or 'none loaded'}) the joiner {email!r} belongs to "
        "- pass school_id"
    )


def _new_id(tx: Transaction, seed: str) -> str:
    """A readable, unused staff id from the email's local part (or the name): `jo.bloggs`, `jo.bloggs-2`."""
    base = re.sub(r"[^a-z0-9._-]+", "-", seed.split("@", 1)[0].lower()).strip(".-_") or "joiner"
    candidate, number = base, 1
    while tx.staff.get(candidate) is not None:
        number += 1
        candidate = f"{base}-{number}"
    return candidate
