"""The answer engine on the shipped policies: paraphrases, refusals, escalation, robustness.

These phrasings are not in the intents' examples or the development set: they check that
matching generalises rather than memorises.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from bot.answer.build import build_engine
from bot.answer.engine import AnswerEngine, Contacts
from bot.answer.index import Postings
from bot.answer.messages import CONTACT_FIELDS
from bot.answer.risk import RiskRules
from bot.answer.text import SPELLING_CUTOFF, STOP_WORDS, Speller, Vocabulary
from bot.errors import ConfigError


@pytest.fixture(scope="module")
def engine() -> AnswerEngine:
    return build_engine()


@pytest.mark.parametrize(
    ("question", "intent", "form"),
    [
        (
            "a kid from yr 8 keeps sending me follow requests on tiktok",
            "pupil_friend_request",
            "pupil_contact",
        ),
        (
            "Please advise: a student has attempted to add me as a friend on Facebook.",
            "pupil_friend_request",
            "pupil_contact",
        ),
        ("can i be mates with the parents of kids in my class on fb", "parents_friends", None),
        ("my nephew just joined year 3, anything i need to do?", "family_member_pupil", "family_declaration"),
        # nothing online in it, but one's own child at one's school is in the policies' scope
        ("My two children will be joining the school in September, where I teach. Is there a formal process?",
         "family_member_pupil", "family_declaration"),
        ("ex pupil who's 15 wants to follow me on snap", "ex_pupil_under_18", "pupil_contact"),
        ("What should I do if a current pupil sends me a request to follow my personal account?",
         "pupil_friend_request", "pupil_contact"),
        ("had a message request on instagram from one of my year 4s", "pupil_friend_request", "pupil_contact"),
        # a webmail brand is email
        ("a year 11 asked for my personal gmail so she can send me her coursework", "messaging_pupils", None),
        ("my own laptop has some adult stuff on it, can I still use it in school?", "adult_content_school_equipment",
         "staff_conduct_concern"),
        ("can SLT keep tabs on what I post on my personal facebook", "monitoring_staff_internet", None),
        ("new TA here, is it ok to add the other TAs on fb or is that frowned on", "colleagues_friends", None),
        ("someone is impersonating me on facebook and messaging parents", "staff_cyberbullied", "cyberbullying"),
        # no example phrasing is close: found through the intent's description, in the policies' words
        ("someone set up a fake tiktok account pretending to be me and posting rubbish", "staff_cyberbullied",
         "cyberbullying"),
        # X, the platform: named only by its feed or account, not by "x" alone
        ("the science department's X account is blocked on the pupils' laptops, can it be opened for a lesson?",
         "blocked_site_unblock", "blocked_content_request"),
    ],
)
def test_paraphrases_find_the_intent(engine: AnswerEngine, question: str, intent: str, form: str | None) -> None:
    answer = engine.ask(question)
    assert answer.answered
    assert answer.intent == intent
    assert answer.form == form
    assert not answer.escalate
    assert answer.clauses and all(c.clause.text for c in answer.clauses)


def test_answer_quotes_clauses_verbatim_with_citation(engine: AnswerEngine) -> None:
    answer = engine.ask("a pupil sent me a friend request")
    policies = {p.id: p for p in engine.policies}
    for scored in answer.clauses:
        clause = policies[scored.clause.policy].clause(scored.clause.ref)
        assert clause is not None and clause.text == scored.clause.text
    top = answer.clauses[0]
    assert f'"{top.clause.text}" - {top.title}, {top.clause.ref}' in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "how do i get my parking permit renewed",
        "what time does the canteen close",
        "when is the year 6 sats week",
        "who do I ask about my payslip",
        "the boiler in block c is leaking",
        "what's the policy on staff wearing jeans",
        "can i swap my lunch duty with someone on thursday",
        # online, but school admin rather than social media
        "where do I find the lesson plan template on the shared drive",
        "how do I log a behaviour incident on the online system",
        "where do I find the staff handbook online",
        "the boys' toilets are blocked again, who do I tell",
        "do i need to declare a second job",
        "solve for x then plot it on the x and y axes",
        "how do i get a replacement id badge",
        "how do i add a new starter to the staff email distribution list",
        "who approves overtime for the site team",
        "how do i get access to the school's online payment system to check trip payments",
        "my daughter is in year 3 at another school, can i take her to the dentist on friday",
        "can i leave early to pick my son up from his school",
    ],
)
def test_out_of_scope_questions_are_refused_and_name_who_to_ask(engine: AnswerEngine, question: str) -> None:
    answer = engine.ask(question)
    assert not answer.answered
    assert not answer.clauses
    assert engine.contacts.who_to_ask in answer.text


@pytest.mark.parametrize(
    ("question", "form"),
    [
        (
            "a year 6 girl told me someone she plays fortnite with asked for photos and to keep it secret",
            "safeguarding_concern",
        ),
        ("one of my pupils said he wants to kill himself, he posted it on snapchat", "safeguarding_concern"),
        (
            "I'm worried a year 9 is being radicalised, he keeps sharing extremist videos",
            "safeguarding_concern",
        ),
        (
            "a teacher at our school has been messaging a year 8 girl on snapchat late at night",
            "staff_conduct_concern",
        ),
        ("a boy in year 10 has been sending naked pictures of himself to girls in his class", "safeguarding_concern"),
        (
            "one of my year 9 girls says her parents are taking her overseas to be married in the holidays",
            "safeguarding_concern",
        ),
        ("the cover teacher asked a year 7 boy for his whatsapp number after the lesson", "staff_conduct_concern"),
        ("the new music teacher keeps messaging a year 9 girl on instagram late at night", "staff_conduct_concern"),
        ("a naked pic of a year 8 boy is going round a whatsapp group", "safeguarding_concern"),
        ("a year 4 boy said a man on roblox keeps asking him where he lives", "safeguarding_concern"),
        ("one of my year 10s wrote on snapchat that everyone would be better off without her", "safeguarding_concern"),
        ("I think it's the headteacher who has been texting year 8 girls", "staff_conduct_concern"),
        ("a year 5 boy says a man from his minecraft server keeps sending him robux", "safeguarding_concern"),
        ("my tutee said someone she chats to on discord wants to meet her at the shops on saturday",
         "safeguarding_concern"),
        ("some lads are posting her address on snap and say they'll come round hers tonight", "safeguarding_concern"),
        ("kids are airdropping a nude of a year 9 girl round the canteen", "safeguarding_concern"),
        ("a year 12 is talking online about travelling abroad to join the fighters", "safeguarding_concern"),
        ("the volunteer coach gave a year 6 boy his snapchat and told him to keep it between them",
         "staff_conduct_concern"),
        ("a girl in my tutor group posts pictures of cuts on her arms on a private account", "safeguarding_concern"),
        ("a year 10 boy watches a preacher online who says young men should go abroad and fight",
         "safeguarding_concern"),
        ("a man on instagram keeps complimenting a year 7 girl and asking to meet her in town", "safeguarding_concern"),
        ("our PE coach has been messaging a year 10 girl late at night and told her to delete the chats",
         "staff_conduct_concern"),
        ("a year 5 girl livestreams from her bedroom and men she doesn't know ask her to do things on camera",
         "safeguarding_concern"),
        ("a reception child told me her uncle films her in the bath and puts it online", "safeguarding_concern"),
        ("a year 11 posted 'no one will miss me' with a photo of a pile of tablets", "safeguarding_concern"),
        ("a year 8 girl says our new cover supervisor has been snapchatting her and told her to keep it secret",
         "staff_conduct_concern"),
        ("a year 10 boy has a sonnenrad as his discord picture and joked about doing what the guy in christchurch did",
         "safeguarding_concern"),
        ("her dad isn't allowed contact with their daughter but he has been tracking her location on snap map",
         "safeguarding_concern"),
        ("a year 8 girl's tiktok feed is all cutting videos and she says she might try it", "safeguarding_concern"),
        ("a year 10 boy said on snapchat he has got his brother's knife and is bringing it in", "safeguarding_concern"),
        ("a year 10 boy said on snapchat he is bringing his dads knife in tomorrow", "safeguarding_concern"),
        ("a clip of a year 8 boy being beaten up is on tiktok and they say they'll get him after school",
         "safeguarding_concern"),
        ("a year 9 girl went live on instagram and you could hear her stepdad hitting her mum", "safeguarding_concern"),
        ("a year 10 girl keeps posting stories from cars with much older men", "safeguarding_concern"),
        ("people in a year 6 girl's stream chat asked her to change into her swimsuit and add them on a private server",
         "safeguarding_concern"),

        ("a year 4 boy says a player he met on roblox will give him robux if he goes on video with his shirt off",
         "safeguarding_concern"),
        ("someone a year 6 girl games with asked her to go on cam tonight", "safeguarding_concern"),
        ("a year 9 girl is meeting up with someone from a discord server on saturday and told no one",
         "safeguarding_concern"),
        ("two year 11 boys have been watching videos on how to make a pipe bomb that a group chat sent them",
         "safeguarding_concern"),
        ("a year 10 girl sent me a topless snap on snapchat saying she fancies me", "safeguarding_concern"),
        ("a y10 lad's snapchat story has him holding a knife saying another boy is getting shanked after school",
         "safeguarding_concern"),
    ],
)
def test_risk_escalates_and_names_the_dsl_first(engine: AnswerEngine, question: str, form: str) -> None:
    answer = engine.ask(question)
    assert answer.escalate
    assert answer.form == form
    first_line = answer.text.split("\n")[0]
    name = engine.contacts.dsl if form == "safeguarding_concern" else engine.contacts.head
    assert name in first_line


@pytest.mark.parametrize(
    "question",
    [
        "what's our responsibility under prevent on social media",
        "what counts as grooming online?",
        "a pupil sent me a friend request on instagram",
        "what happens if someone finds porn on a work laptop",
        "a parent keeps abusing me on facebook",
        "I coach an under-11s netball side outside school, can I message them on snapchat about fixtures?",
        "a colleague asked me how to set up a class blog",
        "my sister is getting married abroad, can I post the photos?",
        "our staff whatsapp group is full of people moaning about kids, is that ok?",
        "should I tell the head that a pupil followed me on instagram?",
        "can we share photos of pupils between us on the staff whatsapp?",
        "the pta is giving them gift vouchers as prizes for the sponsored walk, can we post the winners?",
        "a parent threatened to post about my detention of her son on facebook",
        "some older lads in year 11 keep mocking my posts",
        "a nude painting by a year 11 student won the art prize, can it go on the school instagram?",
        "a parent keeps sending me abusive messages late at night since I moved her son's seat",
        "can pupils see where I am on snap map?",
        "a pupil said she is not allowed contact with social media at home",
        "a year 9 asked about the christchurch earthquake for his geography homework",
        "can pupils bring a knife in for the food tech video we post on the school instagram?",
        "the year 11s beat up our team 5-0 and got battered in the final, can I post the result?",
        "my older brother follows some of my year 10s' parents on facebook, is that a problem?",

        "year 8 are doing bath bomb making in DT, can I post photos on the school instagram?",
        "the year 9 boys played on camera day with their shirts tucked in, can I share the video?",
        "my year 10s are meeting a speaker from the council group on friday, can I tweet about it?",
        "a year 7 told me his dad gives him robux for good marks, is it ok to follow the dad back?",
        "the year 11 swimming team photo shows the boys topless at the pool, can it go on the school facebook?",
        "can the year 9s be filmed holding a knife properly for our food tech video on the school youtube?",
        "i'm a supply teacher. a girl from my last school, 17 now, keeps messaging me on snapchat about her essays. "
        "she's not a pupil here, do i tell the dsl?",
    ],
)
def test_no_escalation_for_ordinary_questions(engine: AnswerEngine, question: str) -> None:
    assert not engine.ask(question).escalate


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   \n\t ",
        "\u200b\u200d",
        "<!channel> <@U123> [click](http://evil)",
        "'; DROP TABLE reports; --",
        "x" * 100_000,
        "\u202eerom\u202c pupil friend request",
        "👍👍👍",
        "\x00\x07\x1b[31m",
    ],
)
def test_hostile_input_never_crashes(engine: AnswerEngine, question: str) -> None:
    answer = engine.ask(question)
    assert isinstance(answer.text, str) and answer.text
    assert len(answer.clauses) <= 3


def test_top_k_limits_clauses(engine: AnswerEngine) -> None:
    assert len(engine.ask("can i post photos of pupils on instagram", top=1).clauses) == 1
    assert len(engine.ask("can i post photos of pupils on instagram", top=5).clauses) <= 5


def test_a_question_with_two_readings_gets_a_clause_for_each(engine: AnswerEngine) -> None:
    """A former pupil who is now a parent: the pupil rules come first, a parents' clause third; the answer's
    text (which quotes two) is the pupil reading's."""
    question = "someone I taught years ago now has a child in our reception class and sent me a friend request"
    answer = engine.ask(question)
    texts = [c.clause.text for c in answer.clauses]
    assert answer.intent == "pupil_friend_request" and len(texts) == 3
    assert all("pupil" in t.lower() and "parent" not in t.lower() for t in texts[:2])
    assert "parents/carers" in texts[2]
    assert texts[2] not in answer.text
    assert [c.clause.text for c in engine.ask(question, top=2).clauses] == texts[:2]  # the quoted two never change


