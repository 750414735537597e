"""The answer engine: question in, cited answer (or an honest refusal) out.

How a question is answered:
1. The text is normalised and expanded with the staff vocabulary (`text.py`).
2. Risk rules decide whether a child may be at risk now (`risk.py`); if so the reply opens by
   telling the user to speak to the DSL now, by name, and offers the matching report.
3. The question is matched against the curated intents' example phrasings (TF-IDF cosine on
   stems and bigrams, best example and intent centroid together). A confident match answers
   with the intent's plain-English answer and the clauses that support it: clauses tagged
   with the intent's topics, ordered by how well they fit the intent's `about` text and the
   question, with `prefer`red clauses of loaded policies first.
4. With no confident intent, retrieval over every clause answers with the closest clauses
   when they are close enough; otherwise the reply says the policies do not cover it and
   names who to ask. "Out of scope" intents recognise common questions the policies never
   cover (the wifi password, leave) so that they are refused rather than half-matched.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from bot.answer.index import Postings, TfIdfIndex, Vector, features
from bot.answer.intents import Intent
from bot.answer.messages import Messages
from bot.answer.risk import RiskAssessment, RiskRules
from bot.answer.text import Speller, Vocabulary, clean, content_stems, words
from bot.policies.model import Clause, Policy
from bot.policies.titles import display_titles

MAX_QUESTION_CHARS = 2000  # longer text is truncated for matching; nobody's question is longer

# Calibrated on development questions and checked on phrasings and question sets written apart from the
# intents (tests/test_answer_engine.py, tests/test_answer_staff_questions.py).
INTENT_THRESHOLD = 0.32
INTENT_MARGIN_THRESHOLD = 0.28  # a lower score still wins when it is well ahead of the runner-up
INTENT_MARGIN = 0.1  # how far ahead that is
RUNNER_UP_GAP = 0.15  # a runner-up intent this close to the best is a second reading: its clause comes third
# How much an intent's description counts in its score, beside its example phrasings: examples alone
# recognise the questions their authors foresaw; the description, read in the policies' vocabulary, also
# recognises new wordings of the same concern. Measured on 60 staff questions written apart from the engine,
# with the threshold below: in-scope questions answered 69% -> 94%, the right clause first 39% -> 52%, none
# of the out-of-scope ones answered. Out-of-scope intents are recognised by their examples only.
ABOUT_MATCH = 0.7
RETRIEVAL_THRESHOLD = 0.30
# A question with no word about online life (vocabulary.yaml `domain`) must match an intent this closely.
UNANCHORED_THRESHOLD = 0.45
TOPIC_FALLBACK_THRESHOLD = 0.12  # a clause found without its topic must fit the intent at least this well
COLLEAGUE_REPORT_THRESHOLD = 0.15  # how like a conduct report a message about a colleague must be
COLLEAGUE_RULE_THRESHOLD = 0.25  # how sure we must be of the rule it breaks to quote that rule too
ESCALATION_FORMS = ("safeguarding_concern", "staff_conduct_concern")


# A question asking what is allowed ("can a teacher follow pupils?") is not a report about a colleague.
_PERMISSION = re.compile(r"^(?:can|could|may|should|is it|are (?:we|staff|teachers)|am i|do|does|would|what|how)\b")


def _quotability(text: str) -> float:
    """How well a clause stands alone as a quote: a lone list item ("Instagram") or a lead-in
    ending in a colon ("Colleagues at the school shall:") says little without its neighbours."""
    factor = min(1.0, len(text.split()) / 8)
    return factor * 0.5 if text.rstrip().endswith(":") else factor


# A clause whose subject is someone other than staff ("Pupils will not ...", "Parents are able
# to ...") answers a staff question only when the intent is about those people.
_SUBJECT = re.compile(r"^(?:any |all )?(pupils?|students?|children|parents?|carers?)\b", re.IGNORECASE)
OTHER_SUBJECT_FACTOR = 0.75
# How much an intent's description of its clauses counts against the question's own words.
ABOUT_WEIGHT = 0.7
APPENDIX_FACTOR = 0.8


def _subject_fit(clause: Clause, about: str) -> float:
    """Down-weights appendix forms, and clauses addressed to pupils or parents when the intent is not."""
    factor = APPENDIX_FACTOR if _APPENDIX.match(clause.ref) else 1.0
    match = _SUBJECT.match(clause.text)
    if match and match.group(1).lower().rstrip("s")[:5] not in about:
        factor *= OTHER_SUBJECT_FACTOR
    return factor


_APPENDIX = re.compile(r"^[A-Z](?:¶|\(|$)")


@dataclass(frozen=True, slots=True)
class Contacts:
    """Who the answers name: from the school file, so every school's replies name its own people."""

    school: str
    dsl: str
    deputy_dsl: str
    head: str
    who_to_ask: str
    mash: str
    lado: str
    police: str = "999"


