"""Assembling an AnswerEngine from the files a deployment ships: policies, intents, rules, school."""

from __future__ import annotations

import sys
from pathlib import Path

from bot import paths
from bot.answer.engine import AnswerEngine, Contacts
from bot.answer.intents import load_intents
from bot.answer.messages import Messages
from bot.answer.risk import RiskRules
from bot.answer.text import Vocabulary
from bot.policies.loader import load_policies
from bot.school import Role, School, SchoolConfig, load_school
from bot.topics import TopicTagger


def _names(config: SchoolConfig, school: School, role: Role) -> str:
    people = config.role_holders(school.id, role)
    return " or ".join(p.name for p in people) if people else f"the {role.value.replace('_', ' ')}"


def contacts_for(config: SchoolConfig, school: School) -> Contacts:
    """The people and numbers a school's answers name."""
    c = school.contacts
    ask = config.who_to_ask(school.id)
    return Contacts(
        school=school.name,
        dsl=_names(config, school, Role.DSL),
        deputy_dsl=_names(config, school, Role.DEPUTY_DSL),
        head=_names(config, school, Role.HEAD),
        who_to_ask=" or ".join(f"{p.name} ({p.job_title})" if p.job_title else p.name for p in ask)
        or "the Headteacher",
        mash=f"{c.childrens_services.name} on {c.childrens_services.phone}",
        lado=f"{c.lado.name} on {c.lado.phone}",
        police=c.police_emergency,
    )


def build_engine(
    *, policies_dir: Path | None = None, school_path: Path | None = None, school_id: str | None = None
) -> AnswerEngine:
    """The engine for one school: its applicable policies, or every policy in `policies_dir`."""
    config = load_school(school_path)
    school = config.school(school_id) if school_id else config.schools[0]
    if policies_dir is not None:
        policies = load_policies(policies_dir)
    else:
        policies = load_policies(paths.policy_dir(), only=config.policies_for(school.id))
    if not policies:
        print(f"warning: no policies loaded from {policies_dir or paths.policy_dir()}", file=sys.stderr)
    intents_dir = paths.intents_dir()
    tagger = TopicTagger.load(intents_dir / "topics.yaml")
    return AnswerEngine(
        policies=policies,
        intents=load_intents(intents_dir / "questions", known_topics=frozenset(tagger.topic_ids)),
        vocabulary=Vocabulary.load(intents_dir / "vocabulary.yaml"),
        risk=RiskRules.load(intents_dir / "risk.yaml"),
        messages=Messages.load(intents_dir / "messages.yaml"),
        contacts=contacts_for(config, school),
    )
