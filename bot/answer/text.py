"""Turning what staff type into comparable terms.

Staff write "yr 9 lad added me on insta"; policies say "pupil-initiated communication ...
friend requests". Three steps close most of that gap before any ranking happens:

1. clean-up: Unicode NFKC, zero-width and control characters removed, quotes straightened;
2. the vocabulary (`intents/vocabulary.yaml`): how staff actually write, mapped to the words
   policies use. A match *adds* the canonical words, it never removes the user's own, so
   "my son" still says "son" as well as "pupil";
3. stems (Snowball) without stop words, plus adjacent-pair bigrams, and misspellings
   corrected against the words the engine knows (rapidfuzz).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import snowballstemmer
from rapidfuzz import fuzz, process

from bot.errors import ConfigError

_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
    }
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

_STOP_WORDS_TEXT = (
    "a about above after again all also am an and any anything are aren't as at be because been before "
    "being below between both but by can can't could couldn't did didn't do does doesn't doing don't down "
    "during each few for from further get got had hadn't has hasn't have haven't having he he'd he's her "
    "here hers herself him himself his how i i'd i'm i've if in into is isn't it it's its itself just "
    "let's lol me might more most much must mustn't my myself nor of off on once only or other ought our "
    "ours ourselves out over own please quite really same shall she she'd she's should shouldn't so some "
    "such than that that's the their theirs them themselves then there there's these they they'd they're "
    "they've this those through to too under until up us very was wasn't we we'd we're we've were weren't "
    "what what's whats when where which while who whom why will with won't would wouldn't you you'd "
    "you're you've your yours yourself yourselves im ive dont cant ok okay yes yeah hi hello thanks thank "
    "u ur just like bit actually literally basically totally "
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of one lower-case word (cached: the same words recur constantly)."""
    return _stemmer.stemWord(word)


def clean(text: str) -> str:
    """Lower-case, NFKC-normalised text without invisible characters and with straight quotes."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub(" ", text).translate(_QUOTES)
    return text.lower()


def words(text: str) -> list[str]:
    """The words of cleaned text, apostrophes kept inside words ("don't")."""
    return _WORD.findall(text)


def content_stems(tokens: Iterable[str]) -> list[str]:
    """Stems of the tokens that carry meaning."""
    return [stem(t) for t in tokens if t not in STOP_WORDS and len(t) > 1 or t.isdigit()]


class Vocabulary:
    """How staff write, mapped onto the words policies use; loaded from YAML.

    `synonyms` maps a canonical phrase to literal variants, looked up as runs of whole words
    (a dictionary lookup per word run, so a long list costs nothing per question);
    `patterns` maps a canonical phrase to regular expressions (for "year 9s", "y10" ...);
    `domain` lists the words that mark a question as being about online life at all.
    """

    def __init__(
        self, variants: dict[str, str], patterns: list[tuple[re.Pattern[str], str]], domain: frozenset[str]
    ) -> None:
        self._variants = variants
        # the lengths (in words) of the variants beginning with each word: a text is looked up only where one
        # may begin, not at every run of every length (most words begin none)
        self._lengths: dict[str, set[int]] = defaultdict(set)
        for variant in variants:
            first, *rest = variant.split(" ")
            self._lengths[first].add(len(rest) + 1)
        self._patterns = patterns
        self.domain = domain

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        from bot.answer.schemas import VocabularyFile
        from bot.yamlfile import load_yaml, validate

        data = load_yaml(path) or {}
        model = validate(VocabularyFile, data, file=path)
        variants: dict[str, str] = {}
        for canonical, literal in model.synonyms.items():
            for variant in literal:
                variants[" ".join(words(clean(variant)))] = clean(canonical)
        patterns: list[tuple[re.Pattern[str], str]] = []
        for canonical, regexes in model.patterns.items():
            for regex in regexes:
                try:
                    patterns.append((re.compile(regex), clean(canonical)))
                except re.error as exc:
                    line = data.get("patterns", {}).key_lines.get(canonical) if data.get("patterns") else None
                    raise ConfigError(
                        f"patterns.{canonical}: {regex!r} is not a valid regular expression ({exc}) - fix or quote it",
                        file=str(path),
                        line=line,
                    ) from exc
        return cls(variants, patterns, frozenset(content_stems(words(clean(" ".join(model.domain))))))

    def expand(self, cleaned: str) -> list[str]:
        """The canonical phrases of every variant found in the text (the text itself is not repeated)."""
        toks = words(cleaned)
        runs = sorted(
            (n, i) for i, tok in enumerate(toks) for n in self._lengths.get(tok, ()) if i + n <= len(toks)
        )  # shortest first, then in the order they appear
        found = [self._variants[run] for n, i in runs if (run := " ".join(toks[i : i + n])) in self._variants]
        found += [canonical for pattern, canonical in self._patterns if pattern.search(cleaned)]
        return list(dict.fromkeys(found))


#: Corrections a Speller remembers. Every message can bring words never seen before (typos, names, a hostile
#: message of random strings), so a long-running web process keeps only the most recently used.
SPELLER_CACHE = 50_000
#: How close (rapidfuzz's `fuzz.ratio`, 0-100) a known word must be to replace a misspelt one.
SPELLING_CUTOFF = 84


class Speller:
    """Corrects misspelt words against the words the engine knows (policy and example words)."""

    def __init__(self, known_words: Iterable[str], *, cache_size: int = SPELLER_CACHE) -> None:
        self._known = frozenset(known_words)
        self._choices = sorted(w for w in self._known if len(w) >= 4 and not w.isdigit())
        self._cache_size = cache_size
        self._closest_known = lru_cache(maxsize=cache_size)(self._closest)
        self._windows: dict[int, list[str]] = {}  # word length -> the choices that can match it (`_of_length`)

    def __getstate__(self) -> dict[str, object]:
        """Pickled without its cache (the built engine is kept on disk; a cache of a bound method cannot be)."""
        return {"known": self._known, "choices": self._choices, "cache_size": self._cache_size}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._known, self._choices, self._cache_size = state["known"], state["choices"], state["cache_size"]
        self._closest_known = lru_cache(maxsize=self._cache_size)(self._closest)
        self._windows = {}

    def correct(self, word: str) -> str:
        if word in self._known or len(word) < 4 or word.isdigit() or word in STOP_WORDS:
            return word
        return self._closest_known(word)

    def remembered(self) -> int:
        """How many corrections are remembered now."""
        return self._closest_known.cache_info().currsize

    def _closest(self, word: str) -> str:
        best = process.extractOne(word, self._of_length(len(word)), scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
        return best[0] if best else word

    def _of_length(self, length: int) -> list[str]:
        """The known words long enough and short enough to reach the cutoff against a word of `length`, in
        order: `fuzz.ratio` is 100 * (1 - distance / total length), and two words' distance is at least the
        difference of their lengths. A new word was compared with all 2,600 known words (0.23 ms); most are
        out of reach, and the words left give the same best match (the first best, in the same order)."""
        window = self._windows.get(length)
        if window is None:
            window = self._windows[length] = [
                w for w in self._choices if 100 * abs(len(w) - length) <= (100 - SPELLING_CUTOFF) * (len(w) + length)
            ]
        return window
