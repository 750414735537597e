"""Topic tagging with the shipped taxonomy, and the taxonomy file's validation (errors name file:line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.topics import TopicTagger

TOPIC_IDS = (
    "pupil_contact", "ex_pupils", "other_schools", "family_pupils", "parents", "colleagues", "scope",
    "photos", "consent", "pupil_identification", "school_accounts", "site_creation", "personal_use_at_work",
    "posting_about_work", "profile_identity", "privacy_settings", "personal_information", "confidentiality",
    "criticism_disrepute", "logos_branding", "political_religious", "indecent_images", "prevent",
    "cyberbullying", "trolling", "media", "candidate_searches", "online_searches", "blocked_content",
    "monitoring", "inappropriate_content", "disciplinary", "safeguarding", "allegations",
    "reporting_concerns", "equality", "training", "pupil_social_media", "parent_conduct", "former_staff",
    "legal", "responsibilities", "educational_use",
)


@pytest.fixture(scope="module")
def tagger() -> TopicTagger:
    return TopicTagger.load()


def test_the_shipped_taxonomy_has_the_agreed_topic_ids(tagger: TopicTagger) -> None:
    assert tagger.topic_ids == TOPIC_IDS


@pytest.mark.parametrize(("text", "expected"), [
    ("If pupils attempt to 'friend' or 'follow' a staff member, they will report this to the Headteacher.",
     {"pupil_contact", "reporting_concerns"}),
    ("Any pupil-initiated communication, on-line friendships/friend requests must be declined.",
     {"pupil_contact"}),
    ("Accepting any ex-pupil of the academy under the age of 18 as a friend or follower.",
     {"pupil_contact", "ex_pupils"}),
    ("Staff are advised not to be friends with pupils at other schools.", {"pupil_contact", "other_schools"}),
    ("Staff will be strongly advised to not 'friend' or 'follow' parents on their personal accounts.",
     {"parents"}),
    ("Adults must also be cautious when inviting work colleagues to be friends on social networking sites.",
     {"colleagues"}),
    ("The school will obtain consent from parents before posting images and videos of a pupil.",
     {"photos", "consent"}),
    ("Pupils' full names will never be used alongside any videos or images.",
     {"photos", "pupil_identification"}),
    ("Staff members will not access personal social media platforms during school hours.",
     {"personal_use_at_work"}),
    ("Terrorist organisations are attempting to radicalise young people online.", {"prevent"}),
    ("If trolling occurs, adults should take screen prints of messages.", {"trolling", "cyberbullying"}),
    ("If any colleague receives media contact or is offered payment for content, they must tell the Head.",
     {"media"}),
    ("Schools should consider carrying out an online search on shortlisted candidates.",
     {"candidate_searches"}),
    ("Requests may be made to access erroneously blocked content.", {"blocked_content"}),
])
def test_clauses_get_their_topics(tagger: TopicTagger, text: str, expected: set[str]) -> None:
    assert set(tagger.tag(text)) == expected


def test_words_in_other_senses_do_not_tag(tagger: TopicTagger) -> None:
    assert "prevent" not in tagger.tag("Firewalls prevent access to some websites.")  # the verb, not the duty
    assert "pupil_contact" not in tagger.tag("Processing will cease in line with parents' and pupils' "
                                             "requirements following this.")
    assert "political_religious" not in tagger.tag("Managers must not discriminate on the grounds of "
                                                   "religion or belief.")
    assert tagger.tag("Support schools where needed.") == ()


def test_enclosing_headings_contribute(tagger: TopicTagger) -> None:
    text = "Incidents are dealt with quickly and effectively wherever they occur."
    assert tagger.tag(text) == ()
    assert tagger.tag(text, path=["10. Cyberbullying"]) == ("cyberbullying",)
    assert "prevent" in tagger.tag("Adults should familiarise themselves with the guidance.",
                                   path=["The Prevent Duty"])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topics.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "line", "message"), [
    ("topics:\n  pupil_contact:\n    label: Pupils\n    rules:\n      - any: ['friend', '(unclosed']\n",
     5, "invalid pattern '(unclosed'"),
    ("topics:\n  pupil_contact:\n    label: Pupils\n    rules:\n      - anyy: ['friend']\n",
     5, "rules[0].any: this field is required"),
    ("topics:\n  pupil_contact:\n    rules:\n      - any: ['friend']\n", 2, "label: this field is required"),
    ("topics:\n  photos:\n    label: Photos\n    heading: [photos]\n  pupil_contact:\n    label: Pupils\n", 5,
     "needs `rules` or `heading`"),
    ("topics:\n  photos:\n    label: Photos\n    heading: [photos]\n  Pupil-Contact:\n    label: Pupils\n"
     "    heading: [pupils]\n", 5, "not a valid topic id"),
    ("topics:\n  photos:\n    label: Photos\n    rules:\n      - any: [photo]\n        with: '['\n", 6,
     "valid list"),
])
def test_taxonomy_mistakes_name_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        TopicTagger.load(path)
    assert str(raised.value).startswith(f"{path}:{line}: ")
    assert message in str(raised.value)


def test_a_small_taxonomy_loads_and_tags(tmp_path: Path) -> None:
    path = write(tmp_path, "topics:\n  photos:\n    label: Photos\n    rules:\n      - any: ['photo\\w*']\n"
                           "        with: [pupils?]\n        unless: [consent]\n")
    tagger = TopicTagger.load(path)
    assert tagger.topic_ids == ("photos",)
    assert tagger.tag("Photographs of pupils") == ("photos",)
    assert tagger.tag("Photographs of staff") == ()
    assert tagger.tag("Photographs of pupils need consent") == ()
