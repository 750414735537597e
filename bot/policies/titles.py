"""How a policy is named to people: its title, told apart from another policy's when titles repeat."""

from __future__ import annotations

import re
from collections import defaultdict

from bot.policies.model import Policy


def _alike(title: str) -> str:
    """Titles that differ only in case, spacing or punctuation read the same to a person."""
    return re.sub(r"[^a-z0-9]+", "", title.lower())


def display_titles(policies: list[Policy]) -> dict[str, str]:
    """Each policy's title as citations show it: told apart by owner, then date, when titles repeat.

    A trust often adopts several documents called "Social Media Policy"; a citation that names
    the wrong one is no citation.
    """

    def label(p: Policy, *extra: str | None) -> str:
        parts = [e for e in extra if e]
        return f"{p.title} ({', '.join(parts)})" if parts else p.title

    titles = {p.id: p.title for p in policies}
    for attempt in (
        lambda p: label(p, p.owner),
        lambda p: label(p, p.owner, p.dates.get("approved") or p.dates.get("review") or p.id),
    ):
        counts: dict[str, int] = defaultdict(int)
        for title in titles.values():
            counts[_alike(title)] += 1
        titles = {p.id: attempt(p) if counts[_alike(titles[p.id])] > 1 else titles[p.id] for p in policies}
    return titles
