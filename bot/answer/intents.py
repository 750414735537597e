"""Curated question intents, loaded from `intents/questions/*.yaml` and checked on load.

An intent is what staff mean, not which clause answers it: it cites *topics* (which
ingestion tags on every clause) and describes the clause it wants in `about`, so a school
that replaces the shipped policies with its own keeps getting cited answers. `prefer`
names clauses of known policies by a verbatim snippet; it only orders the answer when
that policy is loaded and is never required.

    - id: pupil_friend_request
      examples: ["a pupil sent me a friend request", "yr 9 added me on insta", ...]
      answer: Don't accept it or reply ...
      topics: [pupil_contact]
      about: pupil friend request follow declined reported to the headteacher or DSL
      prefer: [{policy: kaleidoscope-nsesp, contains: "Any pupil-initiated communication"}]
      form: pupil_contact
      scope: in            # `out`: a common question the policies do not cover (refused, who to ask)
      kind: question       # `escalation`: a child may be at risk now
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.answer.messages import CONTACT_FIELDS, unknown_placeholders
from bot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Pin:
    policy: str
    contains: str


@dataclass(frozen=True, slots=True)
class Intent:
    """One thing staff ask about, with the answer and the clauses that support it."""

    id: str
    examples: tuple[str, ...]
    answer: str
    topics: tuple[str, ...]
    about: str
    prefer: tuple[Pin, ...]
    form: str | None
    scope: str
    kind: str
    file: str
    line: int

    @property
    def in_scope(self) -> bool:
        return self.scope == "in"


def load_intents(directory: Path, *, known_topics: frozenset[str]) -> list[Intent]:
    """Every intent in `directory/*.yaml`; unknown topics, duplicate ids and bad fields name file:line."""
    from bot.answer.schemas import IntentFile
    from bot.yamlfile import LineDict, LineList, load_yaml, validate

    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ConfigError("no intent files found - add at least one *.yaml of intents", file=str(directory))
    intents: list[Intent] = []
    seen: dict[str, str] = {}
    for path in files:
        data = load_yaml(path)
        if isinstance(data, LineList):
            wrapped = LineDict(intents=data)
            wrapped.line, wrapped.key_lines = data.line, {"intents": data.line}
            data = wrapped
        elif not isinstance(data, dict) or "intents" not in data:
            raise ConfigError("expected a list of intents (each starting with '- id: ...')", file=str(path))
        model = validate(IntentFile, data, file=path)
        lines = data["intents"].item_lines
        for i, m in enumerate(model.intents):
            where = f"{path}:{lines[i]}"
            if m.id in seen:
                raise ConfigError(
                    f"intent id {m.id!r} is already used at {seen[m.id]} - rename one",
                    file=str(path),
                    line=lines[i],
                )
            unknown = [t for t in m.topics if t not in known_topics]
            if unknown:
                raise ConfigError(
                    f"intents[{i}].topics: unknown topic {', '.join(unknown)} - topics are defined in "
                    "intents/topics.yaml",
                    file=str(path),
                    line=lines[i],
                )
            if m.scope == "in" and not m.answer.strip():
                raise ConfigError(
                    f"intent {m.id!r} has no answer - write the plain-English answer staff see",
                    file=str(path),
                    line=lines[i],
                )
            problem = unknown_placeholders(m.answer, CONTACT_FIELDS)
            if problem:
                raise ConfigError(f"intent {m.id!r}, its answer: {problem}", file=str(path), line=lines[i])
            if m.scope == "in" and not (m.topics or m.prefer):
                raise ConfigError(
                    f"intent {m.id!r} cites nothing - give it topics (and optionally prefer)",
                    file=str(path),
                    line=lines[i],
                )
            seen[m.id] = where
            intents.append(
                Intent(
                    id=m.id,
                    examples=tuple(m.examples),
                    answer=m.answer.strip(),
                    topics=tuple(m.topics),
                    about=m.about,
                    prefer=tuple(Pin(p.policy, p.contains) for p in m.prefer),
                    form=m.form,
                    scope=m.scope,
                    kind=m.kind,
                    file=str(path),
                    line=lines[i],
                )
            )
    return intents
