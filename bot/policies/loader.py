"""Reading structured policy files, with a reviewer's overrides applied on load.

`policybot ingest` writes `policy_text/<id>.yaml`. Human corrections live beside it in
`policy_text/<id>.overrides.yaml`, so that re-ingesting a document never loses them:

    title: Social Media Policy           # replace a metadata field
    dates: {review: "September 2026"}
    drop: ["3.2"]                         # clauses that are not policy (furniture the ingester kept)
    text: {"4.1(4)": "corrected text"}    # a clause's text, where extraction garbled it
    topics: {"6.7": [family_member]}      # topics added to a clause
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.errors import ConfigError
from bot.policies.model import Clause, Policy
from bot.yamlfile import load_yaml, validate

OVERRIDES_SUFFIX = ".overrides.yaml"


class _ClauseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str = Field(min_length=1)
    path: list[str] = []
    text: str = Field(min_length=1)
    topics: list[str] = []

    @field_validator("ref", mode="before")
    @classmethod
    def _ref_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int | float) else value


class _PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    owner: str | None = None
    dates: dict[str, str | None] = {}
    source: dict[str, str] = {}
    clauses: list[_ClauseModel] = Field(min_length=1)


class _OverridesModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = None
    owner: str | None = None
    dates: dict[str, str | None] = {}
    drop: list[str] = []
    text: dict[str, str] = {}
    topics: dict[str, list[str]] = {}


def load_policy(path: str | Path) -> Policy:
    """Load one policy file and apply its overrides file, if there is one."""
    path = Path(path)
    model = validate(_PolicyModel, load_yaml(path), file=path)
    refs = [c.ref for c in model.clauses]
    dup = sorted({r for r in refs if refs.count(r) > 1})
    if dup:
        raise ConfigError(f"clause refs must be unique; repeated: {', '.join(dup)}", file=str(path))
    policy = Policy(
        id=model.id,
        title=model.title,
        owner=model.owner,
        dates=dict(model.dates),
        source=dict(model.source),
        clauses=[
            Clause(policy=model.id, ref=c.ref, text=c.text, path=tuple(c.path), topics=tuple(c.topics))
            for c in model.clauses
        ],
    )
    overrides = path.with_name(path.name.removesuffix(".yaml") + OVERRIDES_SUFFIX)
    if overrides.exists():
        _apply_overrides(policy, overrides)
    return policy


def _apply_overrides(policy: Policy, path: Path) -> None:
    data = load_yaml(path) or {}
    model = validate(_OverridesModel, data, file=path)
    known = {c.ref for c in policy.clauses}
    for ref in [*model.drop, *model.text, *model.topics]:
        if ref not in known:
            raise ConfigError(
                f"clause {ref!r} is not in {policy.id} - re-check the ref against the policy file",
                file=str(path),
            )
    if model.title:
        policy.title = model.title
    if model.owner:
        policy.owner = model.owner
    policy.dates.update(model.dates)
    clauses = []
    for c in policy.clauses:
        if c.ref in model.drop:
            continue
        text = model.text.get(c.ref, c.text)
        topics = tuple(dict.fromkeys([*c.topics, *model.topics.get(c.ref, [])]))
        clauses.append(Clause(policy=c.policy, ref=c.ref, text=text, path=c.path, topics=topics))
    policy.clauses = clauses


def policy_files(directory: str | Path) -> list[Path]:
    """The policy files in a folder (not their overrides), in a stable order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError("policy folder not found - pass an existing folder", file=str(directory))
    return sorted(p for p in directory.glob("*.yaml") if not p.name.endswith(OVERRIDES_SUFFIX))


def load_policies(directory: str | Path, *, only: list[str] | None = None) -> list[Policy]:
    """Every policy in a folder, or only the ids named (an unknown id is an error that lists the known)."""
    policies = [load_policy(p) for p in policy_files(directory)]
    ids = [p.id for p in policies]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ConfigError(
            f"two policy files share the id {', '.join(dup)} - give each its own id", file=str(directory)
        )
    if only is None:
        return policies
    by_id = {p.id: p for p in policies}
    missing = [i for i in only if i not in by_id]
    if missing:
        raise ConfigError(
            f"policy {', '.join(missing)} not found in {directory} - "
            f"known: {', '.join(sorted(by_id)) or 'none'}"
        )
    return [by_id[i] for i in only]
