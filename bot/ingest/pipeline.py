"""The ingestion pipeline: read, remove furniture, segment, outline, tag, and write the policy file."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

import yaml

from bot.answer.text import Vocabulary, clean
from bot.errors import IngestError
from bot.ingest.furniture import strip_blocks, strip_page_furniture
from bot.ingest.metadata import find_dates, find_owner, find_title
from bot.ingest.readers import read_document
from bot.ingest.segment import segment
from bot.ingest.structure import outline
from bot.policies.model import Clause, Policy
from bot.topics import TopicTagger

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def ingest_file(path: Path, *, policy_id: str, tagger: TopicTagger | None = None) -> Policy:
    """Turn a .txt, .md, .pdf or .docx policy document into a structured, topic-tagged `Policy`.

    `tagger` defaults to the taxonomy in `intents/topics.yaml`. Raises IngestError for an unsupported,
    unreadable or empty document, or one in which no clauses can be found.
    """
    if not _ID_RE.match(policy_id):
        raise IngestError(
            f"policy id {policy_id!r} is not valid - use lower-case letters, digits, '-' "
            "and '_', e.g. kaleidoscope-2024"
        )
    path = Path(path)
    source = read_document(path)
    stream, toc = strip_blocks(strip_page_furniture(source.pages))
    doc = outline(segment(stream, whole_paragraphs=source.whole_paragraphs), toc=toc)
    if not doc.clauses:
        raise IngestError(
            f"{path.name}: no policy text found after removing headings and page furniture - "
            "check that the file is the policy itself"
        )
    tagger = tagger or TopicTagger.load()
    clauses = _inherit_lead_in_topics(
        [
            Clause(policy=policy_id, ref=c.ref, text=c.text, path=c.path, topics=tagger.tag(c.text, path=c.path))
            for c in doc.clauses
        ]
    )
    body = "\n".join(c.text for c in clauses)
    return Policy(
        id=policy_id,
        title=find_title(property_title=source.title, title_line=doc.title, text=body, policy_id=policy_id),
        owner=find_owner([doc.title or "", " ".join(doc.front_matter), *(c.text for c in clauses)]),
        dates=find_dates(source.lines),
        source={"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()},
        clauses=clauses,
    )


def _with_canonical_words(text: str, vocabulary: Vocabulary) -> str:
    """The clause text followed by the policies' usual words for its own ("learners" -> pupil).

    Documents name the same people and things differently; tagging the text together with the
    shared vocabulary's canonical words lets one taxonomy tag every school's policy.
    """
    extra = vocabulary.expand(clean(text))
    return f"{text} {' '.join(extra)}" if extra else text


_LAST_GROUP = re.compile(r"\([^()]*\)$")


def _inherit_lead_in_topics(clauses: list[Clause]) -> list[Clause]:
    """Items under a lead-in ("... duties under Keeping Children Safe as these relate to:") share its topics.

    A list item often makes sense only with its lead-in, so it is found by the lead-in's topics
    too. The parent of `4.1(15)(b3)` is `4.1(15)`; only a parent ending in a colon passes its
    topics down, because only a lead-in is read together with its items.
    """
    by_ref = {c.ref: c for c in clauses}
    out: list[Clause] = []
    for c in clauses:
        parent = by_ref.get(_LAST_GROUP.sub("", c.ref)) if _LAST_GROUP.search(c.ref) else None
        if parent is not None and parent.text.rstrip().endswith(":"):
            c = replace(c, topics=tuple(dict.fromkeys((*c.topics, *parent.topics))))
        out.append(c)
    return out


def write_policy(policy: Policy, *, out_dir: Path) -> Path:
    """Write `<out_dir>/<id>.yaml` (creating the folder) in the format `bot.policies.loader` reads."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{policy.id}.yaml"
        text = yaml.safe_dump(policy.to_dict(), sort_keys=False, allow_unicode=True, width=100000)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise IngestError(
            f"cannot write the policy file in {out_dir}: {exc.strerror} - choose a writable folder with --out"
        ) from exc
    return path
