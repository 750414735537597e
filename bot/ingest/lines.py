"""One printed line, cleaned: inline markup removed, bullets and numbers recognised.

Readers hand over raw lines; everything after works on `Line`s, so the segmenter never has to
know whether a bullet was a `•`, a Wingdings glyph from a PDF (U+F0B7, private use), a Markdown
`- ` or a Word list, nor whether a phrase was `**bold**` or `<u>underlined</u>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

# Private-use glyphs (Symbol/Wingdings bullets that PDF extraction leaves behind) and the usual ones.
_BULLET_CHARS = "•·▪▫◦○●■□➢➤►▶✓✔➔→‣⁃∙" + "".join(chr(c) for c in range(0xE000, 0xF900))
_BULLET_RE = re.compile(rf"^(?:[{re.escape(_BULLET_CHARS)}]\s*|[-–—*+](?:\t|\s+)|--\s+)")
# `4.1`, `1.1.`, `6.0.` - a printed clause number (two or more parts).
_DOTTED_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)\.?(?=\s|$)")
# `1.`, `1)`, `(1)`, or a bare `1` before a capitalised word (headings like `1 OVERVIEW`).
_INT_RE = re.compile(r"^(?:\((\d{1,2})\)|(\d{1,2})[.)])(?=\s)")
_BARE_INT_RE = re.compile(r"^(\d{1,2})\s+(?=[A-Z])")
# `a)`, `(a)`, `a.`, `iv)`.
_LETTER_RE = re.compile(r"^(?:\(([a-z]|[ivx]{1,4})\)|([a-z]|[ivx]{1,4})[.)])(?=\s)")
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+")

_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_MD_LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS_RE = re.compile(r"(\*\*|__)(?=[^\s_*])(.+?)(?<=[^\s_*])\1")
_MD_STAR_RE = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
_SPACES_RE = re.compile(r"[ \u00a0\u2000-\u200b\u202f\u3000]+")
_CHECKBOX_RE = re.compile(r"<input\b[^>]*type=[\"']?checkbox|[☐☑☒□]|\[ \]")


class Break(Enum):
    """What separates two printed lines, when it is not nothing."""

    BLANK = "blank"  # an empty line
    SPACER = "spacer"  # a line of spaces: in PDF exports, an empty paragraph - a real break
    HARD = "hard"  # removed furniture that separated content (a form, a table of contents)


class Marker(Enum):
    """What a line starts with."""

    NONE = "none"
    BULLET = "bullet"
    DOTTED = "dotted"  # 4.1
    INT = "int"  # 1. / 1) / (1) / bare `1 ` before a capital
    LETTER = "letter"  # a) / (a)


@dataclass(frozen=True, slots=True)
class Line:
    """A cleaned printed line.

    `text` has its marker removed; `number` is the marker as printed (`4.1`, `3`, `b`), and
    `heading_level` is set when the source said so (Markdown `#`, a Word heading style).
    `form_field` marks checkbox rows and similar pieces of a form to fill in; `printed` is the
    cleaned line with its marker, for when a "marker" turns out to be part of a sentence; `indented`
    says the printed line started with white space (where extraction may have dropped a bullet glyph).
    """

    text: str
    marker: Marker = Marker.NONE
    number: str = ""
    heading_level: int = 0
    form_field: bool = False
    bare_number: bool = False
    printed: str = ""
    indented: bool = False


def strip_markup(text: str) -> str:
    """Remove Markdown and HTML inline markup, keeping the words."""
    text = _MD_LINK_RE.sub(r"\1", text)
    text = _TAG_RE.sub(" ", text)
    text = _MD_EMPHASIS_RE.sub(r"\2", text)
    text = _MD_STAR_RE.sub(r"\1", text)
    return text


def collapse(text: str) -> str:
    """Single spaces, no edges; tabs are kept (they separate table cells)."""
    return "\t".join(_SPACES_RE.sub(" ", cell).strip() for cell in text.split("\t")).strip()


def parse_line(raw: str, *, heading_level: int = 0) -> Line:
    """Clean one raw line and recognise its bullet, number or Markdown heading marker."""
    form_field = bool(_CHECKBOX_RE.search(raw))
    md = _MD_HEADING_RE.match(raw.lstrip())
    if md and not heading_level:
        heading_level = len(md.group(1))
        raw = raw.lstrip()[md.end():]
    text = collapse(strip_markup(raw)).replace("\t", " ")
    if not text:
        return Line("", heading_level=heading_level, form_field=form_field)
    bullet = _BULLET_RE.match(text)
    if bullet:
        return Line(text[bullet.end():].strip(), Marker.BULLET, heading_level=heading_level,
                    form_field=form_field, printed=text)
    for marker, pattern in ((Marker.DOTTED, _DOTTED_RE), (Marker.INT, _INT_RE), (Marker.LETTER, _LETTER_RE)):
        found = pattern.match(text)
        if found:
            number = next(g for g in found.groups() if g)
            return Line(text[found.end():].strip(), marker, number, heading_level, form_field, printed=text)
    bare = _BARE_INT_RE.match(text)
    if bare:
        return Line(text[bare.end():].strip(), Marker.INT, bare.group(1), heading_level, form_field,
                    bare_number=True, printed=text)
    return Line(text, heading_level=heading_level, form_field=form_field, printed=text,
                indented=raw[:1].isspace())