@dataclass(frozen=True, slots=True)
class ScoredClause:
    clause: Clause
    title: str
    score: float

    def to_json(self) -> dict[str, Any]:
        c = self.clause
        return {
            "policy": c.policy,
            "title": self.title,
            "ref": c.ref,
            "text": c.text,
            "score": round(self.score, 3),
        }


@dataclass(slots=True)
class Answer:
    """What the engine concluded; `text` is exactly what the user is shown."""

    answered: bool
    escalate: bool
    form: str | None
    intent: str | None
    text: str
    clauses: list[ScoredClause] = field(default_factory=list)
    risk: RiskAssessment | None = None

    def to_json(self) -> dict[str, Any]:
        """The fixed JSON contract of `policybot ask --json` (DESIGN.md)."""
        return {
            "answered": self.answered,
            "escalate": self.escalate,
            "form": self.form,
            "intent": self.intent,
            "answer": self.text,
            "clauses": [c.to_json() for c in self.clauses],
        }


class _Prepared:
    """A piece of text reduced to the features both indexes compare."""

    __slots__ = ("cleaned", "clause_fit", "clause_vector", "feats")

    def __init__(self, cleaned: str, feats: list[str]) -> None:
        self.cleaned = cleaned
        self.feats = feats
        # made when first needed (`AnswerEngine._clause_vector`, `_clause_fit`)
        self.clause_vector: Vector | None = None
        self.clause_fit: dict[int, float] | None = None


