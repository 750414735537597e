"""Joining printed lines into units: one numbered item, bullet, paragraph or heading each.

Extraction leaves hard line-wraps, and often a blank line after every line (so blank lines are not
paragraph breaks) or a blank line in the middle of a sentence. A line therefore *continues* the unit
before it unless something says it starts a new one. The rules, in order:

1. A Word paragraph, a heading, or removed furniture (a form, a contents list) always ends a unit.
2. A bullet or number marker starts a unit, unless the number is part of a sentence ("... paragraph /
   4.1 (15)", "... sections 3.1 and / 4.2 below").
3. A web address continues only what introduces it ("... at:", "see").
4. A line starting in lower case continues the sentence - except that after a line ending in ":" (and
   a gap, or an indent where a glyph was) it opens a list whose bullets were lost in extraction, and
   inside such a list each line after a ";" or "." is the next item.
5. A line continues when the one before ends with a comma, a hyphen or dash, an open bracket or a
   function word ("of", "the", "to", "and"...); it starts a new unit after ".", ";", ":", "?", "!" -
   unless the line before filled the width and nothing separates them (a new sentence in the same
   paragraph, as PDF exports print it).
6. A line of spaces (an empty paragraph in a PDF export) separates; in a document with a paragraph
   per line (Markdown, Word), only rules 3-4 join lines.
7. Otherwise - no punctuation before a capitalised word - the line continues after an acronym ("the
   UK / Safer Internet Centre") or when it starts with a year or bracket, and otherwise the document
   decides, measured not guessed: the pair of words already occurs together within a line elsewhere
   (a name: "Governing / Bodies") -> continue; the word occurs in lower case elsewhere (a common word
   capitalised to start a table cell or heading: "Inviting", "The") -> new unit; else the line before
   was cut short of the document's wrap width -> new unit; else continue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.ingest.lines import Break, Line, Marker, parse_line

# Words a phrase cannot end on: a line ending with one stops mid-sentence, and a heading never ends so.
FUNCTION_WORDS = frozenset({
    "a", "an", "the", "of", "to", "and", "or", "nor", "but", "in", "on", "at", "by", "for", "from", "with",
    "without", "into", "onto", "upon", "about", "as", "than", "that", "which", "who", "whom", "whose",
    "where", "when", "whether", "if", "is", "are", "was", "were", "be", "been", "being", "has", "have",
    "had", "will", "would", "shall", "should", "may", "might", "must", "can", "could", "not", "no", "any",
    "all", "each", "every", "their", "his", "her", "its", "our", "your", "my", "this", "these", "those",
    "such", "other", "another", "via", "including", "include", "includes", "between", "under", "over",
    "within", "through", "towards", "toward", "against", "during", "per", "both", "e.g.", "i.e.",
    "whilst", "while", "because", "unless", "until", "before", "after", "following", "regarding",
    "concerning", "relating", "related",
})

# Capitalised, these open a sentence rather than continue a name ("to the / Designated Safeguarding Lead").
_SENTENCE_OPENERS = FUNCTION_WORDS | {"it", "they", "we", "you", "he", "she", "i", "there", "please"}
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_TERMINAL_RE = re.compile(r"[.;:!?][\"'’”)\]]*$")
_COLON_RE = re.compile(r":-?[\"'’”)]*$")
_CONTINUATION_END_RE = re.compile(r"(?:[,(/&–—]|(?<=[A-Za-z])-)$")
_REFERENCE_END_RE = re.compile(r"\b(?:paras?|paragraphs?|sections?|clauses?|page|point|no\.)$", re.I)
_STRENGTH: dict[Break | None, int] = {None: 0, Break.BLANK: 1, Break.SPACER: 2, Break.HARD: 3}
_ACRONYM_END_RE = re.compile(r"\b[A-Z]{2,6}$")
_URL_START_RE = re.compile(r"^(?:https?://|www\.)", re.I)
_INTRODUCES_URL_RE = re.compile(r"(?::|\b(?:at|see|visit|from|on|via|to))\s*$", re.I)


@dataclass(slots=True)
class Unit:
    """A run of printed lines that reads as one piece: its first line's marker, then its words."""

    first: Line
    parts: list[str]
    gap_before: Break | None
    text: str = field(default="")

    def add(self, part: str, *, vocabulary: DocumentWords) -> None:
        """Join the next printed line on (replacing an empty first part: a bullet glyph alone on its line)."""
        if not self.parts or not self.parts[-1]:
            self.parts[-1:] = [part]
        else:
            self.parts.append(part)
        self.text = _join(self.parts, vocabulary)


@dataclass(slots=True)
class DocumentWords:
    """What the document itself says about its words: which occur in lower case, which pairs occur."""

    lower: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    tokens: frozenset[str]
    wrap_width: float

    @classmethod
    def measure(cls, lines: Iterable[str]) -> DocumentWords:
        lower: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        tokens: set[str] = set()
        lengths: list[int] = []
        for line in lines:
            words = _WORD_RE.findall(line)
            tokens.update(w.lower() for w in words)
            lower.update(_base(w) for w in words if w[0].islower())
            pairs.update(_adjacent_capitalised(line))
            if len(line.strip()) >= 20:
                lengths.append(len(line.strip()))
        lengths.sort()
        width = float(lengths[int(len(lengths) * 0.9)]) if lengths else 0.0
        return cls(frozenset(lower), frozenset(pairs), frozenset(tokens), width)

    @property
    def wrapped(self) -> bool:
        """Hard-wrapped text (a PDF export) rather than a paragraph per line."""
        return 0 < self.wrap_width <= 160


