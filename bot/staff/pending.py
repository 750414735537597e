"""Unconfirmed joiners: people a chat platform reported whom no staff list knew yet."""

from __future__ import annotations

from dataclasses import replace

from bot.store import StaffRecord, StaffStatus, Transaction


def take_over_pending(tx: Transaction, person: StaffRecord) -> tuple[StaffRecord, str | None]:
    """If `person` (not yet stored) is a pending joiner under another id, retire that record.

    Returns `person` carrying the joiner's platform ids where it has none, and the retired id.
    Matching is by email within the same school.
    """
    if not person.email:
        return person, None
    for candidate in tx.staff.find_by_email(person.email):
        if candidate.status == StaffStatus.PENDING and candidate.school_id == person.school_id:
            tx.staff.update(replace(candidate, status=StaffStatus.LEFT))
            merged = replace(
                person,
                slack_id=person.slack_id or candidate.slack_id,
                teams_id=person.teams_id or candidate.teams_id,
            )
            return merged, candidate.id
    return person, None
