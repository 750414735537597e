"""Property-based tests (hypothesis) of the parts that read what people write: the policy ingester, the answer
engine and the conversation with its forms. Whatever the input, they never crash, keep their contracts and
invent nothing. Example counts are modest so the suite stays fast."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.answer.build import build_engine
from bot.channels.console import render
from bot.core.conversation import Who
from bot.core.inbox import ConsoleInboxDeliverer
from bot.core.replies import Choices, Quote, Summary, Text
from bot.core.service import ChatService, build_chat_service
from bot.errors import IngestError
from bot.forms import DialogueKey, load_forms
from bot.ingest import ingest_file
from bot.school import load_school
from bot.staff import sync_from_school
from bot.store import open_store
from bot.topics import TopicTagger

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
FORMS = load_forms()
ENGINE = build_engine()
TAGGER = TopicTagger.load()
HOSTILE = [e["text"][:500] for e in yaml.safe_load((ROOT / "tests" / "data" / "hostile_inputs.yaml")
                                                   .read_text(encoding="utf-8"))["inputs"]]
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text as people type it: any characters, and words the bot knows, in any mix.
WORDS = st.sampled_from(["pupil", "parent", "friend", "request", "instagram", "follow", "photo", "report", "DSL",
                         "can", "I", "a", "the", "?", "yr 9", "insta", "bullying", "school", "staff", "policy"])
SENTENCE = st.lists(WORDS, min_size=0, max_size=12).map(" ".join)
ANY_TEXT = st.one_of(st.text(max_size=300), SENTENCE, st.sampled_from(HOSTILE))


# -- the answer engine -------------------------------------------------------------------------------------


@PROPERTY
@given(question=ANY_TEXT, top=st.integers(min_value=1, max_value=5))
def test_the_engine_answers_any_text_with_the_json_contract(question: str, top: int) -> None:
    answer = ENGINE.ask(question, top=top)
    data = json.loads(json.dumps(answer.to_json(), ensure_ascii=False))
    assert set(data) == {"answered", "escalate", "form", "intent", "answer", "clauses"}
    assert isinstance(data["answered"], bool) and isinstance(data["escalate"], bool)
    assert data["form"] is None or data["form"] in FORMS.forms
    assert data["answer"].strip()
    assert len(data["clauses"]) <= top
    for clause in data["clauses"]:
        assert set(clause) == {"policy", "title", "ref", "text", "score"} and clause["text"].strip()
    if not data["answered"]:
        assert data["clauses"] == []


# -- the ingester ------------------------------------------------------------------------------------------

LINE = st.one_of(
    SENTENCE,
    st.builds(lambda n, s: f"{n}. {s}", st.integers(1, 30), SENTENCE),
    st.builds(lambda s: f"- {s}", SENTENCE),
    st.builds(lambda s: f"# {s}", SENTENCE),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="-"), max_size=80),
)


def _words(text: str) -> set[str]:
    """Words without underscores: ingest reads "__bold__" as Markdown emphasis and keeps "bold"."""
    return set(re.findall(r"[^\W_]+", text.casefold()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LINE, min_size=0, max_size=25))
@example(lines=["Social Media Policy", "1. Staff must not accept friend requests from pupils.",
                "2. Staff report any contact from a pupil to the DSL.", "- Keep screenshots"])
@example(lines=["·"])  # a bullet with no text once became a clause with none
@example(lines=["__0__"])  # Markdown emphasis markers are not words
def test_ingesting_any_text_fails_clearly_or_keeps_only_the_documents_words(lines: list[str]) -> None:
    document = "\n".join(lines)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.txt"
        path.write_text(document, encoding="utf-8")
        try:
            policy = ingest_file(path, policy_id="generated", tagger=TAGGER)
        except IngestError as error:
            assert " - " in str(error), "an ingest error says what to do about it"
            return
    source = _words(document)
    assert policy.clauses
    for clause in policy.clauses:
        assert clause.text.strip()
        assert _words(clause.text) <= source, f"clause {clause.ref} has words the document does not"
    assert len({c.ref for c in policy.clauses}) == len(policy.clauses)


# -- the conversation (the core every channel calls) -------------------------------------------------------
# (The dialogue engine alone has its own property test in test_dialogue_engine.py; this one drives the whole
# core, with its store: offers, the picker, forms, commands and questions in any order.)

@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatService]:
    """One bot for every example: whatever state one sequence leaves is where the next starts."""
    with open_store(f"sqlite:///{tmp_path_factory.mktemp('properties') / 'db.sqlite'}") as store:
        sync_from_school(store, config=load_school())
        yield build_chat_service(store, config=load_school(), engine=ENGINE, deliverer=ConsoleInboxDeliverer(store),
                                 clock=lambda: NOW)


PEOPLE = ["r.ahmed", "d.price", "h.li"]
COMMANDS = st.sampled_from(["report", "yes", "no", "none", "back", "skip", "cancel", "help", "send", "change", "1",
                            "2", "3", "99", "0", "yesterday 9pm", "tomorrow 10am", "https://example.com", "Emily",
                            "AB Y7", "what does the policy say?", "pending", "show PC-2026-0001", "ack PC-2026-0001",
                            "approve SC-2026-0001", "decline SC-2026-0001 no", "close PC-2026-0001 done", "", " ",
                            *sorted(FORMS.forms)])
MESSAGE = st.one_of(COMMANDS, COMMANDS, ANY_TEXT)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(person=st.sampled_from(PEOPLE), messages=st.lists(MESSAGE, min_size=1, max_size=15))
def test_any_sequence_of_messages_gets_replies_and_keeps_the_state_sound(service: ChatService, person: str,
                                                                        messages: list[str]) -> None:
    who = Who(staff_id=person, school_id="riverside", key=DialogueKey("console", "riverside", person))
    for message in messages:
        replies = service.handle(who, message)
        assert replies, f"no reply to {message!r}"
        assert all(isinstance(r, (Text, Choices, Summary, Quote)) for r in replies)
        "\n".join(render(r) for r in replies).encode("utf-8")
        state = service.conversation.dialogues.get(who.key)
        if state is not None:
            json.dumps(state, allow_nan=False)
            assert state["form"] in FORMS.forms
