"""The words the chat channels say themselves (intents/channels.yaml), validated on load like every YAML file.

The home page is the core's (`bot.core.home`); the few words only one platform needs (Slack's turn-away of
a stranger, a report moved out of a public channel) sit beside it so that no adapter holds user-facing text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.errors import ConfigError
from bot.paths import intents_dir
from bot.yamlfile import ConfigModel, load_yaml, validate

CHANNELS_FILE = "channels.yaml"


class HomeMessages(ConfigModel):
    words: tuple[str, ...]
    title: str
    intro: str
    acknowledgements: str
    acknowledgements_none: str
    my_reports: str
    my_report: str
    my_reports_none: str
    routed: str
    routed_report: str
    routed_none: str
    start: str
    start_prompt: str


class SlackMessages(ConfigModel):
    not_staff: str
    moved_to_dm: str
    report_in_dm: str
    slash_help: str
    send: str
    chose: str
    details_title: str
    details_close: str
    fallback: str
    write_privately: str
    private_title: str
    private_hint: str


class ChannelMessages(ConfigModel):
    home: HomeMessages
    slack: SlackMessages


def load_channel_messages(path: str | Path | None = None) -> ChannelMessages:
    path = Path(path) if path is not None else intents_dir() / CHANNELS_FILE
    if not path.is_file():
        raise ConfigError(f"channel texts not found - restore intents/{CHANNELS_FILE} (or set POLICYBOT_HOME)",
                          file=str(path))
    return validate(ChannelMessages, load_yaml(path), file=path)


@lru_cache(maxsize=1)
def channel_messages() -> ChannelMessages:
    """The shipped texts, read once per process (they do not change while it runs)."""
    return load_channel_messages()
