"""`policybot staff list --json`: the directory as the fixed contract in DESIGN.md gives it."""

from __future__ import annotations

from typing import Any

from bot.store import Store

LIST_FIELDS = ("id", "name", "roles", "school", "email", "slack_id", "teams_id")


def list_staff(store: Store, *, school_id: str | None = None) -> list[dict[str, Any]]:
    """One dict per current member of staff, by school then id.

    Leavers and unconfirmed joiners are not members of staff, so they are not listed.
    """
    with store.transaction() as tx:
        people = tx.staff.current(school_id=school_id)
    return [
        {
            "id": person.id,
            "name": person.name,
            "roles": list(person.roles),
            "school": person.school_id,
            "email": person.email,
            "slack_id": person.slack_id,
            "teams_id": person.teams_id,
        }
        for person in people
    ]
