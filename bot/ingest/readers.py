"""Readers: a document file in, its printed lines out, page by page.

Each format has one small reader and they all return `SourceText`, so everything after (furniture
removal, segmentation, metadata) is the same for every format:

- `.txt` / `.md`: the text, split into pages at form feeds (pdftotext writes them);
- `.pdf`: pypdf's plain text extraction, one page per page (running headers and page numbers are
  found later by comparing page edges);
- `.docx`: docx2python, which keeps Word's list numbering (`1)`, `a)`) and bullets (`--`); each Word
  paragraph becomes one line that is never joined to the next, headings become Markdown `#` lines and
  a table row becomes one line of tab-separated cells, as in a text export.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import IngestError


@dataclass(slots=True)
class SourceText:
    """The printed lines of a document.

    `pages` holds raw lines per page ("" for a blank line). `whole_paragraphs` says every line is a
    complete paragraph (Word), so lines are never joined. `title` is the document's own title
    property, when it has a usable one.
    """

    pages: list[list[str]]
    whole_paragraphs: bool = False
    title: str | None = None

    @property
    def lines(self) -> list[str]:
        return [line for page in self.pages for line in page]


SUPPORTED = (".txt", ".md", ".pdf", ".docx")


def read_document(path: Path) -> SourceText:
    """Read any supported document; an unsupported or unreadable file is an IngestError."""
    readers: dict[str, Callable[[Path], SourceText]] = {
        ".txt": _read_text, ".md": _read_text, ".pdf": _read_pdf, ".docx": _read_docx,
    }
    reader = readers.get(path.suffix.lower())
    if reader is None:
        hint = " - save it as .docx first" if path.suffix.lower() in (".doc", ".odt", ".rtf") else ""
        raise IngestError(
            f"{path.name}: unsupported file type {path.suffix or '(none)'!r} - use one of "
            f"{', '.join(SUPPORTED)}{hint}"
        )
    if not path.is_file():
        raise IngestError(f"{path}: file not found - check the path")
    source = reader(path)
    if not any(line.strip() for line in source.lines):
        raise IngestError(
            f"{path.name}: no text found - if it is a scanned document, run it through OCR "
            "(or export the text from the original) and ingest that"
        )
    return source


def _read_text(path: Path) -> SourceText:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # an older Windows export
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise IngestError(f"{path.name}: this is not a text file - use .pdf or .docx for binary documents")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(pages=[page.split("\n") for page in text.split("\f")])


def _read_pdf(path: Path) -> SourceText:
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            reader.decrypt("")
        pages = [(page.extract_text() or "").split("\n") for page in reader.pages]
        title = (reader.metadata or {}).get("/Title")
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds for damaged or protected files
        if "decrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise IngestError(f"{path.name}: the PDF is password-protected - remove the password "
                              "first") from exc
        raise IngestError(f"{path.name}: cannot read this PDF ({exc}) - re-export it from the "
                          "original") from exc
    return SourceText(pages=pages, title=_usable_title(str(title)) if title else None)


_HEADING_STYLE_RE = re.compile(r"^h([1-6])$")


def _read_docx(path: Path) -> SourceText:
    from docx2python import docx2python

    try:
        with docx2python(path, html=True) as doc:
            lines = list(_docx_lines(doc.body_pars))
            title = doc.core_properties.get("title")
    except Exception as exc:  # noqa: BLE001 - a damaged zip or XML surfaces as many exception types
        raise IngestError(f"{path.name}: cannot read this Word file ({exc}) - re-save it as .docx") from exc
    return SourceText(pages=[lines], whole_paragraphs=True, title=_usable_title(title) if title else None)


def _docx_lines(body: Any) -> Iterator[str]:
    """One line per Word paragraph (headings as Markdown, list markers kept); a table row as one line of
    tab-separated cells, which furniture removal splits into cells or drops as an empty form."""
    style_counts: dict[str, int] = {}
    for table in body:
        pars = [par for row in table for cell in row for par in cell]
        if any("tc" in (par.lineage or ()) for par in pars):
            style_counts.clear()
            for row in table:
                yield "\t".join(" ".join(_par_text(p) for p in cell).strip() for cell in row)
            yield ""
            continue
        for par in pars:
            text = _par_text(par)
            if not text:
                style_counts.clear()
                continue
            levels = [int(m.group(1)) for s in (par.html_style or []) if (m := _HEADING_STYLE_RE.match(s))]
            level = levels[0] if levels else 0
            style = (par.style or "").replace(" ", "").lower()
            if level or style == "title":
                yield "#" * (level or 1) + " " + re.sub(r"</?h[1-6]>", "", text)
            elif not par.list_position[1] and style.startswith(("listbullet", "listnumber")):
                # numbering that comes from the paragraph style, which docx2python does not expand
                style_counts[style] = style_counts.get(style, 0) + 1
                yield f"{style_counts[style]}) {text}" if style.startswith("listnumber") else f"• {text}"
            else:
                if not par.list_position[1]:
                    style_counts.clear()
                yield text


def _par_text(par: Any) -> str:
    """A paragraph's text, with the tab docx2python puts after a list marker (`1)\t`) made a space."""
    return re.sub(r"^(\S{1,6})\t", r"\1 ", "".join(par.run_strings).strip())


def _usable_title(title: str) -> str | None:
    """A document title property, unless it is a file name or an editor's placeholder."""
    title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", title.strip())
    if not title or re.search(r"\.(docx?|pdf|txt|odt)$", title, re.I) or len(title.split()) < 2:
        return None
    return title
