"""Guided reports driven through the console channel, as staff would: scripted input, rendered output.

Every form is walked end to end (with `back`, and `skip` on its optional steps); then a recipient's
console shows the alert, they acknowledge it, and the reporter's console shows that. Separate tests
cover cancel, a mid-form question, an invalid answer re-asked, a restart that resumes at the same step,
and that no report text reaches the logs.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.console import run_console
from bot.forms import DialogueKey, Step, load_forms
from bot.store import open_store
from bot.store.dialogue_repo import DatabaseDialogueStateStore

FORMS = load_forms()
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday in term
SECRET = "Zqx private detail"
REFERENCE = re.compile(r"reference ([A-Z]{2,4}-2026-\d{4})")


class Console:
    """Runs `policybot chat --as` over one database, as often as a test likes (each run a new process's
    worth of objects: nothing but the database carries over)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._dialogues = DatabaseDialogueStateStore(open_store(url))

    def run(self, staff_id: str, lines: list[str] | Iterator[str], *, at: datetime = NOW) -> str:
        out = io.StringIO()
        feed = iter(lines)

        class Input(io.StringIO):
            """stdin whose next line may depend on what the bot saved after the previous one."""

            def readline(self, size: int | None = -1) -> str:  # noqa: ARG002 - the io signature
                line = next(feed, None)
                return "" if line is None else line + "\n"

        assert run_console(as_staff=staff_id, stdin=Input(), stdout=out, database_url=self.url,
                           clock=lambda: at) == 0
        return out.getvalue()

    def state(self, staff_id: str) -> dict | None:
        return self._dialogues.get(DialogueKey("console", "riverside", staff_id))


@pytest.fixture
def console(tmp_path: Path) -> Console:
    return Console(f"sqlite:///{tmp_path / 'policybot.db'}")


def answer_for(step: Step) -> str:
    if step.type in ("choice", "multi_choice"):
        return step.options[0].value
    return {
        "text": f"{SECRET} for {step.id}",
        "yes_no": "no",
        "datetime": "tomorrow 10am" if step.tense == "future" else "yesterday 9pm",
        "url": "https://example.com/page",
        "staff": "Emily Clarke",
        "pupil": "AB Y7",
    }[step.type]


def fill(console: Console, staff_id: str, form_id: str, *, start: bool = True,
         stop_after: int | None = None) -> Iterator[str]:
    """Start the form from the picker and answer every step: `back` once after the first answer, `skip`
    on optional steps, then send. `stop_after` answers that many steps and stops (a closed terminal)."""
    if start:
        yield "report"
        yield form_id
    backed, answered, seen = False, 0, 0
    while True:
        seen += 1
        assert seen < 80, "the form never reached its summary"
        state = console.state(staff_id)
        assert state is not None and state["form"] == form_id
        if state["stage"] == "confirm":
            yield "send"
            return
        if stop_after is not None and answered == stop_after:
            return
        step = FORMS.get(form_id).step(state["step"])
        assert step is not None
        yield "skip" if step.optional else answer_for(step)
        answered += 1
        if not backed:
            backed = True
            yield "back"


@pytest.mark.parametrize("form_id", sorted(FORMS.forms))
def test_every_form_end_to_end_through_the_console(console: Console, form_id: str):
    out = console.run("r.ahmed", fill(console, "r.ahmed", form_id))
    assert "Before you start: how this bot uses your information" in out  # the first time only
    assert "please check before sending" in out
    reference = REFERENCE.search(out.replace("\n", " ")).group(1)
    assert reference.startswith(FORMS.get(form_id).ref_prefix)
    assert console.state("r.ahmed") is None
    with open_store(console.url) as store, store.transaction() as tx:
        report = tx.reports.get(reference)
    assert report is not None and report.reporter_id == "r.ahmed"
    if report.approval:  # the first approver decides; otherwise the first recipient acknowledges
        recipient, act = report.approval["chain"][0], f"approve {reference}"
    else:
        recipient, act = report.routed_to[0], f"ack {reference}"
    seen = console.run(recipient, [f"show {reference}", act])
    assert "--- message for you ---" in seen and reference in seen and "Rashid Ahmed" in seen
    assert f"{reference}: {FORMS.get(form_id).title}" in seen  # the report opened
    back = console.run("r.ahmed", [])
    assert "--- message for you ---" in back and reference in back
    assert "Before you start" not in back


def test_restart_mid_form_resumes_at_the_same_step(console: Console):
    console.run("e.clarke", fill(console, "e.clarke", "cyberbullying", stop_after=3))
    state = console.state("e.clarke")
    assert state is not None
    step = FORMS.get("cyberbullying").step(state["step"])
    resumed = console.run("e.clarke", [])
    assert "Welcome back. You were filling in: Report cyberbullying or trolling of staff." in resumed
    assert step.prompt.splitlines()[0] in resumed
    assert console.state("e.clarke")["step"] == step.id
    out = console.run("e.clarke", fill(console, "e.clarke", "cyberbullying", start=False))
    assert "Sent: Report cyberbullying or trolling of staff, reference CB-2026-0001" in out.replace("\n", " ")


