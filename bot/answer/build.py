"""Assembling an AnswerEngine from the files a deployment ships: policies, intents, rules, school.

Building means parsing and validating every YAML file and indexing every clause: a few
hundred milliseconds, which `policybot ask` would otherwise pay on every run. The built
engine is therefore kept in a cache file (`var/cache/`, or `POLICYBOT_CACHE`) named by a
hash of every input file's path, size and modification time and of the engine's own code,
so any change to a policy, an intent, the school file or the code builds afresh. The cache
is written atomically, lives in the deployment's own folder, and a cache that cannot be
read or written is simply ignored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bot import paths
from bot.answer.engine import AnswerEngine, Contacts

if TYPE_CHECKING:
    from bot.school import Role, School, SchoolConfig

_CODE = [Path(__file__).parent, Path(__file__).parent.parent / "policies"]


def _names(config: SchoolConfig, school: School, role: Role) -> str:
    people = config.role_holders(school.id, role)
    return " or ".join(p.name for p in people) if people else f"the {role.value.replace('_', ' ')}"


def contacts_for(config: SchoolConfig, school: School) -> Contacts:
    """The people and numbers a school's answers name."""
    from bot.school import Role

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


def _cache_key(*, policies_dir: Path | None, school_path: Path, school_id: str | None) -> str:
    """A hash of everything the engine is built from: input files, engine code, arguments, Python."""
    digest = hashlib.sha256(f"{sys.version}|{policies_dir}|{school_path}|{school_id}".encode())
    folders = [paths.intents_dir(), policies_dir or paths.policy_dir(), *_CODE]
    files = [school_path, *(f for d in folders if d.is_dir() for f in sorted(d.rglob("*")) if f.is_file())]
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        digest.update(f"{f}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def _cache_dir() -> Path:
    env = os.environ.get("POLICYBOT_CACHE")
    return Path(env) if env else paths.home() / "var" / "cache"


def build_engine(
    *, policies_dir: Path | None = None, school_path: Path | None = None, school_id: str | None = None
) -> AnswerEngine:
    """The engine for one school: its applicable policies, or every policy in `policies_dir`."""
    school_path = Path(school_path) if school_path else paths.school_file()
    cache = (
        _cache_dir()
        / f"engine-{_cache_key(policies_dir=policies_dir, school_path=school_path, school_id=school_id)}.pickle"
    )
    try:
        with cache.open("rb") as f:
            engine = pickle.load(f)  # noqa: S301 - our own cache file in the deployment's folder
        if isinstance(engine, AnswerEngine):
            return engine
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
        pass
    engine = _build(policies_dir=policies_dir, school_path=school_path, school_id=school_id)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache.parent, delete=False, suffix=".tmp") as f:
            pickle.dump(engine, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f.name, cache)
    except OSError:
        pass
    return engine


def _build(*, policies_dir: Path | None, school_path: Path, school_id: str | None) -> AnswerEngine:
    from bot.answer.intents import load_intents
    from bot.answer.messages import Messages
    from bot.answer.risk import RiskRules
    from bot.answer.text import Vocabulary
    from bot.policies.loader import load_policies
    from bot.school import load_school
    from bot.topics import TopicTagger

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
    intents = load_intents(intents_dir / "questions", known_topics=frozenset(tagger.topic_ids))
    risk = RiskRules.load(intents_dir / "risk.yaml")
    risk.check_intents({i.id for i in intents})
    return AnswerEngine(
        policies=policies,
        intents=intents,
        vocabulary=Vocabulary.load(intents_dir / "vocabulary.yaml"),
        risk=risk,
        messages=Messages.load(intents_dir / "messages.yaml"),
        contacts=contacts_for(config, school),
    )