def test_a_question_with_one_clear_reading_keeps_its_own_clauses(engine: AnswerEngine) -> None:
    answer = engine.ask("a pupil sent me a friend request on instagram")
    assert answer.intent == "pupil_friend_request" and len(answer.clauses) == 3
    assert not any("parent" in c.clause.text.lower() for c in answer.clauses)


def test_policies_with_the_same_title_are_told_apart_in_citations() -> None:
    from bot.policies.model import Clause, Policy
    from bot.policies.titles import display_titles

    def policy(pid: str, title: str, owner: str | None, approved: str | None) -> Policy:
        return Policy(
            id=pid,
            title=title,
            owner=owner,
            dates={"approved": approved},
            clauses=[Clause(policy=pid, ref="1", text="x")],
        )

    titles = display_titles(
        [
            policy("a", "Social Media Policy", "Trust A", "2012"),
            policy("b", "Social media policy", "Trust-A", "2024"),
            policy("c", "Social Media Policy", "School C", None),
            policy("d", "Online Safety Policy", "Trust A", None),
        ]
    )
    assert titles == {
        "a": "Social Media Policy (Trust A, 2012)",
        "b": "Social media policy (Trust-A, 2024)",
        "c": "Social Media Policy (School C)",
        "d": "Online Safety Policy",
    }