def test_cancel_ends_the_form_without_a_report(console: Console):
    out = console.run("r.ahmed", ["report", "media_enquiry", "both", "cancel"])
    assert "Cancelled: nothing was sent" in out and console.state("r.ahmed") is None
    with open_store(console.url) as store, store.transaction() as tx:
        assert tx.reports.list() == []


def test_a_question_mid_form_is_answered_and_the_form_resumes(console: Console):
    out = console.run("r.ahmed", ["report", "pupil_contact", "friend_request", "Instagram",
                                  "can I accept a friend request from a pupil?"])
    assert "  > " in out  # a quoted clause
    assert "Back to your report (Report contact from a pupil on social media):" in out
    assert console.state("r.ahmed")["step"] == "who"


def test_an_invalid_answer_is_re_asked(console: Console):
    lines = ["report", "pupil_contact", "friend_request", "Instagram", "current_pupil", "AB Y7", "banana"]
    out = console.run("r.ahmed", lines)
    assert "I couldn't read that as a date or time." in out
    assert console.state("r.ahmed")["step"] == "when"


def test_choosing_a_number_from_the_picker_and_from_the_offer(console: Console):
    out = console.run("r.ahmed", ["report", "10"])
    assert "OK, no report." in out
    offered = console.run("r.ahmed", ["a pupil sent me a friend request on instagram", "1"])
    assert "Report contact from a pupil on social media" in offered and console.state("r.ahmed") is not None


def test_report_text_never_reaches_the_logs(console: Console, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    out = console.run("h.li", fill(console, "h.li", "safeguarding_concern"))
    reference = REFERENCE.search(out.replace("\n", " ")).group(1)
    shown = console.run("d.price", [f"show {reference}", f"ack {reference}", f"close {reference} done"])
    assert SECRET in shown  # the DSL read it...
    assert caplog.records and SECRET not in caplog.text  # ...and nothing logged it


def test_a_subject_is_refused_in_the_console_and_the_refusal_audited(console: Console):
    out = console.run("r.ahmed", fill(console, "r.ahmed", "staff_conduct_concern"))
    reference = REFERENCE.search(out.replace("\n", " ")).group(1)
    refused = console.run("e.clarke", [f"show {reference}"])  # the colleague the concern is about
    messages = refused.split("You can't read")[0].split("--- message for you ---")[1:]
    assert "You can't read" in refused and not any(reference in m for m in messages)
    with open_store(console.url) as store, store.transaction() as tx:
        assert ("e.clarke", "refused") in [(e.actor_id, e.action) for e in tx.audit.trail(reference)]



def test_an_offer_answered_after_a_restart_still_starts_the_form(console: Console):
    console.run("r.ahmed", ["a pupil sent me a friend request on instagram"])
    out = console.run("r.ahmed", ["yes"])
    assert "Report contact from a pupil on social media" in out and console.state("r.ahmed") is not None


def test_a_number_after_an_alert_opens_the_report(console: Console):
    console.run("d.price", [])  # the DSL has used the bot before
    out = console.run("r.ahmed", fill(console, "r.ahmed", "pupil_contact"))
    reference = REFERENCE.search(out.replace("\n", " ")).group(1)
    seen = console.run("d.price", ["1"])  # "1" picks "Open it" from the alert's choices
    assert seen.index("--- message for you ---") < seen.index(f"{reference}: Report contact")


def test_an_urgent_report_nobody_acknowledges_reaches_the_deputy_dsl(console: Console):
    lines = ["report", "safeguarding_concern", "yes", "yes"]  # a child may be at risk now; the DSL was told
    out = console.run("h.li", itertools.chain(lines, fill(console, "h.li", "safeguarding_concern", start=False)))
    reference = REFERENCE.search(out.replace("\n", " ")).group(1)
    assert "Escalated" not in console.run("p.nair", [], at=NOW + timedelta(minutes=10))
    late = console.run("p.nair", [f"ack {reference}"], at=NOW + timedelta(minutes=16))
    assert "Escalated to you" in late and f"Acknowledged {reference}" in late
    assert "acknowledged by" in console.run("h.li", [], at=NOW + timedelta(minutes=17))


def test_someone_not_entitled_is_refused_show_in_the_chat_and_it_is_audited(console: Console):
    out = console.run("r.ahmed", fill(console, "r.ahmed", "pupil_contact"))
    reference = REFERENCE.search(out.replace("\n", " ")).group(1)
    refused = console.run("k.dawson", [f"show {reference}"])  # the school office: not sent it
    assert "You can't read" in refused and "recorded" in refused and SECRET not in refused
    with open_store(console.url) as store, store.transaction() as tx:
        assert ("k.dawson", "refused") in [(e.actor_id, e.action) for e in tx.audit.trail(reference)]


def test_a_copied_head_reads_in_the_chat_but_ack_is_refused(console: Console):
    out = console.run("r.ahmed", fill(console, "r.ahmed", "pupil_contact"))
    reference = REFERENCE.search(out.replace("\n", " ")).group(1)
    seen = console.run("a.whitfield", [f"show {reference}", f"ack {reference}"])
    assert "For your information" in seen and f"{reference}: Report contact" in seen
    assert "copied on" in seen and f"Acknowledged {reference}" not in seen
