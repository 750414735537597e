"""The structured form of a policy document, as `policybot ingest` writes it.

A policy file in `policy_text/` is YAML:

    id: kaleidoscope-2024
    title: Social Media and Networking Policy
    owner: Kaleidoscope Multi Academy Trust
    dates: {approved: "2024-11-06", effective: null, review: "November 2025"}
    source: {file: 002_70c2382469039eb2.txt, sha256: "..."}
    clauses:
      - ref: "4(3)"
        path: ["4. Staff use of personal social media"]
        text: "Staff will not 'friend', 'follow' ..."
        topics: [pupil_contact]

A clause is one numbered item, bullet or paragraph, quoted verbatim (hard wraps joined).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Clause:
    """One quotable unit of a policy."""

    policy: str
    ref: str
    text: str
    path: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The clause as written into a policy file (without the policy id, which the file holds)."""
        return {"ref": self.ref, "path": list(self.path), "text": self.text, "topics": list(self.topics)}


@dataclass(slots=True)
class Policy:
    """A whole policy: its metadata and its clauses in document order."""

    id: str
    title: str
    clauses: list[Clause]
    owner: str | None = None
    dates: dict[str, str | None] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """A short hash of the clause text: a new version only when the words change."""
        digest = hashlib.sha256()
        for clause in self.clauses:
            digest.update(clause.ref.encode())
            digest.update(b"\0")
            digest.update(clause.text.encode())
            digest.update(b"\0")
        return digest.hexdigest()[:16]

    def clause(self, ref: str) -> Clause | None:
        for clause in self.clauses:
            if clause.ref == ref:
                return clause
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "owner": self.owner,
            "dates": dict(self.dates),
            "source": dict(self.source),
            "clauses": [c.to_dict() for c in self.clauses],
        }