def test_a_risk_signal_answering_with_an_unknown_intent_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    rules = tmp_path / "risk.yaml"
    rules.write_text("child: ['pupil']\nstaff_subject: ['teacher']\nsignals:\n  radicalisation:\n"
                     "    answer_with: radicalisation_concren\n    patterns: ['extremis']\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        RiskRules.load(rules).check_intents({"radicalisation_concern"})
    assert raised.value.file == str(rules) and raised.value.line == 5
    assert "radicalisation_concren" in str(raised.value)


def test_a_kind_of_risk_is_answered_with_its_own_clauses(engine: AnswerEngine) -> None:
    """Radicalisation escalates with the clauses about radicalisation, not only the general safeguarding ones."""
    answer = engine.ask("a year 12 girl keeps messaging someone on telegram about going abroad to join the fighters")
    assert answer.escalate and answer.intent == "radicalisation_concern"
    assert any("radicalis" in c.clause.text.lower() for c in answer.clauses)


def test_an_answer_names_the_schools_own_people(engine: AnswerEngine) -> None:
    """Intent answers may name the school's people ({dsl}, {head}, ...), filled from the school file."""
    answer = engine.ask("who is the DSL?")
    assert answer.intent == "dsl_role" and answer.answered
    assert answer.text.startswith("Your Designated Safeguarding Lead is Daniel Price.")
    assert "Amanda Whitfield" in answer.text and "{" not in answer.text
    told = engine.ask("a pupil sent me a friend request on instagram").text
    assert "Designated Safeguarding Lead (Daniel Price) or the Headteacher (Amanda Whitfield)" in told


@pytest.mark.parametrize(("answer", "fix"), [
    ("Tell {dsl_name} now.", "unknown placeholder {dsl_name} - use deputy_dsl, dsl, head"),
    ("Use {curly braces} carefully {", "a lone { or } - write {{ or }}"),
])
def test_an_intent_answer_with_a_bad_placeholder_is_refused_naming_file_and_line(
        tmp_path: Path, answer: str, fix: str) -> None:
    from bot.answer.intents import load_intents

    (tmp_path / "q.yaml").write_text(
        "- id: first\n  examples: [a, b, c]\n  answer: fine\n  topics: [t]\n"
        f"- id: second\n  examples: [d, e, f]\n  answer: {answer!r}\n  topics: [t]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_intents(tmp_path, known_topics=frozenset({"t"}))
    assert raised.value.file == str(tmp_path / "q.yaml") and raised.value.line == 5
    assert "intent 'second', its answer: " in str(raised.value) and fix in str(raised.value)


def test_every_contact_can_be_named_in_a_message() -> None:
    """Messages and answers are checked, and filled, against CONTACT_FIELDS: it must name every contact."""
    assert {f.name for f in fields(Contacts)} == CONTACT_FIELDS


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("year 9s made a fake tiktok account with my name", "cyberbullying"),
        ("someone set up a profile using my photos", "cyberbullying"),
        ("a burner acc keeps messaging me", "cyberbullying"),
        ("she asked for my personal gmail", "email"),
        ("there is some adult stuff on my laptop", "pornography"),
        ("one of my old yr 6s msgd me on insta", "message"),
        ("a yr 7 asked for my xbox gamertag", "game"),
        ("the kids want a minecraft server", "game"),
        ("an anon account keeps calling me a groomer", "cyberbullying"),
        ("a parent posted a photo of me calling me useless", "cyberbullying"),
        ("some y10s found a vpn to get on tiktok in the library", "bypass the filter"),
        ("a youtuber is offering me 200 for my tiktok of the staff flashmob", "pay money"),
        ("one of last year's leavers added me on insta", "former pupil"),
        ("the yr 6 girls removed her from the group and are taking the mick out of her", "bullying"),
        ("pinterest is blocked on the network and we use it for art research, who do i ask", "unblock"),
        ("a graphic fight video autoplayed on the board", "inappropriate"),
        ("can i set up an instagram for the school choir?", "school account"),
        ("want to do a revision tiktok for my year group", "school account"),
    ],
)
def test_the_vocabulary_reads_how_staff_write(engine: AnswerEngine, text: str, canonical: str) -> None:
    assert canonical in engine.vocabulary.expand(text)


