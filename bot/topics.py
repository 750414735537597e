"""Topic tagging: which subjects a clause is about, from the taxonomy in `intents/topics.yaml`.

Curated intents cite topics ("pupil_contact") rather than clause numbers, so a school that replaces
the shipped policies with its own keeps getting cited answers: ingestion tags every clause of the new
policy with the same topics. The taxonomy is data:

    topics:
      pupil_contact:
        label: Contact between staff and pupils on social media
        rules:
          - any: ['friend(s|ed|ing)?', 'follow(s|ed|ing|ers?)?', 'messag\\w*']
            with: ['pupils?', 'students?', 'child(ren)?']
        heading: ['contact with pupils']

A clause has a topic when one of its `rules` matches its text - one of the `any` patterns, and (when
given) one of the `with` patterns as well, but none of the `unless` patterns - or when one of the
`heading` patterns matches a heading that encloses it. Patterns are regular expressions matched
case-insensitively on word boundaries: `pupils?` matches "Pupil" and "pupils", not "pupillage".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bot import paths
from bot.errors import ConfigError
from bot.yamlfile import LineDict, load_yaml, validate

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)


def _check_pattern(pattern: str) -> str:
    try:
        _compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid pattern {pattern!r}: {exc} - fix the regular expression") from exc
    return pattern


Pattern = Annotated[str, Field(min_length=1), AfterValidator(_check_pattern)]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    any: list[Pattern] = Field(min_length=1)
    with_: list[Pattern] = Field(default=[], alias="with")
    unless: list[Pattern] = []


class _Topic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1)
    rules: list[_Rule] = []
    heading: list[Pattern] = []

    @model_validator(mode="after")
    def _matches_something(self) -> _Topic:
        if not self.rules and not self.heading:
            raise ValueError("a topic needs `rules` or `heading` patterns - add at least one")
        return self


class _TopicsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topics: dict[str, _Topic] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    any: tuple[re.Pattern[str], ...]
    with_: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]

    def matches(self, text: str) -> bool:
        return (any(p.search(text) for p in self.any)
                and (not self.with_ or any(p.search(text) for p in self.with_))
                and not any(p.search(text) for p in self.unless))


@dataclass(frozen=True, slots=True)
class _CompiledTopic:
    id: str
    rules: tuple[_CompiledRule, ...]
    heading: tuple[re.Pattern[str], ...]


class TopicTagger:
    """Tags text with the topic ids of a taxonomy (in the taxonomy's order)."""

    def __init__(self, topics: Sequence[_CompiledTopic]) -> None:
        self._topics = tuple(topics)

    @classmethod
    def load(cls, path: Path | None = None) -> TopicTagger:
        """Load and check a taxonomy (default `intents/topics.yaml`); mistakes name file and line."""
        path = path or paths.intents_dir() / "topics.yaml"
        data = load_yaml(path)
        model = validate(_TopicsFile, data, file=path)
        topics_node = data.get("topics") if isinstance(data, LineDict) else None
        for topic_id in model.topics:
            if not _ID_RE.match(topic_id):
                line = topics_node.key_lines.get(topic_id) if isinstance(topics_node, LineDict) else None
                raise ConfigError(f"topics: {topic_id!r} is not a valid topic id - use "
                                  "lower_case_with_underscores", file=str(path), line=line)
        return cls([
            _CompiledTopic(
                id=topic_id,
                rules=tuple(
                    _CompiledRule(tuple(map(_compile, r.any)), tuple(map(_compile, r.with_)),
                                  tuple(map(_compile, r.unless)))
                    for r in topic.rules
                ),
                heading=tuple(map(_compile, topic.heading)),
            )
            for topic_id, topic in model.topics.items()
        ])

    @property
    def topic_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self._topics)

    def tag(self, text: str, *, path: Sequence[str] = ()) -> tuple[str, ...]:
        """The topics of a clause: its text against the rules, its enclosing headings against `heading`."""
        return tuple(
            t.id for t in self._topics
            if any(rule.matches(text) for rule in t.rules)
            or any(p.search(heading) for p in t.heading for heading in path)
        )
