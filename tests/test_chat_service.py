"""The core as platforms see it: identity, retried events, conversation references, joiners."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.answer.build import build_engine
from bot.core import heap
from bot.core.replies import Reply, Summary, Text
from bot.core.service import ChatService, PlatformUser, build_chat_service
from bot.forms.engine import DialogueEngine
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import StaffStatus, Store
from bot.store.models import SeenEventRow

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class Collect:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[Reply]]] = []

    def deliver(self, *, recipient_id: str, replies: Sequence[Reply], idempotency_key: str) -> None:
        self.sent.append((recipient_id, list(replies)))


@pytest.fixture
def service(store: Store, demo_school: SchoolConfig) -> ChatService:
    sync_from_school(store, config=demo_school)
    return build_chat_service(store, config=demo_school, engine=build_engine(), deliverer=Collect(),
                              clock=lambda: NOW)


def test_staff_are_known_by_platform_id_and_strangers_are_not(service: ChatService) -> None:
    who = service.identify(PlatformUser("slack", "T1", "U07CK597ZNS"))
    assert who is not None and who.staff_id == "r.ahmed" and who.key == ("slack", "T1", "U07CK597ZNS")
    assert service.identify(PlatformUser("slack", "T1", "U0STRANGER", email="someone@elsewhere.example")) is None


def test_an_email_match_links_the_account_for_next_time(service: ChatService) -> None:
    who = service.identify(PlatformUser("teams", "tenant", "new-object-id", email="H.Li@riverside-academy.example"))
    assert who is not None and who.staff_id == "h.li"
    again = service.identify(PlatformUser("teams", "tenant", "new-object-id"))
    assert again is not None and again.staff_id == "h.li"


def test_a_leaver_is_not_let_in(service: ChatService) -> None:
    with service.store.transaction(write=True) as tx:
        person = tx.staff.get("r.ahmed")
        assert person is not None
        tx.staff.update(replace(person, status=StaffStatus.LEFT))
    assert service.identify(PlatformUser("slack", "T1", "U07CK597ZNS")) is None


def test_home_typed_as_a_message_shows_the_home_page_on_any_channel(service: ChatService) -> None:
    who = service.identify(PlatformUser("slack", "T1", "U07CK597ZNS"))
    assert who is not None
    first = service.handle(who, "  Home ")
    assert isinstance(first[0], Text) and "how this bot uses your information" in first[0].text  # notice first
    page = service.handle(who, "menu")
    assert isinstance(page[0], Text) and page[0].text == "Policy guidance for Rashid Ahmed"
    assert [r.title for r in page if isinstance(r, Summary)] == ["Waiting for your acknowledgement",
                                                                 "Your reports", "Start a report"]
    service.start_form(who, "pupil_contact")
    assert not any(isinstance(r, Summary) and r.title == "Start a report"
                   for r in service.handle(who, "home"))  # in a form, "home" is an answer to its question


def test_help_or_a_greeting_gets_the_home_page_not_a_refusal(service: ChatService) -> None:
    """"help" and "hi" are what people type first; outside a form they get the home page (what the bot does,
    what waits for them, the reports they can make), inside one the form's own help."""
    who = service.identify(PlatformUser("slack", "T1", "U07CK597ZNS"))
    assert who is not None
    service.handle(who, "hello")  # the privacy notice comes first
    for said in ("help", "Hi!", "HELLO"):
        page = service.handle(who, said)
        assert isinstance(page[0], Text) and page[0].text == "Policy guidance for Rashid Ahmed", said
    service.start_form(who, "pupil_contact")
    inside = service.handle(who, "help")
    assert not any(isinstance(r, Summary) and r.title == "Start a report" for r in inside)
    assert any(isinstance(r, Text) and "back" in r.text for r in inside)


def test_a_message_is_identified_checked_and_answered_in_one_go(service: ChatService) -> None:
    """`ChatService.message`, which every chat adapter calls: an unlinked account stores nothing (its event id
    included, so the adapter can look the person up and call again); a retry is not answered twice."""
    stranger = PlatformUser("slack", "T1", "U0NOBODY")
    assert service.message("slack", stranger, "Ev1", "hello", {"channel": "D1"}) == (None, None)
    assert service.first_sighting("slack", "Ev1")  # nothing was recorded for the stranger's event
    known = PlatformUser("slack", "T1", "U07CK597ZNS")
    who, replies = service.message("slack", known, "Ev2", "can I follow a parent?", {"channel": "D2"})
    assert who is not None and who.staff_id == "r.ahmed" and replies
    assert service.reference("slack", "r.ahmed") == {"channel": "D2"}
    assert service.message("slack", who, "Ev2", "can I follow a parent?", {"channel": "D2"}) == (who, None)


def test_a_retried_event_is_seen_once(service: ChatService) -> None:
    assert service.first_sighting("slack", "Ev123")
    assert not service.first_sighting("slack", "Ev123")
    assert service.first_sighting("teams", "Ev123")  # ids are per platform


