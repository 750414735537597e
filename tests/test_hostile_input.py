"""Hostile and malformed input: every entry of tests/data/hostile_inputs.yaml through the core conversation, the
console, `policybot ask` (one question and --batch), and the dialogue engine inside every form; forged report
commands; malformed configuration and policy files. Each gets a clear message; nothing crashes or leaks.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hostile_corpus import CORPUS, Hostile

from bot.answer.build import build_engine
from bot.channels.console import render, run_console
from bot.check import run_checks
from bot.cli import main
from bot.core.conversation import Who, sanitise
from bot.core.replies import Choices, Quote, Reply, Summary, Text
from bot.core.service import ChatService, build_chat_service
from bot.forms import DialogueKey, Submitted, load_forms
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday in term, in school hours
SECRET = "Zqx hostile-suite secret"
FORMS = load_forms()


BY_NAME = {h.name: h for h in CORPUS}


class Collect:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[Reply]]] = []

    def deliver(self, *, recipient_id: str, replies: Sequence[Reply], idempotency_key: str) -> None:
        self.sent.append((recipient_id, list(replies)))


@pytest.fixture(scope="module")
def engine():
    return build_engine()


@pytest.fixture
def service(store: Store, demo_school: SchoolConfig, engine) -> ChatService:
    sync_from_school(store, config=demo_school)
    return build_chat_service(store, config=demo_school, engine=engine, deliverer=Collect(), clock=lambda: NOW)


def who(staff_id: str) -> Who:
    return Who(staff_id=staff_id, school_id="riverside", key=DialogueKey("console", "riverside", staff_id))


def shown(replies: Sequence[Reply]) -> str:
    return "\n".join(render(r) for r in replies)


def test_the_corpus_is_what_the_other_channels_expect() -> None:
    assert len(CORPUS) == len(BY_NAME) >= 30, "each entry needs a unique name"
    assert len(BY_NAME["huge_100kb"].text) >= 100_000


# -- sanitising ---------------------------------------------------------------------------------------


def test_sanitise_strips_invisible_and_control_characters_but_keeps_scripts_and_emoji() -> None:
    assert sanitise(BY_NAME["zero_width_inside_words"].text) == "a pupil sent me a fri\u200dend request"
    assert sanitise(BY_NAME["bidi_override"].text) == "my report is evil.exe about nothing"
    assert sanitise(BY_NAME["nul_and_controls"].text) == "can I follow[31m a parent?"
    assert sanitise(BY_NAME["lone_surrogate"].text) == "broken  encoding  here"
    for kept in ("right_to_left_arabic", "right_to_left_hebrew", "emoji_only", "slack_channel_mention",
                 "adaptive_card_json", "sql_injection"):
        assert sanitise(BY_NAME[kept].text) == BY_NAME[kept].text.strip(), kept
    assert sanitise(" line one\r\nline\ttwo \n") == "line one\nline\ttwo"


# -- the core conversation (what Slack, Teams and the console all call) ----------------------------------


def test_every_hostile_message_gets_a_clear_reply(service: ChatService) -> None:
    service.handle(who("r.ahmed"), "hello")  # the privacy notice is out of the way
    for hostile in CORPUS:
        replies = service.handle(who("r.ahmed"), hostile.text)
        assert replies and all(isinstance(r, (Text, Choices, Summary, Quote)) for r in replies), hostile.name
        text = shown(replies)
        assert text.strip(), hostile.name
        assert "\x00" not in text and "\u202e" not in text and "Traceback" not in text, hostile.name
        text.encode("utf-8")  # no lone surrogate is echoed back
        if service.conversation.dialogues.get(who("r.ahmed").key) is not None:
            service.handle(who("r.ahmed"), "cancel")  # "report" in the corpus may start a form


def test_an_empty_or_blank_message_gets_the_short_help(service: ChatService, engine) -> None:
    service.handle(who("r.ahmed"), "hello")
    help_text = engine.ask("").text
    for name in ("empty", "whitespace_only", "newlines_only", "only_punctuation"):
        assert service.handle(who("r.ahmed"), BY_NAME[name].text) == [Text(help_text)], name


def test_a_blank_message_leaves_an_offered_form_on_offer(service: ChatService) -> None:
    service.handle(who("r.ahmed"), "report")  # the picker is offered
    service.handle(who("r.ahmed"), "   ")
    replies = service.handle(who("r.ahmed"), "pupil_contact")
    assert FORMS.get("pupil_contact").title in shown(replies)


def test_a_huge_message_is_refused_as_too_long_not_processed(service: ChatService) -> None:
    service.handle(who("r.ahmed"), "hello")
    for name in ("huge_100kb", "huge_single_word"):
        text = shown(service.handle(who("r.ahmed"), BY_NAME[name].text))
        assert "characters long" in text and str(service.conversation.max_length) in text
    with service.store.transaction() as tx:
        assert tx.outbox.list() == [] and tx.reports.list() == []


def test_a_stranger_is_not_identified_so_nothing_they_send_is_read(service: ChatService) -> None:
    from bot.core.service import PlatformUser

    for hostile in CORPUS[:5]:
        assert service.identify(PlatformUser("slack", "T1", hostile.text or "U0", email=hostile.text or None)) is None


# -- inside a form: every answer type meets every hostile message -----------------------------------------


@pytest.mark.parametrize("form_id", sorted(FORMS.forms))
def test_hostile_answers_inside_every_form_never_crash_and_state_stays_json(service: ChatService,
                                                                           form_id: str) -> None:
    me = who("r.ahmed")
    service.handle(me, "report")
    service.handle(me, form_id)
    for hostile in CORPUS:
        if hostile.name.startswith("forged_") or hostile.name == "command_with_huge_reference":
            continue  # commands are tested below; here every message must reach the form
        replies = service.handle(me, hostile.text)
        assert replies, hostile.name
        state = service.conversation.dialogues.get(me.key)
        if state is None:  # the form ended (sent, or cancelled by a word in the corpus): start it again
            service.handle(me, "report")
            service.handle(me, form_id)
        else:
            json.dumps(state)
    with service.store.transaction() as tx:
        for report in tx.reports.list():  # anything sent on the way was stored cleanly
            json.dumps(report.answers)
            assert all("\x00" not in str(v) for v in report.answers.values())


# -- forged commands and button payloads -----------------------------------------------------------------


def submit_pupil_contact(service: ChatService) -> str:
    report = service.conversation.desk.submit(
        Submitted(form_id="pupil_contact", answers={"what": SECRET}, urgent=False, subjects=(),
                  summary=(("What happened", SECRET),)),
        reporter_id="r.ahmed", school_id="riverside")
    return report.reference


@pytest.mark.parametrize("verb", ["show", "open", "ack", "acknowledge", "approve", "decline", "close"])
def test_a_forged_command_on_someone_elses_report_is_refused_audited_and_leaks_nothing(
        service: ChatService, verb: str) -> None:
    reference = submit_pupil_contact(service)
    intruder = who("h.li")
    service.handle(intruder, "hello")
    replies = service.handle(intruder, f"{verb} {reference.lower()} because I say so")
    text = shown(replies)
    assert SECRET not in text and "What happened" not in text
    assert reference in text  # the refusal names what was refused
    trail = service.conversation.desk.audit_trail(reference)
    assert ("h.li", "refused") in [(actor, action) for _, actor, action in trail]
    with service.store.transaction() as tx:
        report = tx.reports.get(reference)
        assert report is not None and report.status == "submitted" and report.acknowledged_by is None
        assert not [m for m in tx.outbox.list(recipient_id="h.li")]


def test_forged_commands_for_reports_that_do_not_exist_say_so(service: ChatService) -> None:
    service.handle(who("h.li"), "hello")
    for name in ("forged_show_command", "forged_ack_command", "forged_approve_command", "forged_close_command",
                 "command_with_huge_reference"):
        text = shown(service.handle(who("h.li"), BY_NAME[name].text))
        assert "There is no report" in text, name


# -- the console (piped standard input) and the command line ----------------------------------------------


def test_the_console_reads_the_whole_corpus_piped_in(tmp_path: Path) -> None:
    lines = "\n".join(h.text for h in CORPUS if "\n" not in h.text and "\r" not in h.text)
    out = io.StringIO()
    assert run_console(as_staff="r.ahmed", stdin=io.StringIO(lines + "\n"), stdout=out,
                       database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", clock=lambda: NOW) == 0
    assert "characters long" in out.getvalue() and "Traceback" not in out.getvalue()


def test_the_console_process_survives_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
           "PYTHONIOENCODING": "utf-8:strict", "POLICYBOT_HOME": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "bot", "chat", "--as", "r.ahmed"], cwd=ROOT, env=env,
                          input=b"can I \xff\xfe follow a \x00 parent?\n\xc3\x28\nquit\n", capture_output=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert b"Traceback" not in proc.stderr


@pytest.mark.parametrize("hostile", CORPUS, ids=lambda h: h.name)
def test_ask_answers_every_hostile_question_with_the_json_contract(hostile: Hostile,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", hostile.text]) == 0
    out = capsys.readouterr().out
    answer = json.loads(out)
    assert set(answer) == {"answered", "escalate", "form", "intent", "answer", "clauses"}
    assert answer["answer"].strip()


def test_ask_batch_with_odd_lines_answers_each_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "odd.txt"
    batch.write_bytes(b"\xef\xbb\xbfcan I follow a parent?\r\n"  # a byte-order mark and Windows line ends
                      b"\r\n   \r\n"  # blank lines are skipped
                      b"a pupil \xff\xfe added me\x00 on insta\r\n"  # not UTF-8, a NUL byte
                      + "\u202eevil\u202c \U0001F600\n".encode() + b"x" * 100_000 + b"\n"
                      b"no newline at the end")
    assert main(["ask", "--batch", str(batch), "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    answers = [json.loads(line) for line in lines]
    assert answers[0]["answered"] and answers[1]["form"] == "pupil_contact"
    assert all(a["answer"].strip() for a in answers)


def test_ask_batch_of_a_binary_or_missing_file_is_a_clear_error(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--batch", str(tmp_path / "missing.txt"), "--json"]) == 2
    assert "cannot read" in capsys.readouterr().err
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 40)
    assert main(["ask", "--batch", str(binary), "--json"]) == 0
    for line in capsys.readouterr().out.splitlines():
        assert "answer" in json.loads(line)


# -- malformed configuration: `policybot check` names file and line ---------------------------------------

MALFORMED = {
    "tab_indent": "name: x\n\tstaff: []\n",
    "unclosed_quote": 'name: "Riverside\nstaff: []\n',
    "list_not_mapping": "- just\n- a list\n",
    "binary": "\x00\x01\x02garbage",
    "bad_anchor": "name: *nothing\n",
}


def copy_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    for name in ("intents", "policy_text", "school"):
        shutil.copytree(ROOT / name, home / name)
    return home


@pytest.mark.parametrize(("target", "kind"), [
    ("school/demo-school.yaml", "tab_indent"), ("school/demo-school.yaml", "binary"),
    ("intents/questions/a_pupils.yaml", "unclosed_quote"), ("intents/questions/a_pupils.yaml", "list_not_mapping"),
    ("intents/forms/pupil_contact.yaml", "bad_anchor"), ("intents/forms/pupil_contact.yaml", "binary"),
    ("intents/reports.yaml", "list_not_mapping"), ("intents/reports.yaml", "unclosed_quote"),
])
def test_malformed_yaml_is_reported_with_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       target: str, kind: str) -> None:
    home = copy_home(tmp_path)
    (home / target).write_text(MALFORMED[kind], encoding="utf-8")
    monkeypatch.setenv("POLICYBOT_HOME", str(home))
    monkeypatch.delenv("POLICYBOT_SCHOOL", raising=False)
    out = io.StringIO()
    assert run_checks(out=out) == 1
    report = out.getvalue()
    assert f"{Path(target).name}" in report and "FAIL" in report and "Traceback" not in report
    failures = [line for line in report.splitlines() if line.startswith("FAIL") and Path(target).name in line]
    assert failures and all(":" in line for line in failures)
    if kind in ("tab_indent", "unclosed_quote", "bad_anchor"):  # YAML syntax errors have a line to point at
        assert any(f"{Path(target).name}:" in line for line in failures), report


# -- malformed policy files: `policybot ingest` says what is wrong -----------------------------------------

BAD_POLICIES = {
    "empty.txt": b"",
    "blank.md": b"\n\n   \n",
    "binary.txt": bytes(range(256)) * 20,
    "garbage.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 10,
    "not-a-pdf.pdf": b"hello, I am text",
    "garbage.docx": b"PK\x03\x04" + bytes(range(256)) * 10,
    "policy.exe": b"MZ\x90\x00",
}


@pytest.mark.parametrize("name", sorted(BAD_POLICIES))
def test_malformed_policy_files_get_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_POLICIES[name])
    assert main(["ingest", str(path), "--id", "bad-policy", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("policybot: ") and name in err and " - " in err  # what is wrong, then what to do
    assert not (tmp_path / "out" / "bad-policy.yaml").exists()


def test_a_policy_of_hostile_text_ingests_without_losing_or_inventing_text(tmp_path: Path) -> None:
    body = "\n\n".join(f"{n}. {sanitise(h.text)[:200]}" for n, h in enumerate(CORPUS, 1) if sanitise(h.text))
    path = tmp_path / "hostile.txt"
    path.write_text("Hostile Policy\n\n" + body + "\n", encoding="utf-8")
    assert main(["ingest", str(path), "--id", "hostile", "--out", str(tmp_path / "out")]) == 0
    stored = yaml.safe_load((tmp_path / "out" / "hostile.yaml").read_text(encoding="utf-8"))
    assert stored["clauses"]
