"""The Teams app package: the manifest filled in, its icons the sizes Teams requires, all at the zip's root."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from bot.channels.teams.package import main, png_size
from bot.paths import home

APP_ID = "0f3c9a52-6f1e-4d1b-9a55-3c1d2e4f5a6b"


def test_the_package_holds_the_filled_manifest_and_real_icons(tmp_path: Path) -> None:
    out = tmp_path / "policybot-teams.zip"
    assert main(["--app-id", APP_ID, "--domain", "policybot.example.org", "--website",
                 "https://www.riverside-academy.example/", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert png_size(package.read("color.png")) == (192, 192)
        assert png_size(package.read("outline.png")) == (32, 32)
    assert manifest["manifestVersion"] == "1.17" and "v1.17" in manifest["$schema"]
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["policybot.example.org"]
    assert manifest["developer"]["privacyUrl"] == "https://www.riverside-academy.example/privacy"
    assert "personal" in manifest["bots"][0]["scopes"]
    assert "${{" not in json.dumps(manifest)


def test_the_shipped_icons_are_the_sizes_teams_requires() -> None:
    assert png_size((home() / "teams" / "color.png").read_bytes()) == (192, 192)
    assert png_size((home() / "teams" / "outline.png").read_bytes()) == (32, 32)


@pytest.mark.parametrize(("args", "said"), [
    (["--domain", "x.example", "--website", "https://x.example"], "MICROSOFT_APP_ID"),
    (["--app-id", "not-a-guid", "--domain", "x.example", "--website", "https://x.example"], "is not an app id"),
    (["--app-id", APP_ID, "--website", "https://x.example"], "BOT_DOMAIN"),
])
def test_a_missing_or_wrong_value_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                          said: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    assert main([*args, "--out", str(tmp_path / "p.zip")]) == 2
    assert said in capsys.readouterr().err and not (tmp_path / "p.zip").exists()
