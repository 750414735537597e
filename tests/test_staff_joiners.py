"""Joiners a chat platform reports: linked when known, pending for the administrator when not."""

from __future__ import annotations

import pytest

from bot.errors import PolicybotError
from bot.school import SchoolConfig
from bot.staff import confirm_joiner, list_staff, register_joiner, reject_joiner, sync_from_school
from bot.store import StaffSource, StaffStatus, Store


@pytest.fixture
def synced(store: Store, demo_school: SchoolConfig) -> Store:
    sync_from_school(store, config=demo_school)
    return store


def test_a_known_email_links_the_platform_account(synced: Store) -> None:
    outcome = register_joiner(
        synced,
        platform="teams",
        user_id="AAAAAAAA-0000-4000-8000-000000000001",
        email="H.Li@riverside-academy.example",
        name="Hannah",
    )
    assert outcome.matched and outcome.ask == []
    assert outcome.staff.id == "h.li" and outcome.staff.teams_id == "aaaaaaaa-0000-4000-8000-000000000001"
    with synced.transaction() as tx:
        found = tx.staff.find_by_platform_id(platform="teams", user_id="aaaaaaaa-0000-4000-8000-000000000001")
        assert found is not None and found.id == "h.li"


def test_a_known_platform_id_is_matched_without_an_email(synced: Store) -> None:
    outcome = register_joiner(synced, platform="slack", user_id="U07CK597ZNS", email=None, name="Rashid")
    assert outcome.matched and outcome.staff.id == "r.ahmed"


def test_an_unknown_joiner_is_pending_and_the_administrator_is_asked(synced: Store) -> None:
    outcome = register_joiner(
        synced, platform="slack", user_id="U09STRANGER", email="Sam.Taylor@gmail.example", name="Sam Taylor"
    )
    assert not outcome.matched
    assert [person.id for person in outcome.ask] == ["j.osei"]  # the administrator
    assert outcome.staff.id == "sam.taylor"
    assert outcome.staff.status is StaffStatus.PENDING and outcome.staff.source is StaffSource.PLATFORM
    assert "sam.taylor" not in {entry["id"] for entry in list_staff(synced)}  # not staff until confirmed
    again = register_joiner(synced, platform="slack", user_id="U09STRANGER", email=None, name="Sam Taylor")
    assert again.staff.id == "sam.taylor" and not again.matched and again.ask == outcome.ask


def test_confirm_and_reject(synced: Store) -> None:
    register_joiner(
        synced, platform="slack", user_id="U09A", email="new.ta@riverside-academy.example", name="A"
    )
    register_joiner(synced, platform="slack", user_id="U09B", email="new.ta@elsewhere.example", name="B")
    confirmed = confirm_joiner(synced, staff_id="new.ta", roles=("teaching_assistant",))
    assert confirmed.status is StaffStatus.ACTIVE and confirmed.roles == ("teaching_assistant", "staff")
    rejected = reject_joiner(synced, staff_id="new.ta-2")
    assert rejected.status is StaffStatus.LEFT
    listed = {entry["id"] for entry in list_staff(synced)}
    assert "new.ta" in listed and "new.ta-2" not in listed
    with pytest.raises(PolicybotError, match="not waiting for confirmation - pending joiners: none"):
        confirm_joiner(synced, staff_id="new.ta")


def test_confirm_rejects_unknown_roles(synced: Store) -> None:
    register_joiner(synced, platform="slack", user_id="U09A", email="x@riverside-academy.example", name="X")
    with pytest.raises(PolicybotError, match="unknown role"):
        confirm_joiner(synced, staff_id="x", roles=("wizard",))


def test_a_leaver_returning_is_a_new_pending_joiner(store: Store, demo_trust: SchoolConfig) -> None:
    sync_from_school(store, config=demo_trust)  # r.ahmed has left riverside
    outcome = register_joiner(
        store,
        platform="slack",
        user_id="U09RA",
        email="r.ahmed@riverside-academy.example",
        name="Rashid Ahmed",
    )
    assert not outcome.matched and outcome.staff.id == "r.ahmed-2"
    assert outcome.staff.school_id == "riverside"  # told apart by the email domain
    assert [person.id for person in outcome.ask] == ["o.grant"]


def test_a_trust_school_is_found_by_email_domain_or_must_be_given(
    store: Store, demo_trust: SchoolConfig
) -> None:
    sync_from_school(store, config=demo_trust)
    outcome = register_joiner(
        store, platform="slack", user_id="U09H", email="new@hillside-primary.example", name="N"
    )
    assert outcome.staff.school_id == "hillside"
    assert [person.id for person in outcome.ask] == ["n.ferreira"]  # no administrator there: the head
    with pytest.raises(PolicybotError, match="cannot tell which school"):
        register_joiner(store, platform="slack", user_id="U09Q", email="q@gmail.example", name="Q")
    given = register_joiner(
        store, platform="slack", user_id="U09Q", email="q@gmail.example", name="Q", school_id="hillside"
    )
    assert given.staff.school_id == "hillside"
