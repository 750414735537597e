"""Reading one answer to one step, by its type, into JSON-safe data, and showing it back.

Every answer a user types passes through `parse_answer`, which either accepts it (with the value
to store), rejects it (with the re-ask to say, from _messages.yaml), or, for a staff member whose
name matches several people, asks which one. Free text is kept verbatim apart from control
characters: it is never interpreted as markup, because it is evidence in a report.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import HttpUrl, TypeAdapter, ValidationError

from bot.forms.dates import moment_start, parse_moment
from bot.forms.messages import Messages
from bot.forms.model import Option, Step

FindStaff = Callable[[str], Sequence[tuple[str, str]]]
"""The staff directory: text the user typed -> matching (staff id, display name) pairs."""

MAX_STAFF_CANDIDATES = 10  # more than this is not a pick list, it is a search that needs a fuller name


@dataclass(frozen=True, slots=True)
class Accepted:
    value: Any


@dataclass(frozen=True, slots=True)
class Rejected:
    message: str


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """Several staff match: the user picks one of `candidates` (id, name)."""

    query: str
    candidates: tuple[tuple[str, str], ...]


ParseResult = Accepted | Rejected | Ambiguous


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """What reading an answer needs besides the text: the wording, the time now, the directory."""

    messages: Messages
    now: datetime
    find_staff: FindStaff


_KEEP_CONTROLS = {"\n", "\t"}


def clean_text(text: str) -> str:
    """The user's text without control characters (newlines and tabs kept) or surrounding blank space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in text if ch in _KEEP_CONTROLS or unicodedata.category(ch) != "Cc")
    return kept.strip()


def normalise(text: str) -> str:
    """For comparing words: lower case, single spaces, no surrounding punctuation."""
    return re.sub(r"\s+", " ", text.casefold()).strip(" .,!?;:'\"()[]")


def match_option(options: Sequence[Option], text: str) -> Option | None:
    """The option named by its value, its label, its number in the list (as the console shows it), or
    words that occur in one label only ("current pupil" for "A current pupil")."""
    key = normalise(text)
    for option in options:
        if key in (option.value, normalise(option.label)):
            return option
    if re.fullmatch(r"[0-9]{1,3}", key) and 1 <= int(key) <= len(options):
        return options[int(key) - 1]
    if len(key) >= 3:
        pattern = re.compile(rf"\b{re.escape(key)}\b")
        found = [o for o in options if pattern.search(normalise(o.label))]
        if len(found) == 1:
            return found[0]
    return None


def parse_answer(step: Step, text: str, *, ctx: AnswerContext) -> ParseResult:
    """Read `text` as the answer to `step`."""
    text = clean_text(text)
    invalid = ctx.messages.invalid
    if not text:
        return Rejected(invalid.empty.format())
    reader = _READERS[step.type]
    return reader(step, text, ctx)


def _text(step: Step, text: str, ctx: AnswerContext) -> ParseResult:
    limit = step.max_length or ctx.messages.limits.text_max_length
    if len(text) > limit:
        return Rejected(ctx.messages.invalid.text_too_long.format(length=len(text), max_length=limit))
    return Accepted(text)


def _choice(step: Step, text: str, ctx: AnswerContext) -> ParseResult:
    option = match_option(step.options, text)
    return Accepted(option.value) if option else Rejected(ctx.messages.invalid.choice.format())


def _multi_choice(step: Step, text: str, ctx: AnswerContext) -> ParseResult:
    chosen: set[str] = set()
    unknown = []
    for piece in re.split(r"[,;\n]|\s+(?:and|&)\s+", text):
        if not piece.strip():
            continue
        option = match_option(step.options, piece)
        if option:
            chosen.add(option.value)
        else:
            unknown.append(piece.strip())
    if unknown or not chosen:
        return Rejected(ctx.messages.invalid.multi_choice.format(unknown=", ".join(unknown) or text))
    return Accepted([o.value for o in step.options if o.value in chosen])


