"""Ingesting plain-text and Markdown policies of every shape the seeds have, written here from scratch.

Each document is small and invented, but laid out the way real exports are: hard wraps, blank lines in
the middle of sentences, page-break furniture, lost bullet glyphs, contents lists, forms, flattened
tables. The assertions name the exact clauses (ref, heading path, text) the rules must produce.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest import ingest_file
from bot.policies.model import Policy
from bot.topics import TopicTagger

PUA_BULLET = "\uf0b7"
SPACER = " "  # a line of spaces: an empty paragraph in a PDF export


@pytest.fixture(scope="module")
def tagger() -> TopicTagger:
    return TopicTagger.load()


def ingest(tmp_path: Path, name: str, text: str, tagger: TopicTagger) -> Policy:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return ingest_file(path, policy_id="test-policy", tagger=tagger)


def by_ref(policy: Policy) -> dict[str, tuple[tuple[str, ...], str]]:
    return {c.ref: (c.path, c.text) for c in policy.clauses}


NUMBERED = f""" SOCIAL MEDIA POLICY
{SPACER}

1 INTRODUCTION

{SPACER}

1.1   The purpose of this policy is to:

\u2022 Protect pupils at Oakfield Multi-
Academy Trust schools from harm;

\u2022 Enable colleagues to use social networking sites safely and
securely;

{SPACER}
2.0 USE OF SOCIAL NETWORKING SITES

2.1 Colleagues should follow these rules:
Please note: a colleague who cannot comply must tell the Headteacher.
1. Colleagues must not accept pupils as friends or send

personal messages to pupils;
2. Colleagues are advised not to write about their work but where they do:
\u2022 he/she must make clear that the views are his/hers only and

do not reflect the views of the school
\u2022 he/she must not discuss pupils
https://www.example.org/safeguarding-guidance
https://www.example.org/safeguarding-guidance
 3. Colleagues must not post photographs of pupils under any
circumstances.

