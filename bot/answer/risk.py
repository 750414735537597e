"""Recognising a message that suggests a child may be at risk now.

The rules are data (`intents/risk.yaml`): regular expressions for each kind of signal
(grooming, self-harm, abuse disclosed, radicalisation, indecent images of a child, an adult
in a position of trust contacting pupils secretly), for "a child is involved", for "the
person of concern is staff, a volunteer or a governor" (which routes to the allegations
process), and for general questions about the policy ("what counts as grooming?"), which
are answered, not escalated. Patterns, not a statistical model: a DSL can read every rule
and see why a message escalated, and a missed escalation is the costliest error here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    escalate: bool
    signals: tuple[str, ...]
    staff_subject: bool
    answer_with: tuple[str, ...] = ()  # intents named by the signals found, in the file's order


def _compile(patterns: list[str], *, file: Path, what: str) -> re.Pattern[str]:
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error as exc:
        raise ConfigError(f"{what}: invalid regular expression ({exc}) - fix the pattern", file=str(file)) from exc


class RiskRules:
    """Compiled risk rules; `assess` works on cleaned (lower-case, normalised) text."""

    def __init__(
        self,
        *,
        child: re.Pattern[str],
        staff: re.Pattern[str],
        general: re.Pattern[str] | None,
        self_description: re.Pattern[str] | None,
        signals: dict[str, tuple[re.Pattern[str], bool, bool, bool]],
        answer_with: dict[str, str] | None = None,
        answer_with_lines: dict[str, int | None] | None = None,
        file: Path | None = None,
    ) -> None:
        self._child = child
        self._staff = staff
        self._general = general
        self._self = self_description
        self._signals = signals
        self.answer_with = answer_with or {}
        self._answer_with_lines = answer_with_lines or {}
        self._file = file

    def check_intents(self, known: set[str]) -> None:
        """Every `answer_with` must name a loaded intent (a typo would silently fall back to the generic one)."""
        for name, intent in self.answer_with.items():
            if intent not in known:
                raise ConfigError(f"signals.{name}.answer_with: no intent {intent!r} - use the id of an intent in "
                                  "intents/questions/", file=str(self._file) if self._file else None,
                                  line=self._answer_with_lines.get(name))

    @classmethod
    def load(cls, path: Path) -> RiskRules:
        from bot.answer.schemas import RiskFile
        from bot.yamlfile import line_of, load_yaml, validate

        data = load_yaml(path)
        model = validate(RiskFile, data, file=path)
        named = {name: s.answer_with for name, s in model.signals.items() if s.answer_with}
        return cls(
            child=_compile(model.child, file=path, what="child"),
            staff=_compile(model.staff_subject, file=path, what="staff_subject"),
            general=_compile(model.general_question, file=path, what="general_question")
            if model.general_question
            else None,
            self_description=_compile(model.self_description, file=path, what="self_description")
            if model.self_description
            else None,
            signals={
                name: (
                    _compile(s.patterns, file=path, what=f"signals.{name}"),
                    s.names_child,
                    s.urgent_even_if_general,
                    s.about_others,
                )
                for name, s in model.signals.items()
            },
            answer_with=named,
            answer_with_lines={name: line_of(data, ("signals", name, "answer_with")) for name in named},
            file=path,
        )

    def assess(self, cleaned: str) -> RiskAssessment:
        """The signals in `cleaned`. A signal `about_others` (an adult contacting pupils) reads the text without the
        writer's description of themselves: "I'm a supply teacher ... she's not a pupil here" names no teacher
        but the writer."""
        child = bool(self._child.search(cleaned))
        general = bool(self._general and self._general.search(cleaned))
        others = self._self.sub(" ", cleaned) if self._self else cleaned
        hits = tuple(
            name
            for name, (pattern, names_child, always, about_others) in self._signals.items()
            if (names_child or child)
            and (always or not general)
            and pattern.search(others if about_others else cleaned)
        )
        return RiskAssessment(escalate=bool(hits), signals=hits, staff_subject=bool(self._staff.search(others)),
                              answer_with=tuple(self.answer_with[h] for h in hits if h in self.answer_with))
