"""Loading the school file's staff into the database, which is what the bot reads at run time.

The file governs the people it lists: their records are inserted or brought up to date, and
people no longer in the file are marked left (never deleted: reports and acknowledgements
still refer to them). Records that came from an MIS import or a chat platform are left alone.
Every command runs this on start; it changes nothing when nothing in the file changed.
"""

from __future__ import annotations

from dataclasses import replace

from bot.school import SchoolConfig, StaffMember
from bot.staff.changes import StaffChanges
from bot.staff.pending import take_over_pending
from bot.store import SchoolRecord, StaffRecord, StaffSource, StaffStatus, Store


def _from_file(person: StaffMember, *, school_id: str, stored: StaffRecord | None) -> StaffRecord:
    return StaffRecord(
        id=person.id,
        school_id=school_id,
        name=person.name,
        email=person.email,
        roles=tuple(role.value for role in person.roles),
        job_title=person.job_title,
        line_manager=person.line_manager,
        start_date=person.start_date,
        # A platform id learnt from a joiner event survives a file that does not give one.
        slack_id=person.slack_id or (stored.slack_id if stored else None),
        teams_id=person.teams_id or (stored.teams_id if stored else None),
        status=StaffStatus(person.status),
        source=StaffSource.SCHOOL_FILE,
    )


def sync_from_school(store: Store, *, config: SchoolConfig) -> StaffChanges:
    """Make the stored schools and school-file staff match `config`, in one transaction."""
    changes = StaffChanges()
    with store.transaction(write=True) as tx:
        tx.locks.exclusive("staff-sync")  # a second process syncing at once waits, then finds everyone stored
        trust_id = config.trust.id if config.trust else None
        for school in config.schools:
            tx.schools.save(
                SchoolRecord(id=school.id, name=school.name, timezone=school.timezone, trust_id=trust_id)
            )
        stored = {person.id: person for person in tx.staff.list()}
        listed: set[str] = set()
        for school, person in config.all_staff():
            listed.add(person.id)
            before = stored.get(person.id)
            wanted = _from_file(person, school_id=school.id, stored=before)
            if before is None:
                wanted, retired = take_over_pending(tx, wanted)
                tx.staff.add(wanted)
                changes.added.append(person.id)
                if retired:
                    changes.replaced_pending.append(retired)
            elif tx.staff.update(wanted).updated_at != before.updated_at:  # moves only on a change
                changes.changed.append(person.id)
        for person in stored.values():
            gone = person.id not in listed and person.source == StaffSource.SCHOOL_FILE
            if gone and person.status != StaffStatus.LEFT:
                tx.staff.update(replace(person, status=StaffStatus.LEFT))
                changes.marked_left.append(person.id)
    return changes
