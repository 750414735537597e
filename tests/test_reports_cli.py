"""`policybot reports list|show|export` as DESIGN.md fixes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main, open_synced_store
from bot.forms import Submitted
from bot.reports import default_desk


@pytest.fixture
def reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'policybot.db'}")
    with open_synced_store() as store:
        report = default_desk(store).submit(
            Submitted(form_id="safeguarding_concern", answers={"what": "Zqx detail"}, urgent=True, subjects=(),
                      summary=(("What happened", "Zqx detail"),)),
            reporter_id="h.li", school_id="riverside")
    return report.reference


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_list_shows_the_reports_a_person_may_read(reference: str, capsys):
    assert main(["reports", "list", "--as", "d.price", "--json"]) == 0
    [row] = lines(capsys)
    assert row["id"] == reference and reference.startswith("SG-")
    assert {k: row[k] for k in ("form", "status", "routed_to", "reporter", "urgent")} == {
        "form": "safeguarding_concern", "status": "submitted", "routed_to": ["d.price"], "reporter": "h.li",
        "urgent": True}
    assert "created_at" in row


@pytest.mark.parametrize("staff_id", ["e.clarke", "nobody"])
def test_list_is_empty_for_someone_not_entitled_or_unknown(reference: str, capsys, staff_id: str):
    assert main(["reports", "list", "--as", staff_id, "--json"]) == 0
    assert capsys.readouterr().out == ""


def test_show_to_a_recipient_and_the_reporter(reference: str, capsys):
    assert main(["reports", "show", reference, "--as", "d.price", "--json"]) == 0
    assert lines(capsys)[0]["answers"] == {"what": "Zqx detail"}
    assert main(["reports", "show", reference, "--as", "h.li"]) == 0
    assert "Zqx detail" in capsys.readouterr().out


def test_show_refuses_anyone_else_with_a_clear_message_and_audits_it(reference: str, capsys):
    assert main(["reports", "show", reference, "--as", "e.clarke"]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and "You can't read" in captured.err and "recorded" in captured.err
    with open_synced_store() as store:
        assert ("e.clarke", "refused") in [(w, a) for _, w, a in default_desk(store).audit_trail(reference)]


def test_show_an_unknown_reference(reference: str, capsys):
    assert main(["reports", "show", "PC-2026-9999", "--as", "d.price"]) != 0
    assert "There is no report PC-2026-9999" in capsys.readouterr().err


def test_export_writes_a_document(reference: str, tmp_path: Path, capsys):
    out = tmp_path / "report.txt"
    assert main(["reports", "export", reference, "--as", "d.price", "--out", str(out)]) == 0
    text = out.read_text()
    assert reference in text and "Zqx detail" in text and "exported" in text
