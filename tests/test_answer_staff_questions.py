"""The answer engine on 815 staff questions written apart from it: a floor under how well it generalises.

tests/data/staff_questions/ holds fifteen sets in the development set's format, each written from the seed
policies by someone who had not seen the intents or the engine, in the mix of topics and styles staff use
(stories, typos, fragments, formal questions, out-of-scope ones). The scoring follows the development set's
(`../shared/eval/score.py`): a clause is a hit when an expected snippet appears in it, after normalising.

The sets come in three groups with floors of their own, each a little under the figures measured when it was set:
- sets 1-8 were scored unseen first, then used while improving the engine (misses became intent examples,
  vocabulary and risk signals), so they are no longer a measure of unseen questions; they guard against losing
  what was gained (answered 97%, right clause first 66%, in the first three 81%, forms 88%, 47 of 49
  out-of-scope refused);
- sets 9-12 are the newest and were barely tuned on, only their missed escalations became risk signals: they
  show what a new writer's questions get (answered 89%, right clause first 47%, in the first three 61%, forms
  66%, 30 of 34 out-of-scope refused), and every child at risk among them escalates;
- set 13 came later still, scored unseen first: answered 92%, right clause first 74%, in the first three 84%,
  forms 15 of 19, 6 of 10 out-of-scope refused, and 4 of its 6 children at risk escalated. The two it missed (a
  gaming contact asking a boy to go on camera with his top off for V-Bucks; a Telegram channel sending boys
  bomb-making videos) became risk signals, written for the kind of danger rather than those words, and nothing
  else was tuned on it.

Since then the third clause goes to the runner-up intent when it is a close second reading (the engine's
RUNNER_UP_GAP), which raised "in the first three" on every group and nothing else: sets 1-8 from 81% to 84%,
sets 9-12 from 61% to 68%, set 13 from 88% to 90%; the floors on it rose with it.

Set 14 came last, scored unseen first: answered 88%, right clause first 50%, in the first three 68%, forms 14 of
24, all 10 out-of-scope refused, 5 of its 6 children at risk escalated. The one missed (a Year 11 girl sending a
trainee a topless photo) became a risk signal for any sexual image, topless or semi-naked included; it offers the
safeguarding form, as every other child at risk does (the set expected pupil_contact: both reach the DSL at
once). Its other misses added words, written for the kind of thing rather than the question: abuse of a member
of staff ("groomer", snide comments, quote-tweeting), violent or disturbing material (a graphic fight video) and
an account for part of the school (a TikTok for the choir). After them: answered 92%, first 56%, first three 76%,
forms 17 of 24, and sets 1-13 lost nothing.

Set 15, written after that and scored unseen: answered 92%, right clause first 56%, in the first three 72%, forms
15 of 25, 8 of 10 out-of-scope refused, 5 of 6 children at risk escalated and one false escalation. The missed one
(a pupil's Snapchat story holding a knife: another boy is "getting shanked after school") became a risk signal for
a knife shown off or a stabbing promised; the false one (a supply teacher asked for essay help by a 17-year-old
from her last school: "she's not a pupil here") made the adult-contact signal read the message without the
writer's description of themselves. A question about pupils on a VPN, refused, added the ways round a filter
(VPNs, proxies, hotspots) to the vocabulary. After them: answered 96%, first 60%, first three 78%, forms 17 of 25,
6 of 6 escalated, none falsely; nothing else was tuned on it. (Later, reading a leavers' assembly or video as
being about pupils still at the school, not former pupils, cost it one question in the first three: 76%.)

Last, misses in sets 8, 11 and 12 became vocabulary too: the ways children pick on one another online, a blocked
site with a way asked for, money offered for content, a leavers' event, name-calling, violent material. So sets
9-12 are no longer unseen either (answered 92%, first 53%, first three 73%, forms 66 of 86 after it, from 90%,
50%, 71% and 59 of 86); the measure of questions nobody has tuned on is sets 14 and 15 as first scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.answer.build import build_engine
from bot.answer.engine import AnswerEngine

FOLDER = Path(__file__).parent / "data" / "staff_questions"


@dataclass(frozen=True)
class Group:
    """Some of the sets, and the floors under the engine's figures on them."""

    name: str
    numbers: range
    questions: int
    answered: float
    first: float
    top3: float
    forms: float
    out_of_scope_answered: int
    false_escalations: int


