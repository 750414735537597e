"""Ingesting PDF and Word files made here (fpdf2, python-docx), writing the policy file, and the errors.

The PDF has what school PDFs have: a running header, "Page N of M" footers, hard-wrapped numbered
clauses, a numbered list inside a clause and a sentence broken by a page break. The Word file has
heading styles, Word list numbering, bullets from a list style, a table, an empty form, and a header
and footer.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from fpdf import FPDF
from pypdf import PdfReader

from bot.errors import IngestError
from bot.ingest import ingest_file, write_policy
from bot.policies.loader import load_policy
from bot.topics import TopicTagger

HEADER = "Oakfield Primary School - Social Media Policy"

# (printed number, wrapped lines); None as a line is a page break in the middle of the clause.
PDF_BODY: list[tuple[str, list[str | None]]] = [
    ("1. Purpose and scope", []),
    ("1.1", ["This policy sets out how all staff at Oakfield Primary School should use social media, both in",
             "school and at home, so that pupils are kept safe."]),
    ("1.2", ["It applies to teachers, support staff, volunteers and governors, and to every platform",
             "including Facebook, Instagram, TikTok and WhatsApp."]),
    ("2. Contact with pupils", []),
    ("2.1", ["Staff must:"]),
    ("1.", ["not accept friend or follow requests from current pupils, or from former pupils under the",
            "age of 18, on any personal social media account;"]),
    ("2.", ["report any request or message received from a pupil to the Designated Safeguarding Lead on the",
            None,
            "same day, and keep a screenshot as evidence of the contact."]),
    ("2.2", ["Staff who are related to a pupil at the school must declare the relationship to the",
             "Headteacher, who will record it."]),
    ("3. Breaches", []),
    ("3.1", ["A breach of this policy may lead to disciplinary action, and serious breaches may be treated",
             "as gross misconduct."]),
]


class _PolicyPdf(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, HEADER, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")


def make_pdf(path: Path) -> None:
    pdf = _PolicyPdf()
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Social Media Policy", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 6, "Approved by the Governing Body: 14 March 2025", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, "Review date: March 2026", new_x="LMARGIN", new_y="NEXT")
    for number, lines in PDF_BODY:
        if not lines:
            pdf.set_font("Helvetica", "B", 12)
            pdf.cell(0, 10, number, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=11)
            continue
        prefix = f"{number}  "
        for line in lines:
            if line is None:
                pdf.add_page()
                continue
            pdf.cell(0, 6, prefix + line, new_x="LMARGIN", new_y="NEXT")
            prefix = ""
        pdf.ln(3)
    pdf.output(str(path))


@pytest.fixture(scope="module")
def tagger() -> TopicTagger:
    return TopicTagger.load()


def joined(lines: list[str | None]) -> str:
    return " ".join(line for line in lines if line)


def test_pdf_with_running_header_page_numbers_and_wrapped_clauses(tmp_path: Path,
                                                                  tagger: TopicTagger) -> None:
    path = tmp_path / "oakfield.pdf"
    make_pdf(path)
    policy = ingest_file(path, policy_id="oakfield", tagger=tagger)
    texts = dict(PDF_BODY)
    assert [(c.ref, c.path, c.text) for c in policy.clauses] == [
        ("1.1", ("1. Purpose and scope",), joined(texts["1.1"])),
        ("1.2", ("1. Purpose and scope",), joined(texts["1.2"])),
        ("2.1", ("2. Contact with pupils",), "Staff must:"),
        ("2.1(1)", ("2. Contact with pupils",), joined(texts["1."])),
        ("2.1(2)", ("2. Contact with pupils",), joined(texts["2."])),  # across the page break
        ("2.2", ("2. Contact with pupils",), joined(texts["2.2"])),
        ("3.1", ("3. Breaches",), joined(texts["3.1"])),
    ]
    assert policy.title == "Social Media Policy"
    assert policy.owner == "Oakfield Primary School"
    assert policy.dates == {"approved": "14 March 2025", "effective": None, "review": "March 2026"}
    assert "pupil_contact" in policy.clause("2.1(1)").topics
    assert {"safeguarding", "reporting_concerns"} <= set(policy.clause("2.1(2)").topics)


class _UnnumberedPdf(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, "Riverside Academy | Social Media Policy | Version 2", align="R",
                  new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, str(self.page_no()), align="C")


UNNUMBERED: list[tuple[str, list[str]]] = [
    ("Purpose", ["This policy helps staff at Riverside Academy to use social media safely and "
                 "professionally. It protects pupils, staff and the reputation of the academy."]),
    ("Who this policy applies to", ["It applies to all employees, supply staff, volunteers and governors, "
                                    "whenever they use social media, whether at work or at home."]),
    ("Contact with pupils", ["Staff must not:", "- accept friend or follow requests from current pupils;",
                             "- message pupils from personal accounts or personal phone numbers;",
                             "- follow former pupils under the age of 18.",
                             "If a pupil tries to contact you on social media, do not reply. Take a "
                             "screenshot and report it to the Designated Safeguarding Lead the same day."]),
    ("Breaches", ["Any breach of this policy may result in disciplinary action. " * 14]),
]


def test_pdf_without_numbers_or_blank_lines(tmp_path: Path, tagger: TopicTagger) -> None:
    """What pypdf makes of a Word export: no blank lines, bold headings on lines of their own."""
    pdf = _UnnumberedPdf()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, "Social Media Policy for Staff", new_x="LMARGIN", new_y="NEXT")
    for heading, paragraphs in UNNUMBERED * 2:
        pdf.set_font("Helvetica", "B", 13)
        pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for text in paragraphs:
            pdf.multi_cell(0, 6, text.strip(), new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "riverside.pdf"
    pdf.output(str(path))
    policy = ingest_file(path, policy_id="riverside", tagger=tagger)
    assert len(PdfReader(path).pages) > 1
    expected = [(heading, text.strip().removeprefix("- ")) for heading, paragraphs in UNNUMBERED
                for text in paragraphs]
    assert [(c.path[-1], c.text) for c in policy.clauses] == expected * 2
    assert [c.ref for c in policy.clauses[:7]] == ["¶1", "¶2", "¶3", "¶3(b1)", "¶3(b2)", "¶3(b3)", "¶4"]
    assert policy.title == "Social Media Policy for Staff"


def test_docx_list_without_headings_keeps_its_lead_in(tmp_path: Path, tagger: TopicTagger) -> None:
    document = docx.Document()
    document.add_paragraph("Staff must:")
    _numbered(document, "not friend pupils;", style="List Number", num_id=5)
    _numbered(document, "not on any platform", style="List Number", num_id=5, level=1)
    _numbered(document, "not post photographs of pupils.", style="List Number", num_id=5)
    path = tmp_path / "rules.docx"
    document.save(str(path))
    policy = ingest_file(path, policy_id="rules", tagger=tagger)
    assert [(c.ref, c.text) for c in policy.clauses] == [
        ("¶1", "Staff must:"), ("¶1(1)", "not friend pupils;"), ("¶1(1)(b1)", "not on any platform"),
        ("¶1(2)", "not post photographs of pupils."),
    ]


def _numbered(document: docx.document.Document, text: str, *, style: str, num_id: int,
              level: int = 0) -> None:
    """A Word list paragraph as Word writes it: numbering properties on the paragraph itself."""
    paragraph = document.add_paragraph(text, style=style)
    numbering = OxmlElement("w:numPr")
    for tag, value in (("w:ilvl", level), ("w:numId", num_id)):
        element = OxmlElement(tag)
        element.set(qn("w:val"), str(value))
        numbering.append(element)
    paragraph._p.get_or_add_pPr().append(numbering)


def make_docx(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Staff Social Media Policy", 0)
    document.add_paragraph("Brookside Academy Trust")
    document.add_paragraph("Adopted: September 2024. Next review: September 2025.")
    document.add_heading("1. Introduction", 1)
    document.add_paragraph("This policy applies to everyone who works or volunteers at Brookside Academy.")
    document.add_heading("2. Personal accounts", 1)
    document.add_paragraph("Staff must follow these rules on their personal accounts:")
    for rule in ("Do not accept friend requests from pupils.", "Do not post photographs of pupils.",
                 "Report any contact from a pupil to the DSL."):
        _numbered(document, rule, style="List Number", num_id=5)
    document.add_paragraph("Examples of personal accounts include:")
    for platform in ("Facebook", "Instagram"):  # bullets from the paragraph style alone
        document.add_paragraph(platform, style="List Bullet")
    document.add_heading("Appropriate and inappropriate use", 2)
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Appropriate", (0, 1): "Inappropriate",
                             (1, 0): "Setting your privacy settings to the highest level.",
                             (1, 1): "Accepting pupils as friends on any platform."}.items():
        table.cell(row, col).text = text
    form = document.add_table(rows=2, cols=2)
    form.cell(0, 0).text = "Staff name"
    form.cell(1, 0).text = "Signature"
    section = document.sections[0]
    section.header.paragraphs[0].text = "Brookside Academy Trust - confidential"
    section.footer.paragraphs[0].text = "Page 1"
    document.save(str(path))


def test_docx_with_headings_numbering_bullets_and_a_table(tmp_path: Path, tagger: TopicTagger) -> None:
    path = tmp_path / "brookside.docx"
    make_docx(path)
    policy = ingest_file(path, policy_id="brookside", tagger=tagger)
    intro, personal = ("1. Introduction",), ("2. Personal accounts",)
    table = (*personal, "Appropriate and inappropriate use", "Appropriate / Inappropriate")
    assert [(c.ref, c.path, c.text) for c in policy.clauses] == [
        ("1¶1", intro, "This policy applies to everyone who works or volunteers at Brookside Academy."),
        ("2¶1", personal, "Staff must follow these rules on their personal accounts:"),
        ("2(1)", personal, "Do not accept friend requests from pupils."),
        ("2(2)", personal, "Do not post photographs of pupils."),
        ("2(3)", personal, "Report any contact from a pupil to the DSL."),
        ("2¶2", personal, "Examples of personal accounts include:"),
        ("2¶2(b1)", personal, "Facebook"),
        ("2¶2(b2)", personal, "Instagram"),
        ("2¶3", table, "Setting your privacy settings to the highest level."),
        ("2¶4", table, "Accepting pupils as friends on any platform."),
    ]
    assert policy.title == "Staff Social Media Policy"
    assert policy.owner == "Brookside Academy Trust"
    assert policy.dates == {"approved": "September 2024", "effective": None, "review": "September 2025"}
    assert policy.source["file"] == "brookside.docx" and len(policy.source["sha256"]) == 64


def test_write_policy_round_trips_through_the_loader(tmp_path: Path, tagger: TopicTagger) -> None:
    source = tmp_path / "oakfield.pdf"
    make_pdf(source)
    policy = ingest_file(source, policy_id="oakfield", tagger=tagger)
    written = write_policy(policy, out_dir=tmp_path / "new" / "policy_text")
    assert written == tmp_path / "new" / "policy_text" / "oakfield.yaml"
    loaded = load_policy(written)
    assert loaded.clauses == policy.clauses
    assert (loaded.title, loaded.owner, loaded.dates, loaded.source) == (
        policy.title, policy.owner, policy.dates, policy.source)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("policy.doc", b"\xd0\xcf\x11\xe0", "save it as .docx"),
    ("policy.rtf", b"{\\rtf1}", "unsupported file type '.rtf'"),
    ("empty.txt", b"  \n\n", "no text found"),
    ("furniture.txt", b"Page 1 of 2\n\nPage 2 of 2\n", "no policy text found"),
    ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "cannot read this PDF"),
    ("broken.docx", b"PK\x03\x04 not a zip", "cannot read this Word file"),
])
def test_unreadable_documents_say_what_to_do(tmp_path: Path, name: str, content: bytes, message: str,
                                             tagger: TopicTagger) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError, match=message):
        ingest_file(path, policy_id="test", tagger=tagger)


def test_a_document_with_only_a_heading_has_no_clauses(tmp_path: Path, tagger: TopicTagger) -> None:
    path = tmp_path / "cover.txt"
    path.write_text("Social Media Policy\n\nwww.example.org\n", encoding="utf-8")
    with pytest.raises(IngestError, match="no policy text found"):
        ingest_file(path, policy_id="test", tagger=tagger)


def test_missing_file_and_bad_id(tmp_path: Path, tagger: TopicTagger) -> None:
    with pytest.raises(IngestError, match="file not found"):
        ingest_file(tmp_path / "missing.txt", policy_id="test", tagger=tagger)
    path = tmp_path / "policy.txt"
    path.write_text("1.1 Staff must not friend pupils.\n", encoding="utf-8")
    with pytest.raises(IngestError, match="not valid"):
        ingest_file(path, policy_id="Bad Id", tagger=tagger)
