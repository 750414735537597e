"""From units to clauses: which units are headings, where the policy starts, and each clause's ref.

Headings. A unit is a heading when the source says so (Markdown `#`, a Word heading style), when it
matches an entry of the document's table of contents, or when it *looks* like one and its context
agrees. Looking like one: at most 12 words and 100 characters, not a bullet, no closing ".", ";", ","
or ":", not ending on a function word, no finite verb ("is", "will", "must"...) unless it is a
question. Context: a numbered heading must continue the section numbering (`4.` after `3.`, `4.0` or
`4` - a short `4.` after item 3 of clause 3.2 is item 4); an unnumbered one must follow the end of a
sentence, a bullet, another heading or removed furniture, and must not follow a line ending in ":"
(then it is a list item whose bullet was lost). Three or more heading-like units in a row are a list
or a flattened table, not a chain of headings: only the first can be a heading.

Front matter. The title line - among the heading-like lines the document opens with, the first that
names a "policy" - and everything up to the first heading or numbered clause after it (cover page,
producer's blurb, approval table) are not clauses; metadata is read from them. When the document
marks its headings (numbers, styles, a contents list), only a marked heading starts the body. (The
lead-in of a first list stays with its list; more than 20 units would be prose nobody headed: then
only the title is set aside.)

Refs. Every clause gets a ref that is unique in the policy and readable in a citation:

- a printed clause number as printed: `6.7`, `4.1` (a trailing dot dropped);
- a numbered list item under a clause or numbered section: `4.1(4)`; a lettered one: `4.1(7)(a)`;
- a bullet: `(bN)` under the unit it belongs to - the most recent item, clause or paragraph since the
  last heading, else the numbered heading: `3.5(b11)`, `4.1(7)(b2)`, `4(b3)`;
- an unnumbered paragraph: `¶N`, counted within its numbered clause or section (`4.1¶1`, `4¶2`), or
  through the whole document when no number encloses it (`¶12`); a bullet directly under an
  unnumbered heading counts as such a paragraph.

A section heading's number comes from the heading as printed, or from the contents list when only
that numbers it (appendix `A`). A list item or number printed twice in one place gets `#2`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum

from bot.ingest.furniture import TocEntry, is_furniture_unit
from bot.ingest.lines import Break, Marker
from bot.ingest.segment import FUNCTION_WORDS, Unit

_TITLE_WORD_RE = re.compile(r"\b(?:policy|guidance|procedures?|protocol|code of conduct|guidelines)\b", re.I)
_VERB_RE = re.compile(r"\b(?:is|are|was|were|will|must|should|shall|may|can|cannot|has|have|does)\b", re.I)
_WH_RE = re.compile(r"(?:who|what|when|where|why|how)\b", re.I)
_SENTENCE_END_RE = re.compile(r"[.!?;)][\"'’”)\]]*$")
_FRONT_MATTER_LIMIT = 20
_RUN = 3
_NUMBERED = (Marker.DOTTED, Marker.INT, Marker.LETTER)


class Kind(Enum):
    """What a unit is in the document's structure."""

    HEADING = "heading"
    CLAUSE = "clause"  # a printed clause number: 4.1
    ITEM = "item"  # a numbered or lettered list item
    BULLET = "bullet"
    PARAGRAPH = "paragraph"


@dataclass(frozen=True, slots=True)
class DraftClause:
    """A clause before tagging: its ref, heading path and verbatim text."""

    ref: str
    path: tuple[str, ...]
    text: str


@dataclass(slots=True)
class Outline:
    """The structured document: its clauses, its title line (if printed) and its front matter."""

    clauses: list[DraftClause]
    title: str | None
    front_matter: list[str]


@dataclass(slots=True)
class _Block:
    unit: Unit
    kind: Kind
    level: int = 0
    anchor: str | None = None  # for headings: the section number they open
    marked: bool = False  # a heading the document marks as one: numbered, styled, or in the contents


def outline(units: list[Unit], *, toc: list[TocEntry]) -> Outline:
    """Classify units, drop front matter and furniture, and give every clause its ref and path."""
    kept = [u for u in units if not is_furniture_unit(u.text, listed=u.first.marker is not Marker.NONE)
            and not u.first.form_field]
    title_at = _title_index(kept)
    blocks = _classify(kept, toc=toc, title_at=title_at)
    after_title = 0 if title_at is None else title_at + 1
    marked = any(b.marked for b in blocks)  # the document marks its headings: only those start the body
    start = next((i for i, b in enumerate(blocks[after_title:], after_title)
                  if (b.kind is Kind.HEADING and (b.marked or not marked))
                  or b.unit.first.marker in _NUMBERED), after_title)
    if start > _FRONT_MATTER_LIMIT:
        start = after_title
    while start > after_title and blocks[start - 1].unit.text.endswith(":"):
        start -= 1  # the lead-in of the first list ("Staff must:") belongs with it
    front = [b.unit.text for i, b in enumerate(blocks[:start]) if i != title_at]
    body = [b for i, b in enumerate(blocks) if i >= start and i != title_at]
    return Outline(clauses=_refs(body), title=kept[title_at].text if title_at is not None else None,
                   front_matter=front)


