"""Page furniture: the printed text that is not policy.

Three passes, from the page down to the paragraph:

1. `strip_page_furniture` - per page: page numbers ("Page 3 of 9", "- 3 -", a bare number), running
   headers and footers (a line at the top or bottom of most pages, digits ignored), and lines repeated
   through the text (a running header in a text export, three times or more and not the start of a
   sentence; a footer URL printed at every page break). These vanish without trace, so a sentence
   broken by a page break joins up again.
2. `strip_blocks` - tables of contents (after a "Contents" line, up to the first repeated entry or
   prose; and dotted-leader lines anywhere) and empty form fields (table rows with blank or Yes/No/
   Signature cells, checkboxes, `_____` blanks). These leave a `Break.HARD` behind: a form between
   two headings still separates them. A table row whose cells all hold text is split into its cells.
3. `is_furniture_unit` - for a joined paragraph: contact blocks (phone, e-mail, web address),
   document-control lines ("Review Date: ...", "Version: 7", "Approved by ..."), a bare date, a
   bare web address.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.ingest.lines import Break, Marker, collapse, parse_line, strip_markup
from bot.ingest.segment import FUNCTION_WORDS

_PAGE_NUMBER_RE = re.compile(r"^(?:page\s*)?\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?$|^[-–]\s*\d{1,3}\s*[-–]$", re.I)
_PAGE_IN_LINE_RE = re.compile(r"page\s*\d+(?:\s*(?:of|/)\s*\d+)?")
# A header or footer that ends in its page number ("Online Conduct Policy - Page 1 of 4") is furniture
# even when the document is one page long, so it is never seen repeated.
_PAGE_TAIL_RE = re.compile(r"\bpage\s*\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?\s*$", re.I)
_URL_RE = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_URL_ONLY_RE = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_CONTENTS_RE = re.compile(r"^(?:table\s+of\s+)?contents\s*:?$", re.I)
_LEADER_RE = re.compile(r"(?:\.\s?){4,}\s*\d{1,3}$|\t\s*\d{1,3}$")
_TOC_LABEL_RE = re.compile(r"^(?:(?:appendix|annex)\s+)?([A-Z]|\d{1,2}(?:\.\d{1,2})*)[.)]?\s+(?=\S)", re.I)
_FORM_WORDS = frozenset({
    "", "name", "signature", "signed", "date", "yes", "no", "n/a", "tick", "initials", "position",
    "job title", "role", "print name", "sign", "yes/no",
})
_BLANK_RE = re.compile(r"_{3,}")
_EDGE = 3


@dataclass(frozen=True, slots=True)
class TocEntry:
    """One line of a table of contents: its label as printed (`4`, `A`, or ``) and its title."""

    label: str
    title: str


def strip_page_furniture(pages: list[list[str]]) -> list[str]:
    """All lines of all pages, without page numbers, running headers/footers and repeated lines."""
    running = _running_keys(pages) if len(pages) > 1 else set()
    counts = Counter(_repeat_key(line) for page in pages for line in page if line.strip())
    out: list[str] = []
    for page in pages:
        filled = [i for i, line in enumerate(page) if line.strip()]
        edges = set(filled[:_EDGE] + filled[-_EDGE:])
        dropped: set[int] = set()
        for n, i in enumerate(filled):
            text, key = collapse(page[i]), _repeat_key(page[i])
            following = collapse(page[filled[n + 1]]) if n + 1 < len(filled) else ""
            if (_PAGE_NUMBER_RE.match(text) or (i in edges and _key(page[i]) in running)
                    or (i in edges and len(text) < 120 and _PAGE_TAIL_RE.search(text))
                    or (counts[key] >= 2 and _URL_ONLY_RE.match(text))
                    or (counts[key] >= 3 and _is_running_text(text) and not following[:1].islower())):
                dropped.add(i)
        out.extend(line for i, line in enumerate(page) if i not in dropped)
    return out


def _key(line: str) -> str:
    """A line compared across page edges: digits (page numbers, dates) do not count."""
    return re.sub(r"\d+", "#", collapse(line).lower())


def _repeat_key(line: str) -> str:
    """A line compared through the text: exactly, except for the number in "Page 3 of 9"."""
    return _PAGE_IN_LINE_RE.sub("page #", collapse(line).lower())


def _running_keys(pages: list[list[str]]) -> set[str]:
    seen: Counter[str] = Counter()
    for page in pages:
        filled = [line for line in page if line.strip()]
        seen.update({_key(line) for line in filled[:_EDGE] + filled[-_EDGE:]})
    threshold = max(2, len(pages) // 2)
    return {key for key, n in seen.items() if n >= threshold}


def _is_running_text(text: str) -> bool:
    """A line that can be a running header: a few words, not a list item, not ending like a sentence part."""
    line = parse_line(text)
    return len(text.split()) >= 3 and len(text) <= 120 and line.marker is Marker.NONE and "\t" not in text \
        and not text.endswith((".", ":", ";", ",")) and text.split()[-1].lower() not in FUNCTION_WORDS


def strip_blocks(lines: list[str]) -> tuple[list[str | Break], list[TocEntry]]:
    """Remove tables of contents and form fields (leaving hard breaks); split full table rows into cells."""
    out: list[str | Break] = []
    toc: list[TocEntry] = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        text = collapse(strip_markup(raw))
        if _CONTENTS_RE.match(text) and not toc:
            i = _read_toc(lines, i + 1, toc)
            out.append(Break.HARD)
            continue
        i += 1
        if _LEADER_RE.search(text) or _is_blank_form_line(text) or parse_line(raw).form_field:
            out.append(Break.HARD)
        elif text.startswith("|") and text.endswith("|"):
            out.extend(_table_row(text.strip("|").split("|")))
        elif "\t" in raw.strip(" "):
            out.extend(_table_row(strip_markup(raw).split("\t")))
        else:
            out.append(raw)
    return out, toc


def _table_row(cells: list[str]) -> list[str | Break]:
    cells = [collapse(c) for c in cells]
    if all(re.fullmatch(r"[-: ]*", c) for c in cells):  # a Markdown table rule |---|---|
        return []
    if any(c.lower().rstrip(":?") in _FORM_WORDS or parse_line(c).form_field for c in cells):
        return [Break.HARD]  # a form to fill in
    filled = [c for c in cells if c]
    if len(filled) > 1 and all(len(c.split()) <= 4 and not c.endswith((".", ";", ":")) for c in filled):
        return [Break.HARD, " / ".join(filled), Break.HARD]  # a header row: the columns' names
    rows: list[str | Break] = [Break.HARD]
    for cell in filled:
        rows.extend([cell, Break.HARD])
    return rows


def _is_blank_form_line(text: str) -> bool:
    """`Name of parent: _____` - a blank to fill in, not a sentence that happens to contain one."""
    return bool(_BLANK_RE.search(text)) and len(_BLANK_RE.sub(" ", text).split()) <= 8


def _read_toc(lines: list[str], start: int, toc: list[TocEntry]) -> int:
    """Collect contents entries from `start`; return the index of the first line after the contents."""
    titles: set[str] = set()
    i = start
    while i < len(lines):
        line = parse_line(lines[i])
        text = _LEADER_RE.sub("", line.text).strip()
        if not text:
            i += 1
            continue
        label_match = _TOC_LABEL_RE.match(text)
        label = line.number or (label_match.group(1) if label_match else "")
        title = text[label_match.end():] if label_match and not line.number else text
        norm = title.lower().rstrip(":")
        if norm in titles or len(text) > 100 or text.endswith((".", ";", ",")) or line.heading_level:
            break
        titles.add(norm)
        if not re.fullmatch(r"appendi(?:x|ces)|annex(?:es)?", norm):  # a group's caption is not an entry
            toc.append(TocEntry(label=label, title=title))
        i += 1
    return i


_PHONE_RE = re.compile(r"(?<!\d)(?:\+44\s?|0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)")
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_CONTACT_LABEL_RE = re.compile(r"\b(?:tel|telephone|phone|e-?mail|website|helpline|fax)\s*:", re.I)
_DOC_CONTROL_RE = re.compile(
    r"^(?:date of original|original date|date (?:of )?(?:approval|approved|adopted|issue)|approved|adopted|"
    r"ratified|review date|next review(?: date)?|date of (?:next )?review|reviewed(?: on| by)?|version|"
    r"revisions?|revised|last (?:reviewed|updated)|document (?:owner|version|control)|policy owner|author|"
    r"status|issue date|effective date)\b",
    re.I,
)
DATE_RE = re.compile(
    r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
    r"Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?,?\s+\d{4}\b|"
    r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b|\b\d{4}-\d{2}-\d{2}\b|\b(?:Autumn|Spring|Summer)(?:\s+Term)?\s+\d{4}\b",
    re.I,
)


def is_furniture_unit(text: str, *, listed: bool) -> bool:
    """A joined paragraph that is page furniture rather than policy (never a numbered item or bullet)."""
    if listed:
        return False
    if _URL_ONLY_RE.match(text) or DATE_RE.fullmatch(text.strip(" .")):
        return True
    contacts = (len(_PHONE_RE.findall(text)) + len(_EMAIL_RE.findall(text)) + len(_URL_RE.findall(text))
                + len(_CONTACT_LABEL_RE.findall(text)))
    if contacts >= 2 or (contacts and len(text) < 150):
        return True
    control = _DOC_CONTROL_RE.match(text)
    return bool(control) and (":" in text[: control.end() + 3] or len(text) < 80)
