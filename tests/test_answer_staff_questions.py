"""The answer engine on 405 staff questions written apart from it: a floor under how well it generalises.

tests/data/staff_questions/ holds eight sets in the development set's format, each written from the seed
policies by someone who had not seen the intents or the engine, in the mix of topics and styles staff use
(stories, typos, fragments, formal questions, out-of-scope ones). The scoring follows the development set's
(`../shared/eval/score.py`): a clause is a hit when an expected snippet appears in it, after normalising.

Each set was scored unseen first, then used while improving the engine (misses became intent examples,
vocabulary and risk signals), so they are no longer a measure of unseen questions; they guard against losing
what was gained. The floors sit a little under the figures measured when they were set (sets 1-8: answered
95%, right clause first 63%, in the first three 78%, forms 86%, 47 of 49 out-of-scope refused).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.answer.build import build_engine
from bot.answer.engine import AnswerEngine

SETS = sorted((Path(__file__).parent / "data" / "staff_questions").glob("set*.yaml"))


def _norm(text: str) -> str:
    text = (text or "").lower()
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("*", "")):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def results() -> list[tuple[dict, object]]:
    engine: AnswerEngine = build_engine()
    items = [item for path in SETS for item in yaml.safe_load(path.read_text(encoding="utf-8"))]
    return [(item, engine.ask(item["q"])) for item in items]


def test_the_sets_are_there(results) -> None:
    assert len(SETS) == 8 and len(results) == 405


def test_in_scope_questions_are_answered_with_the_right_clause(results) -> None:
    in_scope = [(item, answer) for item, answer in results if item["expect"].get("clauses")]
    first = top3 = answered = 0
    for item, answer in in_scope:
        wanted = [_norm(c["text"]) for c in item["expect"]["clauses"]]
        got = [_norm(c.clause.text) for c in answer.clauses]
        answered += answer.answered
        first += bool(got) and any(w in got[0] for w in wanted)
        top3 += any(w in g for g in got[:3] for w in wanted)
    n = len(in_scope)
    assert answered / n >= 0.93, f"answered {answered}/{n}"
    assert first / n >= 0.60, f"right clause first {first}/{n}"
    assert top3 / n >= 0.76, f"right clause in the first three {top3}/{n}"


def test_out_of_scope_questions_are_refused(results) -> None:
    """Two admin questions still read as in scope ("can my payslip be emailed to my personal email account"):
    the engine cannot yet tell an email about pay from staff's personal details online."""
    answered = [item["q"] for item, answer in results if item["expect"].get("answered") is False and answer.answered]
    assert len(answered) <= 2, answered


def test_every_child_at_risk_escalates_and_nothing_else_does(results) -> None:
    missed = [item["q"] for item, answer in results if item["expect"].get("escalate") is True and not answer.escalate]
    false = [item["q"] for item, answer in results if item["expect"].get("escalate") is not True and answer.escalate]
    assert (missed, false) == ([], [])


def test_the_report_form_offered_is_the_expected_one(results) -> None:
    with_form = [(item, answer) for item, answer in results if item["expect"].get("form")]
    right = sum(answer.form == item["expect"]["form"] for item, answer in with_form)
    assert right / len(with_form) >= 0.84, f"{right}/{len(with_form)}"