def heading_like(unit: Unit) -> bool:
    """Short, unpunctuated, verbless: shaped like a heading (context decides whether it is one)."""
    text, first = unit.text, unit.first
    words = text.split()
    question = text.endswith("?")
    if first.marker in (Marker.BULLET, Marker.LETTER) or not words or len(text) > 100 \
            or len(words) > (16 if question else 12):
        return False
    if text[0].islower() or re.search(r"[.;,:]$", text):
        return False
    if words[-1].lower() in FUNCTION_WORDS and not _WH_RE.match(text):  # "Who this policy applies to"
        return False
    return question or not _VERB_RE.search(text)


def _title_index(units: list[Unit]) -> int | None:
    """The title line: among the heading-like lines the document opens with, the first naming a policy."""
    for i, unit in enumerate(units[:8]):
        if unit.first.marker in _NUMBERED or not (unit.first.heading_level or heading_like(unit)):
            return None
        if _TITLE_WORD_RE.search(unit.text):
            return i
    return None


def _toc_key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _classify(units: list[Unit], *, toc: list[TocEntry], title_at: int | None) -> list[_Block]:
    toc_by_title = {_toc_key(e.title): e for e in toc}
    entries = [toc_by_title.get(_toc_key(u.text)) for u in units]
    plain = [heading_like(u) and u.first.marker is Marker.NONE and not u.first.heading_level and e is None
             for u, e in zip(units, entries, strict=True)]
    run_start = [0] * len(units)
    run_end = [0] * len(units)
    joined = [i > 0 and plain[i] and plain[i - 1] and units[i].gap_before not in (Break.SPACER, Break.HARD)
              for i in range(len(units))]  # in one run of heading-like units with the unit before
    for i in range(len(units)):
        run_start[i] = run_start[i - 1] if joined[i] else i
    for i in reversed(range(len(units))):
        run_end[i] = run_end[i + 1] if i + 1 < len(units) and joined[i + 1] else i
    blocks: list[_Block] = []
    section: int | None = None  # the last top-level section number
    in_clause = False  # after a printed clause number (4.1), before the next heading
    strong_level = 0  # the level of the last heading the document marked (numbered, contents, style)
    in_list = False  # inside a list whose bullets were lost (after a line ending ":")
    for i, unit in enumerate(units):
        first, entry = unit.first, entries[i]
        prev = blocks[-1] if blocks else None
        in_list = in_list and plain[i] and unit.gap_before not in (Break.SPACER, Break.HARD)
        if i == title_at:
            blocks.append(_Block(unit, Kind.HEADING))  # a heading above them all, set aside by `outline`
            continue
        number = _section_number(first.number) if first.marker in (Marker.INT, Marker.DOTTED) else None
        if first.heading_level or entry is not None:
            level = first.heading_level or 1
            anchor = first.number.rstrip(".") if first.marker in (Marker.INT, Marker.DOTTED) else None
            anchor = anchor or (entry.label if entry else None)
            blocks.append(_Block(unit, Kind.HEADING, level=level, anchor=anchor, marked=True))
            section = number if number is not None else section
            strong_level, in_clause = level, False
        elif heading_like(unit) and number is not None and _continues_numbering(first.number, section, prev,
                                                                                in_clause=in_clause):
            level = 1 + first.number.rstrip(".").removesuffix(".0").count(".")
            blocks.append(_Block(unit, Kind.HEADING, level=level, anchor=first.number.rstrip("."),
                                 marked=True))
            section, strong_level, in_clause = number, level, False
        elif first.marker is Marker.DOTTED:
            blocks.append(_Block(unit, Kind.CLAUSE))
            in_clause = True
        elif first.marker in (Marker.INT, Marker.LETTER):
            blocks.append(_Block(unit, Kind.ITEM))
        elif first.marker is Marker.BULLET or unit.text[0].islower():
            blocks.append(_Block(unit, Kind.BULLET))
        elif plain[i] and (in_list or (prev is not None and prev.unit.text.endswith(":"))):
            in_list = True
            blocks.append(_Block(unit, Kind.BULLET))  # a list item that lost its bullet
        elif plain[i] and _is_heading(i, run_start[i], run_end[i], len(units), prev, unit):
            if strong_level:
                level = strong_level + 1
            else:
                level = prev.level + 1 if prev is not None and prev.kind is Kind.HEADING else 1
            blocks.append(_Block(unit, Kind.HEADING, level=level))
            in_clause = False
        else:
            blocks.append(_Block(unit, Kind.PARAGRAPH))
    return blocks