def test_old_event_ids_are_dropped_now_and_then_not_on_every_message(service: ChatService) -> None:
    start = NOW - timedelta(days=2, minutes=1)
    moments = iter([start, start + timedelta(minutes=5), NOW, NOW + timedelta(minutes=5)])
    service.clock = lambda: next(moments)

    def kept() -> list[str]:
        with service.store.engine.connect() as connection:
            return sorted(connection.execute(select(SeenEventRow.event_id)).scalars())

    service.first_sighting("slack", "Ev0")
    service.first_sighting("slack", "Ev1")
    service.first_sighting("slack", "Ev2")  # two days on: Ev0 is past any retry and dropped, Ev1 not yet
    assert kept() == ["Ev1", "Ev2"]
    service.first_sighting("slack", "Ev3")  # Ev1 is now past it too, but the next pruning is 10 minutes on
    assert kept() == ["Ev1", "Ev2", "Ev3"]


def test_conversation_references_are_kept_per_platform(service: ChatService) -> None:
    who = service.identify(PlatformUser("slack", "T1", "U07CK597ZNS"))
    assert who is not None
    assert service.reference("teams", "r.ahmed") is None
    service.remember_reference("teams", who, {"conversation": {"id": "a:1"}})
    service.remember_reference("teams", who, {"conversation": {"id": "a:2"}})
    assert service.reference("teams", "r.ahmed") == {"conversation": {"id": "a:2"}}


def test_two_turns_of_one_person_at_once_both_keep_their_reference(service: ChatService) -> None:
    """Two quick messages of one person, worked on in two threads: neither finds a stored reference and both
    write one. The database decides (an upsert), so neither turn fails on the unique key."""
    who = service.identify(PlatformUser("slack", "T1", "U07CK597ZNS"))
    assert who is not None
    written = threading.Event()

    def first_turn() -> None:
        with service.store.transaction(write=True) as tx:
            tx.conversation_refs.put(platform="slack", school_id=who.school_id, staff_id=who.staff_id,
                                     reference={"channel": "D1"}, now=datetime.now(UTC))
            written.set()
            time.sleep(0.3)  # still uncommitted while the second turn looks for a reference and writes its own

    thread = threading.Thread(target=first_turn)
    thread.start()
    assert written.wait(10)
    service.remember_reference("slack", who, {"channel": "D2"})
    thread.join()
    assert service.reference("slack", who.staff_id) == {"channel": "D2"}


def test_two_first_messages_at_once_show_the_privacy_notice_once(service: ChatService) -> None:
    """The first sighting of a person is decided by the database: the second of two first messages worked on at
    once neither fails nor shows the notice again."""
    firsts: list[bool] = []
    written = threading.Event()

    def first_turn() -> None:
        with service.store.transaction(write=True) as tx:
            firsts.append(tx.notices.first_time("h.li", now=datetime.now(UTC)))
            written.set()
            time.sleep(0.3)  # still uncommitted while the second message is seen

    thread = threading.Thread(target=first_turn)
    thread.start()
    assert written.wait(10)
    with service.store.transaction(write=True) as tx:
        firsts.append(tx.notices.first_time("h.li", now=datetime.now(UTC)))
    thread.join()
    assert firsts == [True, False]


def test_two_answers_to_a_form_at_once_are_both_kept(service: ChatService, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two quick messages of one person mid-form, worked on at once: the second waits for the first's state, so it
    answers the next question instead of being read against the one already answered (and lost)."""
    who = service.identify(PlatformUser("slack", "T1", "U07CK597ZNS"))
    assert who is not None
    service.start_form(who, "pupil_contact")  # first question: what kind of contact (1 = a friend request)
    handle, reading = DialogueEngine.handle, threading.Event()

    def slowly(engine: DialogueEngine, state: Any, text: str) -> Any:
        if text == "1":
            reading.set()
            time.sleep(0.3)  # the first turn has read the state and not yet saved the next one
        return handle(engine, state, text)

    monkeypatch.setattr(DialogueEngine, "handle", slowly)
    first = threading.Thread(target=service.handle, args=(who, "1"))
    first.start()
    assert reading.wait(10)
    service.handle(who, "Instagram")
    first.join()
    state = service.conversation.dialogues.get(who.key)
    assert state is not None
    assert state["answers"] == {"contact_kind": ["friend_request"], "platform": "Instagram"}


def test_a_known_joiner_without_a_start_date_starts_induction_today(service: ChatService) -> None:
    with service.store.transaction(write=True) as tx:
        person = tx.staff.get("h.li")
        assert person is not None
        tx.staff.update(replace(person, start_date=None))
    outcome = service.member_joined(PlatformUser("slack", "T1", "U0NEWHL", email="h.li@riverside-academy.example"))
    assert outcome.matched
    staff = service.staff("h.li")
    assert staff is not None and staff.start_date == NOW.date() and staff.slack_id == "U0NEWHL"


def test_a_stranger_joining_is_pending_not_staff(service: ChatService) -> None:
    outcome = service.member_joined(PlatformUser("slack", "T1", "U0STRANGE", email="x@elsewhere.example", name="X"))
    assert not outcome.matched and outcome.staff.status == StaffStatus.PENDING
    assert service.identify(PlatformUser("slack", "T1", "U0STRANGE")) is None


def test_what_a_web_process_built_at_start_up_is_left_out_of_later_collections() -> None:
    """`heap.settle`, called by both web processes before serving: the engine and the rest built at start-up
    are frozen, so a full collection under load no longer walks them (bot.core.heap)."""
    built = [{"clause": n} for n in range(20_000)]
    heap.settle()
    try:
        assert gc.get_freeze_count() >= len(built)
        collected = {id(item) for item in gc.get_objects(generation=2)}
        assert not any(id(item) in collected for item in built)
    finally:
        gc.unfreeze()
