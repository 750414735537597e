"""The words the Teams channel says itself (intents/teams.yaml), validated on load like every YAML file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.errors import ConfigError
from bot.paths import intents_dir
from bot.yamlfile import ConfigModel, load_yaml, validate

TEAMS_FILE = "teams.yaml"


class TeamsMessages(ConfigModel):
    not_staff: str
    personal_only: str
    welcome: str
    send: str
    card_summary: str
    error: str


def load_teams_messages(path: str | Path | None = None) -> TeamsMessages:
    path = Path(path) if path is not None else intents_dir() / TEAMS_FILE
    if not path.is_file():
        raise ConfigError(f"Teams texts not found - restore intents/{TEAMS_FILE} (or set POLICYBOT_HOME)",
                          file=str(path))
    return validate(TeamsMessages, load_yaml(path), file=path)


@lru_cache(maxsize=1)
def teams_messages() -> TeamsMessages:
    """The shipped texts, read once per process (they do not change while it runs)."""
    return load_teams_messages()