def _yes_no(step: Step, text: str, ctx: AnswerContext) -> ParseResult:
    key = normalise(text)
    words = ctx.messages.words
    if key in {normalise(w) for w in words.yes} or key == "1":
        return Accepted(True)
    if key in {normalise(w) for w in words.no} or key == "2":
        return Accepted(False)
    return Rejected(ctx.messages.invalid.yes_no.format())


_FUTURE_GRACE = timedelta(minutes=15)  # clocks and typing differ a little; "now" must not be "the future"


def _datetime(step: Step, text: str, ctx: AnswerContext) -> ParseResult:
    invalid = ctx.messages.invalid
    moment = parse_moment(text, now=ctx.now, tense=step.tense)
    if moment is None:
        return Rejected(invalid.datetime.format())
    start = moment_start(moment, tzinfo=ctx.now.tzinfo)
    if step.tense == "past" and start > ctx.now + _FUTURE_GRACE:
        return Rejected(invalid.datetime_in_future.format())
    if step.tense == "future" and date.fromisoformat(moment["date"]) < ctx.now.date():
        return Rejected(invalid.datetime_in_past.format())
    return Accepted(moment)


_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def read_url(token: str) -> str | None:
    """A web address as the user gave it (https:// added when left off), or None if it is not one."""
    token = token.strip("<>()[],;\"'")
    if "|" in token:  # Slack sends links as <https://example.com|example.com>
        token = token.split("|", 1)[0]
    if not re.match(r"^[a-z][a-z0-9+.-]*://", token, re.IGNORECASE):
        token = "https://" + token
    try:
        _HTTP_URL.validate_python(token)
    except ValidationError:
        return None
    host = urlsplit(token).hostname or ""
    labels = host.split(".")
    is_ip = all(part.isdigit() for part in labels) and len(labels) == 4
    if not is_ip and (len(labels) < 2 or not re.fullmatch(r"[a-z]{2,}|xn--[a-z0-9-]+", labels[-1])):
        return None
    return token


def _url(step: Step, text: str, ctx: AnswerContext) -> ParseResult:
    tokens = [t for t in re.split(r"[\s,]+", text) if t]
    urls = [read_url(t) for t in tokens]
    if not tokens or any(u is None for u in urls) or (len(urls) > 1 and not step.multiple):
        return Rejected(ctx.messages.invalid.url.format())
    return Accepted(urls if step.multiple else urls[0])


def _staff(step: Step, text: str, ctx: AnswerContext) -> ParseResult:
    found = list(dict.fromkeys((str(i), str(n)) for i, n in ctx.find_staff(text)))
    if not found or len(found) > MAX_STAFF_CANDIDATES:
        return Rejected(ctx.messages.invalid.staff_not_found.format(query=text))
    if len(found) == 1:
        staff_id, name = found[0]
        return Accepted({"id": staff_id, "name": name})
    return Ambiguous(query=text, candidates=tuple(found))


_YEAR = re.compile(
    r"\b(?:(?:year|yr|y)\s*(?P<num>1[0-3]|[1-9])|(?P<rec>reception|rec|yr\s*r)|(?P<nur>nursery))\b",
    re.IGNORECASE,
)
_PUPIL_FILLER = re.compile(r"\b(?:in|from|of|pupil|child|student)\b", re.IGNORECASE)


def _one_pupil(piece: str, messages: Messages) -> dict | Rejected:
    years = list(_YEAR.finditer(piece))
    if len(years) != 1:
        return Rejected(messages.invalid.pupil.format())
    year_match = years[0]
    year = (f"Y{int(year_match.group('num'))}" if year_match.group("num")
            else "R" if year_match.group("rec") else "N")
    rest = _PUPIL_FILLER.sub(" ", piece[:year_match.start()] + " " + piece[year_match.end():])
    tokens = re.sub(r"[.,()\-:/]", " ", rest).split()
    if any(len(t) >= 4 or (len(t) == 3 and not t.isupper()) for t in tokens):
        return Rejected(messages.invalid.pupil_full_name.format())
    initials = "".join(tokens)
    if not re.fullmatch(r"[^\W\d_]{1,3}", initials):
        return Rejected(messages.invalid.pupil.format())
    return {"initials": initials.upper(), "year": year}


