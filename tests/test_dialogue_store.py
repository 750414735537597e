"""The contract every DialogueStateStore passes: in memory, and in the database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.core.replies import Text
from bot.forms import DialogueEngine, DialogueKey, DialogueStateStore, InMemoryDialogueStateStore, load_forms
from bot.store import open_store
from bot.store.dialogue_repo import DatabaseDialogueStateStore


def in_memory(database_url: str) -> DialogueStateStore:
    if not database_url.startswith("sqlite"):
        pytest.skip("the memory store needs no database: it runs once, with the SQLite parameter")
    return InMemoryDialogueStateStore()


def in_database(database_url: str) -> DialogueStateStore:
    return DatabaseDialogueStateStore(open_store(database_url))


# Each factory gets an empty database of each kind under test (the `database_url` fixture).
STORES: list[Callable[[str], DialogueStateStore]] = [in_memory, in_database]

ALICE = DialogueKey("slack", "T001", "U-alice")
ALICE_ON_TEAMS = DialogueKey("teams", "T001", "U-alice")
BOB = DialogueKey("slack", "T001", "U-bob")


@pytest.fixture(params=STORES, ids=lambda factory: factory.__name__)
def dialogue_store(request, database_url: str) -> DialogueStateStore:
    return request.param(database_url)


def test_nothing_is_saved_at_first(dialogue_store):
    assert dialogue_store.get(ALICE) is None and list(dialogue_store.items()) == []


def test_put_then_get_returns_an_equal_copy(dialogue_store):
    state = {"form": "media_enquiry", "nudged": False,
             "answers": {"kind": "both", "when": {"date": "2026-11-23", "time": None}}}
    dialogue_store.put(ALICE, state)
    saved = dialogue_store.get(ALICE)
    assert saved == state
    saved["answers"]["kind"] = "changed"
    assert dialogue_store.get(ALICE)["answers"]["kind"] == "both"


def test_keys_are_platform_workspace_and_user(dialogue_store):
    dialogue_store.put(ALICE, {"n": 1})
    dialogue_store.put(ALICE_ON_TEAMS, {"n": 2})
    dialogue_store.put(BOB, {"n": 3})
    assert [dialogue_store.get(k)["n"] for k in (ALICE, ALICE_ON_TEAMS, BOB)] == [1, 2, 3]
    assert dict(dialogue_store.items()) == {ALICE: {"n": 1}, ALICE_ON_TEAMS: {"n": 2}, BOB: {"n": 3}}


def test_put_replaces_and_delete_forgets(dialogue_store):
    dialogue_store.put(ALICE, {"n": 1})
    dialogue_store.put(ALICE, {"n": 2})
    assert dialogue_store.get(ALICE) == {"n": 2}
    dialogue_store.delete(ALICE)
    dialogue_store.delete(ALICE)  # deleting nothing is not an error
    assert dialogue_store.get(ALICE) is None


def test_a_state_that_is_not_json_is_refused(dialogue_store):
    with pytest.raises((TypeError, ValueError)):
        dialogue_store.put(ALICE, {"when": datetime(2026, 11, 24, tzinfo=UTC)})


def test_a_conversation_resumes_from_the_store_in_a_new_engine(dialogue_store):
    forms = load_forms()

    def engine() -> DialogueEngine:
        return DialogueEngine(forms, answer_question=lambda text: None, find_staff=lambda text: [],
                              clock=lambda: datetime(2026, 11, 24, 10, tzinfo=UTC))

    state, _ = engine().start("media_enquiry")
    dialogue_store.put(ALICE, engine().handle(state, "both").state)
    turn = engine().resume(dialogue_store.get(ALICE))
    welcome = Text("Welcome back. You were filling in: Report a media enquiry or an offer of payment.")
    assert welcome in turn.replies
    assert turn.state["step"] == "organisation"