def test_naming_oneself_is_not_impersonation(engine: AnswerEngine) -> None:
    assert "cyberbullying" not in engine.vocabulary.expand("i want to blog using my name, is that ok")


def test_postings_score_as_a_loop_adding_up_each_shared_term_would() -> None:
    """`Postings.dense` gives every vector's cosine by position, the very floats a term-by-term loop makes (the
    engine's answers must not shift with how the sums are done); `search` only those sharing a term."""
    vectors = [{"a": 0.6, "b": 0.8}, {"c": 1.0}, {"b": 0.28, "c": 0.96}, {}, {"a": 1.0}]
    postings = Postings(vectors)
    query = {"b": 0.6, "c": 0.8, "z": 0.1}
    looped = []
    for vec in vectors:
        score = 0.0
        for term, weight in query.items():
            if term in vec:
                score += weight * vec[term]
        looped.append(score)
    assert postings.dense(query).tolist() == looped
    assert postings.search(query) == {0: looped[0], 1: looped[1], 2: looped[2]}
    assert postings.dense({"z": 1.0}).tolist() == [0.0] * 5 and postings.search({}) == {}
    assert Postings([]).dense({"a": 1.0}).tolist() == []


def test_the_vocabulary_finds_phrases_of_every_length_once_and_shortest_first() -> None:
    vocabulary = Vocabulary({"fb": "facebook", "friend req": "friend request", "added me on insta": "pupil contact",
                             "on insta": "instagram"}, [], frozenset())
    assert vocabulary.expand("a kid added me on insta then fb") == ["facebook", "instagram", "pupil contact"]
    assert vocabulary.expand("he sent a friend") == []  # a phrase cut short by the end of the text is no match
    assert vocabulary.expand("") == []


