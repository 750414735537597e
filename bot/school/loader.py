"""Reading the school file: either shape, validated, cross-checked and normalised.

The file is `POLICYBOT_SCHOOL` (default: the shipped demo school). This module imports
nothing from the database layer, because the light `ask` path loads the school file to
learn which policies apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot import paths
from bot.errors import ConfigError
from bot.school.checks import Problem, check_config
from bot.school.model import SchoolConfig, SingleSchoolFile, TrustFile
from bot.yamlfile import LineDict, describe_loc, line_of, load_yaml, validate

_TRUST_KEYS = ("trust", "schools")


def load_school(path: Path | None = None) -> SchoolConfig:
    """Load the school (or trust) file; every mistake is a ConfigError naming file, line and fix."""
    path = Path(path) if path is not None else paths.school_file()
    data = load_yaml(path)
    if not isinstance(data, LineDict):
        raise ConfigError(
            "the school file must be a mapping of keys (id, name, staff, ...) - see school/README.md",
            file=str(path),
            line=getattr(data, "line", None),
        )
    if any(key in data for key in _TRUST_KEYS):
        trust = validate(TrustFile, data, file=path)
        config = SchoolConfig(
            trust=trust.trust,
            trust_policies=trust.policies,
            trust_policy_owners=trust.policy_owners,
            trust_routing=trust.routing,
            schools=trust.schools,
            source=path,
        )
        school_locs: list[tuple[Any, ...]] = [("schools", i) for i in range(len(trust.schools))]
    else:
        single = validate(SingleSchoolFile, data, file=path)
        config = SchoolConfig(schools=(single,), source=path)
        school_locs = [()]

    found = check_config(config, school_locs=school_locs)
    if found.errors:
        # Every cross-check problem at once, one per line, so the file can be fixed in one go.
        first, *more = found.errors
        others = "".join(f"\n{path}:{line_of(data, p.loc)}: {_describe(p)}" for p in more)
        raise ConfigError(_describe(first) + others, file=str(path), line=line_of(data, first.loc))
    warnings = tuple(f"{path}:{line_of(data, w.loc)}: {_describe(w)}" for w in found.warnings)
    return config.model_copy(update={"warnings": warnings}) if warnings else config


def _describe(problem: Problem) -> str:
    where = describe_loc(problem.loc)
    return f"{where}: {problem.message}" if where else problem.message