def _is_heading(i: int, start: int, end: int, total: int, prev: _Block | None, unit: Unit) -> bool:
    """An unnumbered heading-like unit is a heading when something follows it and its place allows one:
    after the end of something, and - in a run of three or more such units (a list or flattened table) -
    only as the run's first unit."""
    if i + 1 >= total or not _may_follow(prev, unit):
        return False
    return i == start or end - start + 1 < _RUN


def _section_number(number: str) -> int | None:
    """`4`, `4.` and `4.0` open section 4; `4.1` does not open a section."""
    parts = number.rstrip(".").split(".")
    if len(parts) == 1 or (len(parts) == 2 and parts[1] == "0"):
        return int(parts[0])
    return None


def _continues_numbering(number: str, section: int | None, prev: _Block | None, *, in_clause: bool) -> bool:
    """Whether a short numbered unit opens the next section rather than continuing a list."""
    value = _section_number(number)
    if value is None or (prev is not None and prev.unit.text.endswith(":")):
        return False
    if in_clause and prev is not None and prev.kind is Kind.ITEM and prev.unit.first.number.isdigit() \
            and int(prev.unit.first.number) == value - 1:
        return False  # the next item of the list in clause 5.1, not section 6
    if section is None:
        return value <= 2
    return section < value <= section + 2


def _may_follow(prev: _Block | None, unit: Unit) -> bool:
    """An unnumbered heading follows the end of something: a sentence, a list item, a heading, a form."""
    if prev is None or prev.kind is Kind.HEADING:
        return True
    text = prev.unit.text
    open_end = text.endswith((",", ";", ":")) or text.split()[-1].lower() in FUNCTION_WORDS
    if prev.kind is Kind.BULLET and open_end:
        return False  # a list item may end without a full stop, but not on a comma or "and"
    if prev.kind is Kind.BULLET or unit.gap_before in (Break.SPACER, Break.HARD):
        return True
    return bool(_SENTENCE_END_RE.search(text))


def _printed(unit: Unit) -> str:
    """A heading as printed: its number and its words."""
    first = unit.first
    if first.marker in (Marker.INT, Marker.DOTTED) and first.printed:
        return re.sub(r"\s+", " ", f"{first.printed.split()[0]} {unit.text}")
    return unit.text


def _refs(blocks: list[_Block]) -> list[DraftClause]:
    out: list[DraftClause] = []
    used: set[str] = set()
    stack: list[tuple[int, str, str | None]] = []  # (level, printed heading, section anchor)
    anchor: str | None = None  # the enclosing clause number or numbered section
    item: str | None = None  # the current numbered list item
    list_parent: str | None = None  # what the current numbered list belongs to
    last: str | None = None  # the unit a following bullet belongs to
    paragraphs: defaultdict[str, int] = defaultdict(int)
    bullets: defaultdict[str, int] = defaultdict(int)

    def unique(ref: str) -> str:
        n, candidate = 1, ref
        while candidate in used:
            n += 1
            candidate = f"{ref}#{n}"
        used.add(candidate)
        return candidate

    def paragraph() -> str:
        key = anchor or ""
        paragraphs[key] += 1
        return f"{key}¶{paragraphs[key]}"

    for block in blocks:
        unit, first = block.unit, block.unit.first
        if block.kind is Kind.HEADING:
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            inherited = stack[-1][2] if stack else None
            anchor = block.anchor or inherited
            stack.append((block.level, _printed(unit), anchor))
            item, list_parent, last = None, None, anchor
            continue
        if block.kind is Kind.CLAUSE:
            ref = anchor = first.number.rstrip(".")
            item = list_parent = None
        elif block.kind is Kind.ITEM and first.marker is Marker.LETTER:
            parent = item or anchor or last
            ref = f"{parent}({first.number})" if parent else f"({first.number})"
        elif block.kind is Kind.ITEM:
            if item is None:  # a numbered list starts: it belongs to the clause, else to its lead-in
                list_parent = anchor or last
            ref = item = f"{list_parent}({first.number})" if list_parent else first.number
            if not list_parent:  # numbered paragraphs with nothing above them are clauses of their own
                anchor = ref
        elif block.kind is Kind.BULLET and last:
            bullets[last] += 1
            ref = f"{last}(b{bullets[last]})"
        else:
            ref = paragraph()
            item = list_parent = None
        ref = unique(ref)
        if block.kind is not Kind.BULLET:
            last = ref
        if unit.text.strip():  # a marker with nothing after it (a stray "·" or "-") is no clause
            out.append(DraftClause(ref=ref, path=tuple(h for _, h, _ in stack), text=unit.text))
    return out
