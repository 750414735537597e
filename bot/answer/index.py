"""A small TF-IDF index with cosine similarity over unigram and bigram stems.

Hand-written rather than a library (bm25s, scikit-learn) because `policybot ask` must start
and answer in well under a second: this needs no numpy, builds in milliseconds for a trust's
worth of clauses, and scores a question through an inverted index in microseconds.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

Vector = dict[str, float]


def features(stems: Sequence[str]) -> list[str]:
    """Unigrams plus adjacent bigrams: "friend request" means more than "friend" and "request"."""
    return [*stems, *(f"{a}_{b}" for a, b in zip(stems, stems[1:], strict=False) if a != b)]


class TfIdfIndex:
    """Documents as L2-normalised sublinear TF-IDF vectors, searchable by cosine similarity."""

    def __init__(self, docs: Iterable[Sequence[str]]) -> None:
        counts = [Counter(doc) for doc in docs]
        df: Counter[str] = Counter()
        for c in counts:
            df.update(c.keys())
        n = len(counts)
        self.idf: dict[str, float] = {t: math.log((n + 1) / (d + 1)) + 1.0 for t, d in df.items()}
        self.vectors: list[Vector] = [self._weigh(c) for c in counts]
        self._postings = Postings(self.vectors)

    def _weigh(self, counts: Counter[str]) -> Vector:
        vec = {t: (1.0 + math.log(tf)) * self.idf.get(t, 0.0) for t, tf in counts.items()}
        norm = math.sqrt(sum(w * w for w in vec.values()))
        return {t: w / norm for t, w in vec.items() if w} if norm else {}

    def vector(self, feats: Sequence[str]) -> Vector:
        """A query's vector; terms the index has never seen carry no weight."""
        return self._weigh(Counter(f for f in feats if f in self.idf))

    def search(self, query: Vector) -> dict[int, float]:
        """Cosine similarity of the query with every document that shares a term with it."""
        return self._postings.search(query)

    def dense(self, query: Vector) -> list[float]:
        """Cosine similarity of the query with every document, in order (see `Postings.dense`)."""
        return self._postings.dense(query)


class Postings:
    """Normalised vectors searchable by cosine through an inverted index: only the vectors sharing a term with
    the query are touched."""

    def __init__(self, vectors: Sequence[Vector]) -> None:
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, vec in enumerate(vectors):
            for term, weight in vec.items():
                postings[term].append((i, weight))
        self._postings = dict(postings)
        self._size = len(vectors)

    def search(self, query: Vector) -> dict[int, float]:
        """Cosine similarity of the query with every vector that shares a term with it (a plain dict and `get`:
        a third faster than a defaultdict in this, the engine's hottest loop)."""
        scores: dict[int, float] = {}
        get = scores.get
        for term, qw in query.items():
            for doc, dw in self._postings.get(term, ()):
                scores[doc] = get(doc, 0.0) + qw * dw
        return scores

    def dense(self, query: Vector) -> list[float]:
        """Cosine similarity of the query with every vector, in order (0.0 where no term is shared): for a caller
        that reads most of them, a list indexed by position is nearly twice as fast to fill as `search`'s dict,
        and slices of it can be reduced in C (the best example of each intent: `max` over its run)."""
        scores = [0.0] * self._size
        for term, qw in query.items():
            for doc, dw in self._postings.get(term, ()):
                scores[doc] += qw * dw
        return scores
