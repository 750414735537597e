"""A small TF-IDF index with cosine similarity over unigram and bigram stems.

Hand-written rather than a library (bm25s, scikit-learn) because `policybot ask` must start
and answer in well under a second: this builds in milliseconds for a trust's worth of clauses,
and scores a question through an inverted index in microseconds. The postings are numpy arrays:
a question's scores are one `bincount` over the postings of its terms, four times faster than
adding them up one by one in Python (benchmarks/answer_bench.py), which under load was the
engine's largest cost.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

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

    def dense(self, query: Vector) -> np.ndarray:
        """Cosine similarity of the query with every document, in order (see `Postings.dense`)."""
        return self._postings.dense(query)


class Postings:
    """Normalised vectors searchable by cosine through an inverted index: only the postings of the query's terms
    are read. The postings of all terms lie end to end in two arrays (the positions of the vectors holding a
    term, and its weight in each), and each term knows its stretch: two arrays load from the engine's cache in
    a moment, where one pair per term (thousands of small arrays) took a tenth of a second."""

    def __init__(self, vectors: Sequence[Vector]) -> None:
        by_term: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, vec in enumerate(vectors):
            for term, weight in vec.items():
                by_term[term].append((i, weight))
        self._stretch: dict[str, slice] = {}
        positions: list[int] = []
        weights: list[float] = []
        for term, postings in by_term.items():
            self._stretch[term] = slice(len(positions), len(positions) + len(postings))
            positions.extend(i for i, _ in postings)
            weights.extend(w for _, w in postings)
        self._positions = np.array(positions, dtype=np.intp)
        self._weights = np.array(weights, dtype=np.float64)
        self._size = len(vectors)

    def dense(self, query: Vector) -> np.ndarray:
        """Cosine similarity of the query with every vector, in order (0.0 where no term is shared). The sums
        are made term by term in the query's order, as a loop adding them up would: the same floats."""
        found = [(self._stretch[term], weight) for term, weight in query.items() if term in self._stretch]
        if not found:
            return np.zeros(self._size)
        positions = np.concatenate([self._positions[stretch] for stretch, _ in found])
        products = np.concatenate([self._weights[stretch] * weight for stretch, weight in found])
        return np.bincount(positions, weights=products, minlength=self._size)

    def search(self, query: Vector) -> dict[int, float]:
        """Cosine similarity of the query with every vector that shares a term with it (weights are positive,
        so these are exactly the non-zero scores)."""
        scores = self.dense(query)
        shared = np.flatnonzero(scores)
        return dict(zip(shared.tolist(), scores[shared].tolist(), strict=True))