WORKED = Group("sets 1-8", range(1, 9), questions=405, answered=0.93, first=0.60, top3=0.82, forms=0.84,
               out_of_scope_answered=2, false_escalations=0)
# The two false escalations are judgement calls: an outside coach texting pupils from her own phone ("nothing
# dodgy in the messages") and pupils' sexual comments about a teacher, both taken as needing the Head at once.
NEWEST = Group("sets 9-12", range(9, 13), questions=230, answered=0.90, first=0.50, top3=0.70, forms=0.72,
               out_of_scope_answered=5, false_escalations=2)
SET_13 = Group("set 13", range(13, 14), questions=60, answered=0.94, first=0.76, top3=0.88, forms=0.84,
               out_of_scope_answered=4, false_escalations=0)
SET_14 = Group("set 14", range(14, 15), questions=60, answered=0.90, first=0.54, top3=0.74, forms=0.66,
               out_of_scope_answered=1, false_escalations=0)
SET_15 = Group("set 15", range(15, 16), questions=60, answered=0.92, first=0.54, top3=0.72, forms=0.60,
               out_of_scope_answered=2, false_escalations=0)


def _norm(text: str) -> str:
    text = (text or "").lower()
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("*", "")):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def engine() -> AnswerEngine:
    return build_engine()


@pytest.fixture(scope="module", params=[WORKED, NEWEST, SET_13, SET_14, SET_15], ids=lambda group: group.name)
def scored(request: pytest.FixtureRequest, engine: AnswerEngine) -> tuple[Group, list[tuple[dict, object]]]:
    group: Group = request.param
    items = [item for n in group.numbers
             for item in yaml.safe_load((FOLDER / f"set{n}.yaml").read_text(encoding="utf-8"))]
    return group, [(item, engine.ask(item["q"])) for item in items]


def test_the_sets_are_there(scored) -> None:
    group, results = scored
    assert len(results) == group.questions
    assert sorted(FOLDER.glob("set*.yaml")) == sorted(FOLDER / f"set{n}.yaml" for n in range(1, 16))


def test_in_scope_questions_are_answered_with_the_right_clause(scored) -> None:
    group, results = scored
    in_scope = [(item, answer) for item, answer in results if item["expect"].get("clauses")]
    first = top3 = answered = 0
    for item, answer in in_scope:
        wanted = [_norm(c["text"]) for c in item["expect"]["clauses"]]
        got = [_norm(c.clause.text) for c in answer.clauses]
        answered += answer.answered
        first += bool(got) and any(w in got[0] for w in wanted)
        top3 += any(w in g for g in got[:3] for w in wanted)
    n = len(in_scope)
    assert answered / n >= group.answered, f"answered {answered}/{n}"
    assert first / n >= group.first, f"right clause first {first}/{n}"
    assert top3 / n >= group.top3, f"right clause in the first three {top3}/{n}"


def test_out_of_scope_questions_are_refused(scored) -> None:
    """Some admin questions still read as in scope ("can my payslip be emailed to my personal email account"):
    the engine cannot yet tell an email about pay from staff's personal details online."""
    group, results = scored
    answered = [item["q"] for item, answer in results if item["expect"].get("answered") is False and answer.answered]
    assert len(answered) <= group.out_of_scope_answered, answered


def test_every_child_at_risk_escalates(scored) -> None:
    group, results = scored
    missed = [item["q"] for item, answer in results if item["expect"].get("escalate") is True and not answer.escalate]
    false = [item["q"] for item, answer in results if item["expect"].get("escalate") is not True and answer.escalate]
    assert missed == []
    assert len(false) <= group.false_escalations, false


def test_the_report_form_offered_is_the_expected_one(scored) -> None:
    group, results = scored
    with_form = [(item, answer) for item, answer in results if item["expect"].get("form")]
    right = sum(answer.form == item["expect"]["form"] for item, answer in with_form)
    assert right / len(with_form) >= group.forms, f"{right}/{len(with_form)}"