2.2 Concerns about a colleague must be reported to the Headteacher (see
https://www.example.org/safeguarding-guidance for the procedure).

2.3 The following policies also apply:
1. Safeguarding Policy
2. ICT Acceptable Use Policy
3. Whistleblowing Policy

Review Date: September 2026
All our policies can be found at www.example.org  Version: 3
"""


def test_numbered_clauses_items_and_bullets(tmp_path: Path, tagger: TopicTagger) -> None:
    policy = ingest(tmp_path, "numbered.txt", NUMBERED, tagger)
    section1, section2 = ("1 INTRODUCTION",), ("2.0 USE OF SOCIAL NETWORKING SITES",)
    assert by_ref(policy) == {
        "1.1": (section1, "The purpose of this policy is to:"),
        "1.1(b1)": (section1, "Protect pupils at Oakfield Multi-Academy Trust schools from harm;"),
        "1.1(b2)": (section1, "Enable colleagues to use social networking sites safely and securely;"),
        "2.1": (section2, "Colleagues should follow these rules:"),
        "2.1¶1": (section2, "Please note: a colleague who cannot comply must tell the Headteacher."),
        "2.1(1)": (section2, "Colleagues must not accept pupils as friends or send personal messages to "
                             "pupils;"),
        "2.1(2)": (section2, "Colleagues are advised not to write about their work but where they do:"),
        "2.1(2)(b1)": (section2, "he/she must make clear that the views are his/hers only and do not "
                                 "reflect the views of the school"),
        "2.1(2)(b2)": (section2, "he/she must not discuss pupils"),
        "2.1(3)": (section2, "Colleagues must not post photographs of pupils under any circumstances."),
        "2.2": (section2, "Concerns about a colleague must be reported to the Headteacher (see "
                          "https://www.example.org/safeguarding-guidance for the procedure)."),
        "2.3": (section2, "The following policies also apply:"),
        "2.3(1)": (section2, "Safeguarding Policy"),
        "2.3(2)": (section2, "ICT Acceptable Use Policy"),
        "2.3(3)": (section2, "Whistleblowing Policy"),  # not section 3
    }
    assert policy.title == "Social Media Policy"
    assert policy.owner == "Oakfield Multi-Academy Trust"
    assert policy.dates == {"approved": None, "effective": None, "review": "September 2026"}


PDF_TEXT = f"""This model policy has been produced by Example Education's HR service. For further information
please contact the HR team via the Helpline: 0844 000 1111 or Email: hr@example.co.uk Website:
www.example.co.uk

This document is recommended for adoption by all maintained schools and academies.
 Introduction
{SPACER}
1.1. This policy applies to all adults working in Brook Lane Primary School and to
{SPACER}
its governors and volunteers.
{SPACER}
1.2. Adults must never follow or make a friend of a pupil at the school on any social networking
{SPACER}
site. The only exception is where the pupil is a member of the adult's family.
Key principles
{SPACER}
2.1 The principles which underpin this policy are:-

 adults are responsible for their own actions and behaviour;

 adults must keep their personal and professional lives separate.
{SPACER}
Cyberbullying
{SPACER}
3.1 If cyberbullying takes place, adults should keep records of the abuse:
{PUA_BULLET} screen prints of messages or web pages;
{PUA_BULLET}
the time, date and location of the site.
3.2 Adults must report all incidents of cyberbullying to the Head of School. Any such incidents will be
taken very seriously.
"""


def test_pdf_export_with_broken_sentences_and_lost_bullets(tmp_path: Path, tagger: TopicTagger) -> None:
    policy = ingest(tmp_path, "export.txt", PDF_TEXT, tagger)
    intro = ("Introduction",)
    assert by_ref(policy) == {
        "1.1": (intro, "This policy applies to all adults working in Brook Lane Primary School and to its "
                       "governors and volunteers."),
        "1.2": (intro, "Adults must never follow or make a friend of a pupil at the school on any social "
                       "networking site. The only exception is where the pupil is a member of the adult's "
                       "family."),
        "2.1": (("Key principles",), "The principles which underpin this policy are:-"),
        "2.1(b1)": (("Key principles",), "adults are responsible for their own actions and behaviour;"),
        "2.1(b2)": (("Key principles",), "adults must keep their personal and professional lives separate."),
        "3.1": (("Cyberbullying",), "If cyberbullying takes place, adults should keep records of the abuse:"),
        "3.1(b1)": (("Cyberbullying",), "screen prints of messages or web pages;"),
        "3.1(b2)": (("Cyberbullying",), "the time, date and location of the site."),
        "3.2": (("Cyberbullying",), "Adults must report all incidents of cyberbullying to the Head of "
                                    "School. Any such incidents will be taken very seriously."),
    }
    assert policy.owner == "Brook Lane Primary School"
    assert policy.title == "Test Policy"  # nothing names it: the id in words, for a reviewer to override


MARKDOWN = """KALEIDOSCOPE
Multi Academy Trust

Social Media and Networking Policy

Approved by:\tExample Trust Board\tDate: November 2024
Next Review:\tNovember 2025\t

Contents:

Statement of intent

1. [Legal framework](#)
2. [Staff use of personal social media](#)

Appendices

- A. [Blocked content access request form](#)

Statement of intent

We have a responsibility to safeguard our pupils.

We are committed to:

- Protecting our pupils from the dangers of social media.
- Informing parents/carers about online issues.

1. Legal framework

This policy has due regard to the following:

- Data Protection Act 2018

2. Staff use of personal social media

Staff will adhere to the following guidelines:

- **Staff will not 'friend' or 'follow' pupils. If pupils try to 'friend' a staff member, they will tell.**
- Staff will not post comments about the school, as set out in the [code of conduct](#).

Staff conduct

Breaches of this policy will be taken seriously, and in the event of illegal content could lead to

prosecution.

Blocked content access request form

Staff name\t
Date\t
<input type="checkbox"/> Pupils of the school Ages: <u>age range</u>\t<input type="checkbox"/> School staff
Requests may be made to access blocked content by submitting this form.

Name of member of staff: _____

Signature: _____
"""


def test_markdown_with_contents_forms_and_markup(tmp_path: Path, tagger: TopicTagger) -> None:
    policy = ingest(tmp_path, "policy.md", MARKDOWN, tagger)
    statement, legal, staff = ("Statement of intent",), ("1. Legal framework",), (
        "2. Staff use of personal social media",)
    assert by_ref(policy) == {
        "¶1": (statement, "We have a responsibility to safeguard our pupils."),
        "¶2": (statement, "We are committed to:"),
        "¶2(b1)": (statement, "Protecting our pupils from the dangers of social media."),
        "¶2(b2)": (statement, "Informing parents/carers about online issues."),
        "1¶1": (legal, "This policy has due regard to the following:"),
        "1¶1(b1)": (legal, "Data Protection Act 2018"),
        "2¶1": (staff, "Staff will adhere to the following guidelines:"),
        "2¶1(b1)": (staff, "Staff will not 'friend' or 'follow' pupils. If pupils try to 'friend' a "
                           "staff member, they will tell."),
        "2¶1(b2)": (staff, "Staff will not post comments about the school, as set out in the code of "
                           "conduct."),
        "2¶2": ((*staff, "Staff conduct"), "Breaches of this policy will be taken seriously, and in the "
                                           "event of illegal content could lead to prosecution."),
        "A¶1": (("Blocked content access request form",),
                "Requests may be made to access blocked content by submitting this form."),
    }
    assert policy.title == "Social Media and Networking Policy"
    assert policy.owner == "Kaleidoscope Multi Academy Trust"
    assert policy.dates == {"approved": "November 2024", "effective": None, "review": "November 2025"}


PROSE = f""" Introduction

{SPACER}

The widespread use of social media brings opportunities to engage and communicate in new

ways. However, its use has implications for the duty to safeguard children.

{SPACER}

Links with Other Policies

{SPACER}

This policy should be read with the other Trust policies specifically:

{SPACER}

ICT Policy

Data Protection Policy

E-Safety Policy

{SPACER}

Appropriate Inappropriate

Blocking unwanted communication from

pupils

Inviting, accepting or engaging in

communications with pupils over social

network sites

Reporting communication received from

children on any personal social media sites to the Designated Safeguarding

lead

Posting disparaging statements about:

\u2022 the Academy/Trust;

\u2022 other stakeholders,

{SPACER}

Using an official academy e-mail account for

all email communication with staff

{SPACER}

Review

{SPACER}

This policy is reviewed annually by the Trust.
"""


def test_blank_line_after_every_line_and_a_flattened_table(tmp_path: Path, tagger: TopicTagger) -> None:
    policy = ingest(tmp_path, "prose.txt", PROSE, tagger)
    table = ("Appropriate Inappropriate",)
    assert by_ref(policy) == {
        "¶1": (("Introduction",), "The widespread use of social media brings opportunities to engage and "
                                  "communicate in new ways. However, its use has implications for the duty "
                                  "to safeguard children."),
        "¶2": (("Links with Other Policies",), "This policy should be read with the other Trust policies "
                                              "specifically:"),
        "¶2(b1)": (("Links with Other Policies",), "ICT Policy"),
        "¶2(b2)": (("Links with Other Policies",), "Data Protection Policy"),
        "¶2(b3)": (("Links with Other Policies",), "E-Safety Policy"),
        "¶3": (table, "Blocking unwanted communication from pupils"),
        "¶4": (table, "Inviting, accepting or engaging in communications with pupils over social network "
                      "sites"),
        "¶5": (table, "Reporting communication received from children on any personal social media sites to "
                      "the Designated Safeguarding lead"),
        "¶6": (table, "Posting disparaging statements about:"),
        "¶6(b1)": (table, "the Academy/Trust;"),
        "¶6(b2)": (table, "other stakeholders,"),
        "¶7": (table, "Using an official academy e-mail account for all email communication with staff"),
        "¶8": (("Review",), "This policy is reviewed annually by the Trust."),
    }


RUNNING = """Hillcrest CE Primary School
Online Safety and Social Media Policy
Date adopted: 12th September 2024. Next review: September 2026.

Contents
1. Introduction ........................ 2
2. Reporting concerns .................. 3

1. Introduction
1.1 Hillcrest CE Primary School recognises that social media is part of everyday life. This policy
explains what is expected of all staff when they use social media.

Hillcrest CE Primary School - Social Media Policy                  Page 1 of 3
\fHillcrest CE Primary School - Social Media Policy
1.2 Staff must not use their personal phones to take photographs of pupils, except on trips agreed by
the Headteacher in advance.
2. Reporting concerns
2.1 Any concern about a pupil's safety online must be reported to the Designated Safeguarding Lead
without delay.

- 2 -
\fHillcrest CE Primary School - Social Media Policy
2.2 Concerns about the online conduct of a member of staff must be reported to the Headteacher.
3
Signed: ____________________   (Chair of Governors)
"""


def test_running_headers_page_numbers_and_contents_are_furniture(tmp_path: Path, tagger: TopicTagger) -> None:
    policy = ingest(tmp_path, "running.txt", RUNNING, tagger)
    assert [c.ref for c in policy.clauses] == ["1.1", "1.2", "2.1", "2.2"]
    assert policy.clause("1.2").text == ("Staff must not use their personal phones to take photographs of "
                                         "pupils, except on trips agreed by the Headteacher in advance.")
    text = " ".join(c.text for c in policy.clauses)
    for furniture in ("Page 1", "- 2 -", "Social Media Policy", "Signed", "....", "Contents"):
        assert furniture not in text
    assert policy.title == "Online Safety and Social Media Policy"
    assert policy.owner == "Hillcrest CE Primary School"
    assert policy.dates == {"approved": "12th September 2024", "effective": None, "review": "September 2026"}


def test_every_clause_is_tagged_from_the_taxonomy(tmp_path: Path, tagger: TopicTagger) -> None:
    policy = ingest(tmp_path, "numbered.txt", NUMBERED, tagger)
    assert "pupil_contact" in policy.clause("2.1(1)").topics
    assert {"photos"} <= set(policy.clause("2.1(3)").topics)
    assert "posting_about_work" in policy.clause("2.1(2)").topics
    assert all(set(c.topics) <= set(tagger.topic_ids) for c in policy.clauses)
