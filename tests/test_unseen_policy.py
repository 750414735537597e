"""A policy nobody curated intents for: ingested automatically, then asked about.

The engine must carry it on topic tagging and retrieval alone: no intent names this
document, and its wording differs from every shipped policy ("learners", "connections",
"Safeguarding Lead"). The same text is tried as plain text, as Word and as PDF.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "data" / "unseen-policy.txt"


def policybot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, check=True)


def paragraphs() -> list[str]:
    return [" ".join(block.split()) for block in SOURCE.read_text().split("\n\n") if block.strip()]


def as_docx(path: Path) -> None:
    document = docx.Document()
    for text in paragraphs()[:-1]:  # the page footer is furniture a Word file would not carry
        if text.startswith("Section "):
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    document.save(str(path))


class _Pdf(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, "Oakfield Learning Partnership - Online Conduct Policy", new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, f"Page {self.page_no()}", align="C")


def as_pdf(path: Path) -> None:
    pdf = _Pdf()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for text in paragraphs()[:-1]:
        pdf.multi_cell(0, 6, text.replace("\u2019", "'"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        if text.startswith("3.2"):
            pdf.add_page()  # a page break mid-document, so headers and page numbers repeat
    pdf.output(str(path))


QUESTIONS = [
    ("a year 8 sent me a follow request on instagram", "must block the learner", "pupil_contact"),
    ("can i put pics of my class on my facebook", "must not publish photographs or video recordings", None),
    ("is it ok to be friends with parents on fb", "parents or carers of learners", None),
    ("my nephew goes to one of our schools, do I need to tell anyone", "close relative", "family_declaration"),
    ("a parent keeps posting abuse about me online, what should I do", "keep screenshots", "cyberbullying"),
]


@pytest.fixture(scope="module", params=["txt", "docx", "pdf"])
def policy_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp(request.param)
    source = work / f"oakfield.{request.param}"
    {"txt": lambda p: p.write_text(SOURCE.read_text()), "docx": as_docx, "pdf": as_pdf}[request.param](source)
    out = work / "policies"
    policybot("ingest", str(source), "--id", "oakfield-2025", "--out", str(out))
    return out


def test_unseen_policy_answers_cite_the_right_clause(policy_dir: Path, tmp_path: Path) -> None:
    batch = tmp_path / "q.txt"
    batch.write_text("\n".join(q for q, _, _ in QUESTIONS) + "\nwhat time is the staff meeting\n")
    proc = policybot("--policies", str(policy_dir), "ask", "--batch", str(batch), "--json")
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    for (question, snippet, form), result in zip(QUESTIONS, results, strict=False):
        assert result["answered"], question
        texts = [" ".join(c["text"].split()) for c in result["clauses"]]
        assert any(snippet in t for t in texts), (question, texts)
        assert all(c["policy"] == "oakfield-2025" for c in result["clauses"])
        if form:
            assert result["form"] == form, question
    assert results[-1]["answered"] is False


def test_unseen_policy_furniture_is_not_a_clause(policy_dir: Path) -> None:
    text = (policy_dir / "oakfield-2025.yaml").read_text()
    assert "Page 1" not in text
    assert "Oakfield Learning Partnership - Online Conduct Policy" not in text.split("clauses:", 1)[1]