def _pupil(step: Step, text: str, ctx: AnswerContext) -> ParseResult:
    pieces = []
    for chunk in re.split(r"[;\n]|\s+(?:and|&)\s+", text):
        if len(_YEAR.findall(chunk)) > 1:
            pieces.extend(chunk.split(","))
        elif chunk.strip():
            pieces.append(chunk)
    pupils = []
    for piece in pieces:
        result = _one_pupil(piece, ctx.messages)
        if isinstance(result, Rejected):
            return result
        pupils.append(result)
    if not pupils or (len(pupils) > 1 and not step.multiple):
        return Rejected(ctx.messages.invalid.pupil.format())
    return Accepted(pupils if step.multiple else pupils[0])


_READERS: dict[str, Callable[[Step, str, AnswerContext], ParseResult]] = {
    "text": _text, "choice": _choice, "multi_choice": _multi_choice, "yes_no": _yes_no,
    "datetime": _datetime, "url": _url, "staff": _staff, "pupil": _pupil,
}


def display(step: Step, value: Any, *, messages: Messages) -> str:
    """An answer as the summary shows it."""
    labels = messages.labels
    if value is None:
        return labels.skipped
    if step.type == "choice":
        option = step.option(value)
        return option.label if option else str(value)
    if step.type == "multi_choice":
        return ", ".join(o.label for o in step.options if o.value in value)
    if step.type == "yes_no":
        return labels.yes if value else labels.no
    if step.type == "datetime":
        shown = date.fromisoformat(value["date"]).strftime(labels.date_format)
        if value.get("time"):
            return f"{shown}, {value['time']}"
        if value.get("part"):
            return f"{shown}, {getattr(labels, value['part'])}"
        return shown
    if step.type == "staff":
        return value["name"]
    if step.type == "pupil":
        return ", ".join(_pupil_label(p, messages) for p in (value if step.multiple else [value]))
    if step.type == "url" and step.multiple:
        return "\n".join(value)
    return str(value)


def _pupil_label(pupil: dict, messages: Messages) -> str:
    labels = messages.labels
    year = pupil["year"]
    names = {"R": labels.reception, "N": labels.nursery}
    shown = names.get(year) or f"{labels.year} {year[1:]}"
    return f"{pupil['initials']} ({shown})"


_PUPIL_YEARS = {"N", "R", *(f"Y{n}" for n in range(1, 14))}


def fits(step: Step, value: Any) -> bool:
    """Whether a stored value has the shape this step produces (a form may change under a saved state)."""
    if value is None:
        return step.optional
    checks: dict[str, Callable[[Any], bool]] = {
        "text": lambda v: isinstance(v, str),
        "choice": lambda v: isinstance(v, str) and step.option(v) is not None,
        "multi_choice": lambda v: isinstance(v, list) and bool(v) and all(
            isinstance(x, str) and step.option(x) is not None for x in v),
        "yes_no": lambda v: isinstance(v, bool),
        "datetime": _fits_moment,
        "url": lambda v: _each(v, step.multiple, lambda u: isinstance(u, str)),
        "staff": lambda v: isinstance(v, dict) and all(isinstance(v.get(k), str) for k in ("id", "name")),
        "pupil": lambda v: _each(v, step.multiple, lambda p: isinstance(p, dict) and isinstance(
            p.get("initials"), str) and p.get("year") in _PUPIL_YEARS),
    }
    return checks[step.type](value)


def _each(value: Any, multiple: bool, check: Callable[[Any], bool]) -> bool:
    if multiple:
        return isinstance(value, list) and bool(value) and all(check(v) for v in value)
    return check(value)


def _fits_moment(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    try:
        date.fromisoformat(value["date"])
        if value.get("time") is not None:
            datetime.strptime(value["time"], "%H:%M")
    except (KeyError, TypeError, ValueError):
        return False
    return value.get("part") in (None, "morning", "afternoon", "evening", "night")
