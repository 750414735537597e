"""Where a conversation is in a form: plain JSON-safe data, kept by a store the caller owns.

The engine never holds state between messages. It takes the state dict, returns the next one,
and the caller saves it after every step, so a restart (or a second web process) resumes the user
exactly where they were. `DialogueState` is the schema of that dict; `DialogueStateStore` is the
narrow interface every store implements (memory here, for tests; the database in bot.store),
keyed by (platform, workspace or tenant, user).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal, NamedTuple, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

STATE_VERSION = 1


class StaffPick(BaseModel):
    """A staff name that matched several people, waiting for the user to pick one."""

    model_config = ConfigDict(extra="forbid")
    query: str
    candidates: list[tuple[str, str]] = Field(min_length=2)


class DialogueState(BaseModel):
    """The schema of the state dict.

    - `answers`: step id -> JSON value; None means the user skipped an optional step.
    - `history`: step ids in the order they were answered, so `back` undoes the last one.
    - `stage`: `ask` (a step is waiting for its answer), `confirm` (the summary is shown),
      `change` (the user is choosing which answer to change).
    - `step`: the step being asked; `changing`: it was chosen from the summary, so its old
      answer stands until replaced and `back` returns to the summary.
    - `updated_at`/`nudged`: for the one nudge and the expiry of an unfinished form.
    """

    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = STATE_VERSION
    form: str
    answers: dict[str, Any] = {}
    history: list[str] = []
    stage: Literal["ask", "confirm", "change"] = "ask"
    step: str | None = None
    changing: bool = False
    pick: StaffPick | None = None
    started_at: AwareDatetime
    updated_at: AwareDatetime
    nudged: bool = False

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class DialogueKey(NamedTuple):
    """Whose conversation: the platform (console, slack, teams), the workspace or tenant, the user."""

    platform: str
    workspace: str
    user: str


class DialogueStateStore(Protocol):
    """Keeps one unfinished form per user. Every implementation passes tests/test_dialogue_store.py."""

    def get(self, key: DialogueKey) -> dict[str, Any] | None:
        """The saved state, or None when the user has no unfinished form."""

    def put(self, key: DialogueKey, state: dict[str, Any]) -> None:
        """Save the state, replacing any saved before."""

    def delete(self, key: DialogueKey) -> None:
        """Forget the state (a form sent, cancelled or expired); deleting nothing is not an error."""

    def items(self) -> Iterator[tuple[DialogueKey, dict[str, Any]]]:
        """Every saved state: the worker's sweep nudges and expires unfinished forms from these."""


class InMemoryDialogueStateStore:
    """A store in a dict, for tests. States are copied through JSON, so a state that is not JSON-safe
    fails here as it would in the database."""

    def __init__(self) -> None:
        self._states: dict[DialogueKey, str] = {}

    def get(self, key: DialogueKey) -> dict[str, Any] | None:
        saved = self._states.get(key)
        return json.loads(saved) if saved is not None else None

    def put(self, key: DialogueKey, state: dict[str, Any]) -> None:
        self._states[key] = json.dumps(state, allow_nan=False)

    def delete(self, key: DialogueKey) -> None:
        self._states.pop(key, None)

    def items(self) -> Iterator[tuple[DialogueKey, dict[str, Any]]]:
        for key, saved in list(self._states.items()):
            yield key, json.loads(saved)