KNOWN = build_engine()._speller._choices  # the words the shipped engine corrects towards
_LETTERS = st.sampled_from("abcdefghijklmnopqrstuvwxyz")


@st.composite
def _misspelt(draw: st.DrawFn) -> str:
    """A known word with a letter dropped, added or changed, or a string of letters of any length."""
    word = draw(st.sampled_from(KNOWN))
    at = draw(st.integers(0, len(word) - 1))
    return draw(st.sampled_from([word[:at] + word[at + 1:], word[:at] + draw(_LETTERS) + word[at:],
                                 word[:at] + draw(_LETTERS) + word[at + 1:],
                                 "".join(draw(st.lists(_LETTERS, min_size=4, max_size=25)))]))


@settings(max_examples=300, deadline=None)
@given(word=_misspelt())
def test_the_speller_finds_the_match_a_comparison_with_every_known_word_finds(word: str) -> None:
    """The speller compares a word only with known words of a length that can reach the cutoff: the correction is
    the one comparing it with every known word gives (the first best)."""
    assume(len(word) >= 4 and word not in KNOWN and word not in STOP_WORDS)  # words the speller leaves alone
    best = process.extractOne(word, KNOWN, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
    assert Speller(KNOWN).correct(word) == (best[0] if best else word)


def test_the_speller_remembers_a_bounded_number_of_corrections() -> None:
    """A long-running process meets endless new words (typos, names, random strings): it keeps only so many."""
    speller = Speller(["friend", "request", "instagram"], cache_size=10)
    assert speller.correct("frend") == "friend" and speller.correct("instagarm") == "instagram"
    for n in range(50):
        assert speller.correct(f"zqxv{n:03d}word") == f"zqxv{n:03d}word"
    assert speller.remembered() == 10
    assert speller.correct("frend") == "friend"  # forgotten, and worked out again


def test_a_leavers_assembly_is_for_pupils_still_here(engine: AnswerEngine) -> None:
    assert "former pupil" not in engine.vocabulary.expand("can i post the leavers' assembly video on the school page")


def test_graphic_design_is_not_graphic_content(engine: AnswerEngine) -> None:
    assert "inappropriate" not in engine.vocabulary.expand("can i post the year 9 graphic design images on insta")
    assert "inappropriate" in engine.vocabulary.expand("they found some graphic violent stuff on a meme site")
