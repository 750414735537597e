"""An unknown joiner: the administrators are asked through the outbox, and confirm or reject in chat or with
`policybot staff confirm|reject`; a confirmed joiner starts today, so their induction begins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest

from bot.answer.build import build_engine
from bot.cli import main
from bot.core.conversation import Who
from bot.core.replies import Reply
from bot.core.service import ChatService, PlatformUser, build_chat_service
from bot.forms import DialogueKey
from bot.school import SchoolConfig
from bot.staff import register_joiner, sync_from_school
from bot.store import StaffStatus, Store, open_store

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
JO = PlatformUser("slack", "T1", "U0JOBLOGGS", email="jo.bloggs@riverside-academy.example", name="Jo Bloggs")


class Collect:
    def deliver(self, *, recipient_id: str, replies: Sequence[Reply], idempotency_key: str) -> None:
        """Nothing to do: these tests read the outbox."""


@pytest.fixture
def service(store: Store, demo_school: SchoolConfig) -> ChatService:
    sync_from_school(store, config=demo_school)
    return build_chat_service(store, config=demo_school, engine=build_engine(), deliverer=Collect(),
                              clock=lambda: NOW)


def who(staff_id: str) -> Who:
    return Who(staff_id=staff_id, school_id="riverside", key=DialogueKey("slack", "T1", staff_id))


def test_the_administrator_is_asked_once_and_confirms_in_chat(service: ChatService) -> None:
    service.member_joined(JO)
    service.member_joined(JO)  # the platform reports them again: still one question
    with service.store.transaction() as tx:
        asked = tx.outbox.list(recipient_id="j.osei")
    assert len(asked) == 1
    choices = asked[0].replies[0]
    assert "Jo Bloggs" in choices["prompt"] and [o["value"] for o in choices["options"]] == [
        "confirm jo.bloggs", "reject jo.bloggs"]
    refused = service.handle(who("r.ahmed"), "confirm jo.bloggs as teacher")
    assert "Only the school's administrator or the Head" in refused[-1].text
    done = service.handle(who("j.osei"), "confirm jo.bloggs as teacher, TA")
    assert "is now a member of staff" in done[-1].text
    person = service.staff("jo.bloggs")
    assert person is not None and person.status == StaffStatus.ACTIVE
    assert person.roles == ("teacher", "teaching_assistant", "staff") and person.start_date == date(2026, 11, 24)
    again = service.handle(who("j.osei"), "confirm jo.bloggs")
    assert "is not waiting for confirmation" in again[-1].text
    # induction starts: the welcome goes out at the next sweep
    queued = service.reminders.run_due(now=NOW)
    assert ("jo.bloggs", "induction", "welcome") in {(q.staff, q.campaign, q.kind) for q in queued}


def test_the_head_may_reject_and_roles_must_be_known(service: ChatService) -> None:
    service.member_joined(JO)
    unknown = service.handle(who("a.whitfield"), "confirm jo.bloggs as wizard")
    assert "don't know the role(s) wizard" in unknown[-1].text
    rejected = service.handle(who("a.whitfield"), "reject jo.bloggs")
    assert "is not a member of staff" in rejected[-1].text
    person = service.staff("jo.bloggs")
    assert person is not None and person.status == StaffStatus.LEFT


def test_confirm_and_reject_from_the_command_line(tmp_path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'policybot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("POLICYBOT_SCHOOL", raising=False)
    assert main(["staff", "list", "--json"]) == 0
    with open_store(url) as store:
        register_joiner(store, platform="teams", user_id="00000000-0000-4000-8000-00000000000a",
                        email="sam.new@riverside-academy.example", name="Sam New")
        register_joiner(store, platform="teams", user_id="00000000-0000-4000-8000-00000000000b",
                        email="stranger@riverside-academy.example", name="Stranger")
    capsys.readouterr()
    assert main(["staff", "confirm", "sam.new", "--roles", "teacher,dsl"]) == 0
    assert "confirmed sam.new" in capsys.readouterr().out
    assert main(["staff", "reject", "stranger"]) == 0
    assert main(["staff", "confirm", "stranger"]) == 2
    assert "not waiting for confirmation" in capsys.readouterr().err
    assert main(["staff", "confirm", "x", "--roles", "wizard"]) == 2
    with open_store(url) as store, store.transaction() as tx:
        sam = tx.staff.get("sam.new")
    assert sam is not None and sam.roles == ("teacher", "dsl", "staff") and sam.start_date is not None
