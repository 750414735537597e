"""intents/teams.yaml: the Teams channel's own words, validated on load with errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.teams.messages import load_teams_messages
from bot.errors import ConfigError


def test_the_shipped_texts_load() -> None:
    messages = load_teams_messages()
    assert messages.not_staff


def test_a_misspelt_key_is_named_with_its_file_and_line(tmp_path: Path) -> None:
    shipped = (Path(__file__).resolve().parent.parent / "intents" / "teams.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "teams.yaml"
    bad.write_text(shipped.replace("not_staff:", "not_stafff:"), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_teams_messages(bad)
    assert str(bad) in str(error.value) and "not_staff" in str(error.value)
