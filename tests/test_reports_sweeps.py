"""The sweep over unfinished forms: one nudge, then expiry, each message queued for the form's owner."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.replies import Text, reply_from_dict
from bot.core.sweeps import sweep_forms
from bot.forms import DialogueEngine, DialogueKey, load_forms
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import Store
from bot.store.dialogue_repo import DatabaseDialogueStateStore

FORMS = load_forms()
START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
KEY = DialogueKey("console", "riverside", "r.ahmed")


def texts(store: Store) -> list[str]:
    with store.transaction() as tx:
        return [r.text for m in tx.outbox.list(recipient_id="r.ahmed")
                for r in map(reply_from_dict, m.replies) if isinstance(r, Text)]


def test_an_unfinished_form_is_nudged_once_then_expires(store: Store, demo_school: SchoolConfig):
    sync_from_school(store, config=demo_school)
    dialogues = DatabaseDialogueStateStore(store)
    engine = DialogueEngine(FORMS, answer_question=lambda t: None, find_staff=lambda t: [], clock=lambda: START)
    state, _ = engine.start("media_enquiry")
    dialogues.put(KEY, state)
    timing = FORMS.timing("media_enquiry")
    assert sweep_forms(store=store, dialogues=dialogues, forms=FORMS, now=START) == []
    nudge_at = START + timedelta(minutes=timing.nudge_after_minutes)
    assert sweep_forms(store=store, dialogues=dialogues, forms=FORMS, now=nudge_at) == [(KEY, "nudge")]
    assert sweep_forms(store=store, dialogues=dialogues, forms=FORMS, now=nudge_at) == []  # one nudge only
    assert dialogues.get(KEY)["nudged"] is True
    expire_at = START + timedelta(minutes=timing.expire_after_minutes)
    assert sweep_forms(store=store, dialogues=dialogues, forms=FORMS, now=expire_at) == [(KEY, "expire")]
    assert dialogues.get(KEY) is None
    told = texts(store)
    assert len(told) >= 2 and "media enquiry" in told[0].lower() and "media enquiry" in told[-1].lower()


def test_an_answer_sent_as_the_form_expires_is_not_lost(store: Store, demo_school: SchoolConfig,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The user answers while the sweep is expiring their form: the answer waits for the sweep and finds the form
    gone (and is answered as a new message), rather than being saved and then deleted with the form."""
    sync_from_school(store, config=demo_school)
    dialogues = DatabaseDialogueStateStore(store)
    engine = DialogueEngine(FORMS, answer_question=lambda t: None, find_staff=lambda t: [], clock=lambda: START)
    state, _ = engine.start("media_enquiry")
    dialogues.put(KEY, state)
    seen_by_the_answer: list[dict[str, Any] | None] = []

    def answer() -> None:  # what a turn does with the state: read it (FOR UPDATE) and save the next one
        with store.unit_of_work():
            found = dialogues.get(KEY)
            seen_by_the_answer.append(found)
            if found is not None:
                dialogues.put(KEY, {**found, "answers": {"outlet": "BBC Radio"}})

    expire, turn = DialogueEngine.expire, threading.Thread(target=answer)

    def expire_while_answered(self: DialogueEngine, expiring: dict[str, Any]) -> Any:
        turn.start()
        time.sleep(0.3)  # the answer would be saved now, were the sweep not holding the form
        return expire(self, expiring)

    monkeypatch.setattr(DialogueEngine, "expire", expire_while_answered)
    expire_at = START + timedelta(minutes=FORMS.timing("media_enquiry").expire_after_minutes)
    assert sweep_forms(store=store, dialogues=dialogues, forms=FORMS, now=expire_at) == [(KEY, "expire")]
    turn.join()
    assert seen_by_the_answer == [None] and dialogues.get(KEY) is None