class AnswerEngine:
    """Built once per process from policies, intents and rules; `ask` is then cheap."""

    def __init__(
        self,
        *,
        policies: list[Policy],
        intents: list[Intent],
        vocabulary: Vocabulary,
        risk: RiskRules,
        messages: Messages,
        contacts: Contacts,
    ) -> None:
        self.policies = policies
        self.intents = intents
        self.vocabulary = vocabulary
        self.risk = risk
        self.messages = messages
        self.contacts = contacts
        self._titles = display_titles(policies)
        self._answers = [i.answer.format(**asdict(contacts)) for i in intents]  # naming this school's people
        self.clauses: list[Clause] = [c for p in policies for c in p.clauses]
        self._cleaned = [clean(c.text) for c in self.clauses]
        known = {w for text in self._cleaned for w in words(text)}
        known |= {w for i in intents for e in i.examples for w in words(clean(e))}
        self._speller = Speller(known)
        self._clause_index = TfIdfIndex(self._prepare(c.text, spell=False).feats for c in self.clauses)
        self._quality = [_quotability(c.text) for c in self.clauses]
        self._conduct = next(
            (
                n
                for n, i in enumerate(intents)
                if i.kind == "question" and i.form == "staff_conduct_concern" and "reporting_concerns" in i.topics
            ),
            None,
        )
        self._by_topic: dict[str, list[int]] = defaultdict(list)
        for n, c in enumerate(self.clauses):
            for t in c.topics:
                self._by_topic[t].append(n)
        example_feats: list[list[str]] = []
        self._example_intent: list[int] = []
        starts: list[int] = []  # each intent's examples are one run of the index, starting here
        for n, intent in enumerate(intents):
            starts.append(len(example_feats))
            for e in intent.examples:
                example_feats.append(self._prepare(e, spell=False).feats)
                self._example_intent.append(n)
        self._example_index = TfIdfIndex(example_feats)
        self._run_starts = np.array(starts, dtype=np.intp)
        # each intent's centroid, searched by a question's terms: one pass, not a cosine per intent
        self._centroids = Postings([self._centroid(n) for n in range(len(intents))])
        # The intent's description of its clauses counts twice as much as its examples.
        self._about = [
            self._clause_index.vector(self._prepare(f"{i.about} {i.about} {' '.join(i.examples)}", spell=False).feats)
            for i in intents
        ]
        # in-scope intents' descriptions, searched by a question's terms (`_intent_scores`)
        self._described = Postings([about if i.in_scope else {} for about, i in zip(self._about, intents, strict=True)])
        self._pins = [self._resolve_pins(i) for i in intents]
        self._about_text = [clean(i.about) for i in intents]
        self._about_fits: dict[int, dict[int, float]] = {}  # intent -> its description's fit with each clause

    # -- preparation -------------------------------------------------------------------------
    def _prepare(self, text: str, *, spell: bool = True) -> _Prepared:
        """Features of the text itself (with bigrams) plus those of its vocabulary expansions.

        Each canonical phrase brings its own words and bigrams but is not paired with its
        neighbours, so "fb" adds "facebook" without inventing pairs like "fb_facebook".
        """
        cleaned = clean(text[:MAX_QUESTION_CHARS])
        toks = words(cleaned)
        if spell:
            toks = [self._speller.correct(t) for t in toks]
        feats = features(content_stems(toks))
        for phrase in self.vocabulary.expand(" ".join(toks)):
            feats += features(content_stems(words(phrase)))
        return _Prepared(cleaned, feats)

    def _centroid(self, n: int) -> Vector:
        merged: dict[str, float] = defaultdict(float)
        for vec, owner in zip(self._example_index.vectors, self._example_intent, strict=True):
            if owner == n:
                for t, w in vec.items():
                    merged[t] += w
        norm = sum(w * w for w in merged.values()) ** 0.5
        return {t: w / norm for t, w in merged.items()} if norm else {}

    def _resolve_pins(self, intent: Intent) -> list[int]:
        """Clause positions of an intent's preferred clauses that are among the loaded policies."""
        found: list[int] = []
        for pin in intent.prefer:
            if pin.policy not in self._titles:
                continue
            needle = clean(pin.contains)
            hits = [n for n, c in enumerate(self.clauses) if c.policy == pin.policy and needle in self._cleaned[n]]
            if hits:
                if hits[0] not in found:
                    found.append(hits[0])
            else:
                print(
                    f"warning: {intent.file}:{intent.line}: intent {intent.id!r} prefers a clause of "
                    f"{pin.policy} containing {pin.contains!r}, which is not there; using its topics",
                    file=sys.stderr,
                )
        return found

    # -- matching ----------------------------------------------------------------------------
    def _intent_scores(self, query: _Prepared, *, anchored: bool) -> list[tuple[float, int]]:
        """Each intent's fit: its closest example phrasing and the centroid of them all, plus (ABOUT_MATCH)
        its description and examples weighed in the policies' own vocabulary, where a word rare in the
        clauses ("award", "livestream") counts for more than one they all use ("staff", "school"). That last
        part only for a question `anchored` in online life: read in the policies' words, "the boiler in block
        C" is about blocking websites."""
        qvec = self._example_index.vector(query.feats)
        scores = 0.65 * self._best_examples(self._example_index.dense(qvec)) + 0.35 * self._centroids.dense(qvec)
        if anchored:
            scores += ABOUT_MATCH * self._described.dense(self._clause_vector(query))
        return sorted(((score, n) for n, score in enumerate(scores.tolist()) if score > 0), reverse=True)

    def _best_examples(self, examples: np.ndarray) -> np.ndarray:
        """Each intent's best example score: the maximum over its run of the example index (every intent has
        examples: its file must give three or more)."""
        return np.maximum.reduceat(examples, self._run_starts)

    def _clause_vector(self, query: _Prepared) -> Vector:
        """The query's vector in the clauses' index: several steps of one answer read it, so it is made once."""
        if query.clause_vector is None:
            query.clause_vector = self._clause_index.vector(query.feats)
        return query.clause_vector

    def _clause_fit(self, query: _Prepared) -> dict[int, float]:
        """The query's cosine with every clause sharing a term with it, made once per answer: one pass over the
        index costs less than a cosine for each candidate clause of each intent considered."""
        if query.clause_fit is None:
            query.clause_fit = self._clause_index.search(self._clause_vector(query))
        return query.clause_fit

    def _intent_clauses(self, n: int, query: _Prepared, top: int) -> list[ScoredClause] | None:
        """The clauses that support intent n, best first; None when the loaded policies have none.

        Candidates are the clauses tagged with the intent's topics. When the loaded policies have
        no such clause (a school's own policy tagged differently), every clause sharing words with
        the intent's description or the question is a candidate instead, and the best must fit
        well enough to be quoted (a warning on stderr says this happened).
        """
        intent = self.intents[n]
        pins = self._pins[n]
        pinned = [ScoredClause(self.clauses[i], self._titles[self.clauses[i].policy], 1.0) for i in pins]
        if len(pinned) >= top:  # the preferred clauses fill the list: nothing else would be shown
            return pinned[:top]
        candidates = {i for t in intent.topics for i in self._by_topic.get(t, ())}
        about = self._about[n]
        fallback = not candidates and not pins
        if fallback:
            print(
                f"warning: intent {intent.id!r} cites topics none of the loaded policies has "
                f"({', '.join(intent.topics)}); answering by retrieval",
                file=sys.stderr,
            )
            candidates = set(self._clause_index.search(about)) | set(self._clause_fit(query))
        question_fit = self._clause_fit(query)
        about_fit = self._about_fit(n)
        ranked = sorted(
            (
                (
                    self._quality[i]
                    * _subject_fit(self.clauses[i], self._about_text[n])
                    * (ABOUT_WEIGHT * about_fit.get(i, 0.0) + (1 - ABOUT_WEIGHT) * question_fit.get(i, 0.0)),
                    i,
                )
                for i in candidates - set(pins)
            ),
            reverse=True,
        )
        if fallback and (not ranked or ranked[0][0] < TOPIC_FALLBACK_THRESHOLD):
            return None
        ranked_clauses = [ScoredClause(self.clauses[i], self._titles[self.clauses[i].policy], s) for s, i in ranked]
        return (pinned + ranked_clauses)[:top]

    def _about_fit(self, n: int) -> dict[int, float]:
        """Cosine of intent n's description with every clause sharing a term with it: the same for every
        question, so worked out once, when first needed (building them all would slow `policybot ask`)."""
        fit = self._about_fits.get(n)
        if fit is None:
            fit = self._about_fits[n] = self._clause_index.search(self._about[n])
        return fit

    def _retrieve(self, query: _Prepared, top: int) -> list[ScoredClause]:
        """The closest clauses; one sharing fewer than two words with the question is no match."""
        qvec = self._clause_vector(query)
        unigrams = {t for t in qvec if "_" not in t}
        vectors = self._clause_index.vectors
        hits = sorted(
            (
                (s * self._quality[i], i)
                for i, s in self._clause_fit(query).items()
                if len(unigrams.intersection(vectors[i])) >= 2
            ),
            reverse=True,
        )[:top]
        return [ScoredClause(self.clauses[i], self._titles[self.clauses[i].policy], s) for s, i in hits]

    # -- answering ---------------------------------------------------------------------------
    def ask(self, question: str, *, top: int = 3) -> Answer:
        """Answer one question; never raises for any text a user can type."""
        if not question or not question.strip():
            return self._unanswered("empty")
        query = self._prepare(question)
        risk = self.risk.assess(query.cleaned)
        anchored = bool(self.vocabulary.domain.intersection(query.feats))
        scored = self._intent_scores(query, anchored=anchored)
        if risk.escalate:
            return self._escalation(query, risk, scored, top)
        if scored:
            score, n = scored[0]
            runner_up = scored[1][0] if len(scored) > 1 else 0.0
            ahead = score - runner_up > INTENT_MARGIN
            confident = score >= INTENT_THRESHOLD or (score >= INTENT_MARGIN_THRESHOLD and ahead)
            confident = confident and (anchored or score >= UNANCHORED_THRESHOLD or not self.intents[n].in_scope)
            reporting_colleague = (
                risk.staff_subject and self._conduct is not None and not _PERMISSION.match(query.cleaned)
            )
            if confident and self.intents[n].kind != "escalation":
                answer = self._from_intent(n, query, top)
                if reporting_colleague and answer.answered and answer.form is None:
                    return self._about_a_colleague(answer, query, top)
                return self._hedged(answer, scored, query, top)
            conduct_score = next((s for s, m in scored if m == self._conduct), 0.0)
            if reporting_colleague and conduct_score >= COLLEAGUE_REPORT_THRESHOLD:
                rule = None
                if score >= COLLEAGUE_RULE_THRESHOLD and self.intents[n].in_scope and not self.intents[n].form:
                    rule = self._from_intent(n, query, top)
                return self._about_a_colleague(rule, query, top)
        clauses = self._retrieve(query, top) if anchored else []
        if clauses and clauses[0].score >= RETRIEVAL_THRESHOLD:
            text = self._compose(self.messages.render("retrieval_intro", self.contacts), clauses)
            return Answer(answered=True, escalate=False, form=None, intent=None, text=text, clauses=clauses)
        return self._refusal()

    def _unanswered(self, message: str) -> Answer:
        return Answer(
            answered=False, escalate=False, form=None, intent=None, text=self.messages.render(message, self.contacts)
        )

    def _refusal(self) -> Answer:
        return self._unanswered("refusal")

    def _from_intent(self, n: int, query: _Prepared, top: int) -> Answer:
        intent = self.intents[n]
        if not intent.in_scope:
            answer = self._refusal()
            answer.intent = intent.id
            return answer
        clauses = self._intent_clauses(n, query, top)
        if clauses is None:
            return self._refusal()
        text = self._compose(self._answers[n], clauses)
        return Answer(answered=True, escalate=False, form=intent.form, intent=intent.id, text=text, clauses=clauses)

    def _hedged(self, answer: Answer, scored: list[tuple[float, int]], query: _Prepared, top: int) -> Answer:
        """The last of the `top` clauses given to the runner-up intent's best, when that intent is a plausible
        second reading of the question (within RUNNER_UP_GAP of the best score): "someone I taught years ago has a
        child here and sent me a friend request" is about a parent or about a former pupil. Only a third place
        or later is given: the answer and its first two clauses stay the best reading's, and the clauses
        listed (quoted in chat, and by `policybot ask --json`) cover both readings."""
        if top < 3 or not answer.answered or len(answer.clauses) < top or len(scored) < 2:
            return answer
        (score, _), (second, m) = scored[:2]
        if second < score - RUNNER_UP_GAP or not self.intents[m].in_scope or self.intents[m].kind == "escalation":
            return answer
        shown = {c.clause for c in answer.clauses[: top - 1]}
        extra = next((c for c in self._intent_clauses(m, query, top) or [] if c.clause not in shown), None)
        if extra is not None:
            answer.clauses = [*answer.clauses[: top - 1], extra]
        return answer

    def _about_a_colleague(self, rule: Answer | None, query: _Prepared, top: int) -> Answer:
        """Someone describing what a colleague did: the rule it breaks (if one matched) and how to report it.

        The clauses alternate between the rule and the reporting procedure, so both are quoted.
        """
        n = self._conduct
        assert n is not None
        conduct = self.intents[n]
        reporting = self._intent_clauses(n, query, top) or []
        rule_clauses = rule.clauses if rule else []
        merged: list[ScoredClause] = []
        for c in [c for pair in zip(rule_clauses, reporting, strict=False) for c in pair] + rule_clauses + reporting:
            if c.clause not in {m.clause for m in merged}:
                merged.append(c)
        merged = merged[:top]
        lead = f"{rule.text.split(chr(10) * 2, 1)[0]}\n\n{self._answers[n]}" if rule else self._answers[n]
        return Answer(
            answered=True,
            escalate=False,
            form=conduct.form,
            intent=rule.intent if rule else conduct.id,
            text=self._compose(lead, merged),
            clauses=merged,
        )

    def _escalation(self, query: _Prepared, risk: RiskAssessment, scored: list[tuple[float, int]], top: int) -> Answer:
        staff = risk.staff_subject
        form = "staff_conduct_concern" if staff else "safeguarding_concern"
        # the kind of risk found names the intent that answers it (radicalisation, sexual images), else the best
        # scoring escalation intent for the form
        by_id = {i.id: n for n, i in enumerate(self.intents) if i.form == form}
        named = [by_id[i] for i in risk.answer_with if i in by_id]
        escalations = [n for n, i in enumerate(self.intents) if i.kind == "escalation" and i.form == form]
        ranked = named[:1] or [n for _, n in scored if n in escalations] or escalations
        head = self.messages.render("escalation_staff" if staff else "escalation", self.contacts)
        if not ranked:
            clauses = self._retrieve(query, top)
            return Answer(
                answered=True,
                escalate=True,
                form=form,
                intent=None,
                text=self._compose(head, clauses),
                clauses=clauses,
                risk=risk,
            )
        n = ranked[0]
        clauses = self._intent_clauses(n, query, top) or self._retrieve(query, top)
        text = self._compose(f"{head}\n\n{self.intents[n].answer}", clauses)
        return Answer(
            answered=True,
            escalate=True,
            form=form,
            intent=self.intents[n].id,
            text=text,
            clauses=clauses,
            risk=risk,
        )

    def _compose(self, lead: str, clauses: list[ScoredClause]) -> str:
        quotes = [
            self.messages.render("quote", self.contacts, text=c.clause.text, title=c.title, ref=c.clause.ref)
            for c in clauses[:2]
        ]
        return "\n\n".join([lead, *quotes])