def _adjacent_capitalised(line: str) -> Iterable[tuple[str, str]]:
    """Pairs of words separated only by spaces whose second word is capitalised: "Governing Bodies"."""
    matches = list(_WORD_RE.finditer(line))
    for a, b in zip(matches, matches[1:], strict=False):
        if b.group()[0].isupper() and not line[a.end():b.start()].strip():
            yield a.group(), b.group()


def _base(word: str) -> str:
    word = word.split("/")[0]
    return re.sub(r"['’]s?$", "", word).lower()


def _join(parts: list[str], vocabulary: DocumentWords) -> str:
    text = ""
    for part in parts:
        if not part:
            continue
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and part[:1].isalpha():
            left = _WORD_RE.findall(text)[-1].rstrip("-").lower()
            right = _WORD_RE.findall(part)[0].lower()
            joined, hyphenated = left + right, f"{left}-{right}"
            if joined in vocabulary.tokens and hyphenated not in vocabulary.tokens:
                text = text[:-1] + part  # a word broken at the line end by soft hyphenation
            else:
                text += part
        else:
            text = f"{text} {part}" if text else part
    return text


def segment(stream: list[str | Break], *, whole_paragraphs: bool) -> list[Unit]:
    """Turn printed lines (with the breaks furniture removal left) into units."""
    vocabulary = DocumentWords.measure(s for s in stream if isinstance(s, str))
    return _Segmenter(vocabulary, whole_paragraphs).run(stream)


class _Segmenter:
    def __init__(self, vocabulary: DocumentWords, whole_paragraphs: bool) -> None:
        self.words = vocabulary
        self.whole_paragraphs = whole_paragraphs
        self.in_lost_list = False

    def run(self, stream: list[str | Break]) -> list[Unit]:
        units: list[Unit] = []
        gap: Break | None = None
        for item in stream:
            if isinstance(item, Break) or not item.strip():
                found = item if isinstance(item, Break) else (Break.SPACER if item else Break.BLANK)
                gap = found if _STRENGTH[found] > _STRENGTH[gap] else gap
                continue
            line = parse_line(item)
            if units and self._continues(units[-1], line, gap):
                part = line.printed if line.marker is not Marker.NONE else line.text
                units[-1].add(part, vocabulary=self.words)
            else:
                if line.marker is not Marker.NONE or not line.text[:1].islower():
                    self.in_lost_list = False
                units.append(Unit(first=line, parts=[line.text], gap_before=gap, text=line.text))
            gap = None
        return units

    def _continues(self, unit: Unit, line: Line, gap: Break | None) -> bool:
        if self.whole_paragraphs or gap is Break.HARD or unit.first.heading_level or line.heading_level:
            return False
        if not unit.parts[-1]:
            return line.marker is Marker.NONE  # a bullet glyph alone on its line: its words follow
        prev = unit.parts[-1]
        if line.marker is not Marker.NONE:
            if line.bare_number:
                return self._ends_open(prev)
            numbered = line.marker in (Marker.DOTTED, Marker.INT)
            # "... in paragraph / 4.1 (15)", "... sections 3.1 and / 4.2 below": a number in a sentence
            return numbered and (bool(_REFERENCE_END_RE.search(prev))
                                 or (self._ends_open(prev) and line.text[:1].islower()))
        text = line.text
        if _URL_START_RE.match(text):
            return bool(_INTRODUCES_URL_RE.search(prev))
        if text[0].islower():
            if _COLON_RE.search(prev) and (gap is not None or line.indented):
                self.in_lost_list = True
                return False
            return not (self.in_lost_list and _TERMINAL_RE.search(prev))
        if gap is Break.SPACER or not self.words.wrapped:
            return False  # an empty paragraph between them, or a paragraph per line
        if self._ends_open(prev, line):
            return True
        if _TERMINAL_RE.search(prev):
            # a full-width line ending a sentence, with no gap, before more than a heading: the paragraph
            # goes on
            width = self.words.wrap_width
            return (gap is None and prev.endswith((".", "?", "!")) and len(prev) >= 0.85 * width
                    and (len(text) >= 0.5 * width or bool(_TERMINAL_RE.search(text))))
        if _ACRONYM_END_RE.search(prev):
            return True  # "... on the UK / Safer Internet Centre website"
        if not text[0].isalpha():
            return True  # a year, a quotation, a bracket: mid-sentence
        first = _WORD_RE.match(text)
        last = _WORD_RE.findall(prev)
        if first and last and (last[-1], first.group()) in self.words.pairs:
            return True
        if first and _base(first.group()) in self.words.lower:
            return False
        return len(prev) >= 0.7 * self.words.wrap_width

    def _ends_open(self, prev: str, line: Line | None = None) -> bool:
        """The line stops mid-phrase: a comma, a dash, an open bracket or a function word - except a
        short line ending on a function word before a new sentence: a heading ("Who this policy
        applies to / It applies...")."""
        if _CONTINUATION_END_RE.search(prev):
            return True
        words = prev.split()
        if not words or words[-1].lower() not in FUNCTION_WORDS:
            return False
        opening = _WORD_RE.match(line.text) if line is not None else None
        return not (opening and opening.group().lower() in _SENTENCE_OPENERS
                    and len(prev) < 0.7 * self.words.wrap_width)
