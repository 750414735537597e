"""The shapes of the answer engine's YAML files, as pydantic models.

Kept apart from the classes the engine uses at run time so that building pydantic schemas
(tens of milliseconds) happens only when files are parsed, not when a cached engine is
loaded: `policybot ask` must start fast.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.form_ids import FORM_IDS


class Pin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: str
    contains: str = Field(min_length=8)


class IntentModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    examples: list[str] = Field(min_length=3)
    answer: str = ""
    topics: list[str] = []
    about: str = ""
    prefer: list[Pin] = []
    form: str | None = None
    scope: Literal["in", "out"] = "in"
    kind: Literal["question", "escalation"] = "question"

    @field_validator("form")
    @classmethod
    def _known_form(cls, value: str | None) -> str | None:
        if value is not None and value not in FORM_IDS:
            raise ValueError(f"unknown form {value!r} - use one of {', '.join(sorted(FORM_IDS))}")
        return value

    @field_validator("examples")
    @classmethod
    def _no_blank_examples(cls, value: list[str]) -> list[str]:
        if any(not e.strip() for e in value):
            raise ValueError("an example is empty - remove it")
        return value


class IntentFile(BaseModel):
    intents: list[IntentModel]


class Signal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patterns: list[str] = Field(min_length=1)
    names_child: bool = False
    urgent_even_if_general: bool = False
    answer_with: str | None = None  # the intent whose clauses answer this kind of risk
    about_others: bool = False  # matched without the writer's description of themselves (`self_description`)


class RiskFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    child: list[str] = Field(min_length=1)
    staff_subject: list[str] = Field(min_length=1)
    self_description: list[str] = []
    general_question: list[str] = []
    signals: dict[str, Signal] = Field(min_length=1)


class VocabularyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    synonyms: dict[str, list[str]] = Field(default_factory=dict)
    patterns: dict[str, list[str]] = Field(default_factory=dict)
    domain: list[str] = Field(default_factory=list)


class MessagesFile(BaseModel):
    model_config = ConfigDict(extra="allow")
