"""The clock's sweeps over unfinished forms: one nudge, then expiry (timings per form, see bot.forms.timeouts).

Pure apart from the store: the time is passed in, so tests control it and the worker (or `chat`'s
in-process loop) calls it. The words go out through the outbox like any message to a person.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.replies import to_dict
from bot.forms import DialogueEngine, DialogueKey, DialogueStateStore, FormSet, TimeoutAction
from bot.store import Store, Transaction


def _recipient(tx: Transaction, key: DialogueKey) -> tuple[str, str] | None:
    """(staff id, school id) of a conversation's owner; the console keys conversations by staff id."""
    if key.platform in ("slack", "teams"):
        person = tx.staff.find_by_platform_id(platform=key.platform, user_id=key.user)  # type: ignore[arg-type]
    else:
        person = tx.staff.get(key.user)
    return (person.id, person.school_id) if person else None


def sweep_forms(*, store: Store, dialogues: DialogueStateStore, forms: FormSet,
                now: datetime) -> list[tuple[DialogueKey, TimeoutAction]]:
    """Nudge (once) or expire every unfinished form that has waited long enough; returns what was done."""
    engine = DialogueEngine(forms, answer_question=lambda text: None, find_staff=lambda text: [], clock=lambda: now)
    done: list[tuple[DialogueKey, TimeoutAction]] = []
    for key, state in list(dialogues.items()):
        action = engine.timeout_action(state, now=now)
        if action is None:
            continue
        # One transaction from the check to the message: the state is read FOR UPDATE (SQLite: under its one
        # writer), so an answer the user sends meanwhile waits and meets the nudged or expired form, instead of
        # being saved and then overwritten or deleted by this sweep.
        with store.unit_of_work():
            if dialogues.get(key) != state:  # gone, or the user answered meanwhile
                continue
            if action == "nudge":
                new_state, replies = engine.nudge(state)
                dialogues.put(key, new_state)
            else:
                replies = engine.expire(state)
                dialogues.delete(key)
            with store.transaction(write=True) as tx:
                owner = _recipient(tx, key)
                if owner is not None and replies:
                    tx.outbox.queue(school_id=owner[1], recipient_id=owner[0], replies=[to_dict(r) for r in replies],
                                    idempotency_key=f"form:{'/'.join(key)}:{action}:{state.get('updated_at')}",
                                    now=now)
        done.append((key, action))
    return done
