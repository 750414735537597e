"""Policy metadata: title, owner and dates, read from what the document prints.

- title: the document's title property (Word/PDF) when usable, else the title line of its front
  matter ("SOCIAL MEDIA AND NETWORKING POLICY", written in title case), else how the text names
  itself ("The Social Media Policy should be read..."), else the policy id in words - a reviewer
  then sets it in the overrides file.
- owner: the school or trust named most often ("St Elisabeth's CE Primary School", "Kaleidoscope
  Multi Academy Trust"), else the trust's acronym ("SNMAT").
- dates: `approved`, `effective` and `review`, each from a labelled line ("Approved by: ... Date:
  November 2024", "Next Review: November 2025", "Date of Original: December 2012") with the date as
  printed; null when the document does not state it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from bot.ingest.furniture import DATE_RE
from bot.ingest.lines import collapse, strip_markup

_SMALL_WORDS = frozenset({
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with",
})

_SELF_NAME_RE = re.compile(
    r"\b(?:[Tt]he|[Tt]his|[Oo]ur)\s+((?:[A-Z][\w-]*\s+){1,5}(?:Policy|Guidance|Procedures?))\s+"
    r"(?:should|will|is|applies|sets|covers|has|must|aims)\b"
)
_ORG_SUFFIX = (r"(?:Multi[- ]Academy\s+Trust|Academy\s+Trust|Learning\s+Trust|Educational\s+Trust|Trust|"
               r"(?:Primary|Junior|Infant|High|Secondary|Grammar|Middle|Nursery|Special|Free)\s+School|"
               r"School|Academy|College)")
_ORG_RE = re.compile(
    r"(?P<name>(?:St\.?\s+)?[A-Z][\w’']*(?:\s+(?:of|and|&|the|[A-Z][\w’']*)){0,5}?)[\s-]+(?P<kind>"
    + _ORG_SUFFIX + r")(?![\w-])(?!\s+(?:Board|Policy|Policies|website|Team|Act)\b)"
)
# Words that cannot start a school's name: articles, generic adjectives, roles ("Head of School").
_GENERIC_FIRST = frozenset({
    "the", "this", "that", "a", "an", "local", "each", "every", "all", "any", "our", "your", "their", "its",
    "multi", "academy", "school", "trust", "primary", "secondary", "maintained", "free", "community",
    "foundation", "voluntary", "special", "nursery", "other", "both", "whole", "wider", "relevant",
    "individual", "official", "designated", "safer", "national", "if", "where", "when", "in", "for", "and",
    "or", "of", "head", "deputy", "assistant", "executive", "chair", "governors", "governing",
})
_ACRONYM_RE = re.compile(r"\b([A-Z]{1,5}MAT)\b")  # a multi-academy trust: SNMAT
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.;|])\s+(?=[A-Z])")
_LABELS: dict[str, re.Pattern[str]] = {
    "approved": re.compile(
        r"^(?:date\s+(?:of\s+)?(?:approval|approved|adopted|ratified)|approval\s+date|date\s+of\s+original|"
        r"original\s+date|(?:approved|adopted|ratified)(?:\s+by\b[^:\t]*)?(?:\s+on)?)\s*[:\t-]?",
        re.I),
    "effective": re.compile(
        r"^(?:effective(?:\s+from|\s+date)?|date\s+of\s+(?:implementation|issue)|implementation\s+date|"
        r"issue\s+date|date\s+issued|in\s+force\s+from)\s*[:\t-]?",
        re.I),
    "review": re.compile(
        r"^(?:(?:next\s+)?review\s+date|date\s+of\s+(?:next\s+)?review|next\s+review(?:\s+due)?|review\s+due|"
        r"due\s+for\s+review|to\s+be\s+reviewed(?:\s+(?:by|on|in))?)\s*[:\t-]?",
        re.I),
}


def find_title(*, property_title: str | None, title_line: str | None, text: str, policy_id: str) -> str:
    """The policy's title, from the best source available (see the module docstring)."""
    if property_title:
        return property_title
    if title_line:
        return _title_case(title_line) if title_line.isupper() else title_line
    names = Counter(m.group(1).strip() for m in _SELF_NAME_RE.finditer(text))
    if names:
        return names.most_common(1)[0][0]
    return " ".join(w.capitalize() for w in re.split(r"[-_]+", policy_id) if w)


def _title_case(text: str) -> str:
    words = text.lower().split()
    return " ".join(w if i and w in _SMALL_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words))


def find_owner(texts: Iterable[str]) -> str | None:
    """The school or trust the document names most often (longer names win ties)."""
    names: Counter[str] = Counter()
    acronyms: Counter[str] = Counter()
    for text in texts:
        for match in _ORG_RE.finditer(text):
            name = _org_name(match)
            if name:
                names[name] += 1
        acronyms.update(_ACRONYM_RE.findall(text))
    if names:
        return max(names, key=lambda n: (names[n], len(n)))
    frequent = [a for a, n in acronyms.most_common() if n >= 2]
    return frequent[0] if frequent else None


def _org_name(match: re.Match[str]) -> str | None:
    words = match.group("name").split()
    while words and words[0].lower() in _GENERIC_FIRST:
        words = words[1:]
    if not words:
        return None  # "the School", "Head of School": no name
    words = [w.capitalize() if w.isupper() and len(w) > 3 else w for w in words]
    return " ".join([*words, *match.group("kind").split()])


def find_dates(lines: Iterable[str]) -> dict[str, str | None]:
    """`approved`, `effective` and `review` dates from labelled lines (or table cells); the first wins."""
    dates: dict[str, str | None] = dict.fromkeys(_LABELS)
    cleaned = [collapse(strip_markup(line)) for line in lines]
    cleaned = [line for line in cleaned if line]
    for i, line in enumerate(cleaned):
        cells = [c.strip() for cell in line.split("\t") for c in _SENTENCE_SPLIT_RE.split(cell) if c.strip()]
        for c, cell in enumerate(cells):
            for kind, label in _LABELS.items():
                found = label.match(cell)
                if dates[kind] or not found:
                    continue
                rest = " ".join([cell[found.end():], *cells[c + 1:]])
                if i + 1 < len(cleaned):
                    rest += " \n" + cleaned[i + 1]
                date = DATE_RE.search(rest)
                if date and date.start() < 80:
                    dates[kind] = date.group(0)
    return dates
