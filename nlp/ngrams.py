"""A second, spelling-level signal: character n-gram TF-IDF cosine against each intent.

The lexicon scorer needs a message word to resolve to a lexicon term. Citizens often use a
word the lexicon only has in another form or as part of a longer word (پایه/پایه‌های،
همخوانی/خوانده، انتقالش/انتقال), or a compound the suffix rules do not peel. Character
n-grams of the words (with word-boundary marks, 3 to 4 letters) overlap in those cases, so a
cosine between the message and an intent's whole text (keywords, phrases, title,
description) still points the right way when no term hits exactly. It is a weak signal on
purpose: the matcher adds it with a small weight, so it ranks and rescues but rarely
overrules the lexicon.

Pure Python and sparse: a posting list per n-gram, so a query costs one dict probe per
n-gram of the message (a few hundred at most) and the index builds in milliseconds.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from operator import add

__all__ = ["CharNgramIndex", "char_ngrams"]

NGRAM_SIZES = (3, 4)
_DENSE_MIN = 6
"""Postings at least this long are also kept as dense rows (a C-level list addition)."""


def char_ngrams(words: Iterable[str]) -> Counter[str]:
    """Counts of the 3- and 4-letter grams of each word, padded with spaces at both ends.

    Padding makes word starts and ends their own grams («␣قب», «بض␣»), which is what tells
    «قبض» from a word that only contains those letters.
    """
    grams: Counter[str] = Counter()
    for word in words:
        grams.update(_word_grams(word))
    return grams


@lru_cache(maxsize=20_000)
def _word_grams(word: str) -> tuple[str, ...]:
    """The grams of one padded word; cached because message words recur constantly."""
    padded = f" {word} "
    return tuple(padded[i : i + n] for n in NGRAM_SIZES for i in range(len(padded) - n + 1))


class CharNgramIndex:
    """Cosine similarity of a message's n-grams with each document's (TF-IDF weighted).

    ``documents`` maps a code to its words. A gram's IDF is taken across documents, so
    grams every intent shares («برق») weigh nothing; document TF is sublinear (1 + log tf)
    so a long description does not drown its own keywords.
    """

    def __init__(self, documents: Mapping[str, Iterable[str]]) -> None:
        counts = {code: char_ngrams(words) for code, words in documents.items()}
        n_docs = max(len(counts), 1)
        df: Counter[str] = Counter()
        for grams in counts.values():
            df.update(grams.keys())
        self._idf = {g: math.log((n_docs + 1) / (d + 0.5)) for g, d in df.items()}
        self._codes = tuple(counts)
        # postings hold (document index, idf × normalised weight): a query's weight for a
        # gram is its idf, so the product is fixed at build and a query only adds.
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, grams in enumerate(counts.values()):
            weights = {g: (1 + math.log(tf)) * self._idf[g] for g, tf in grams.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for g, w in weights.items():
                if w > 0:
                    postings[g].append((index, self._idf[g] * w / norm))
        self._postings = {g: tuple(ps) for g, ps in postings.items()}
        # grams many documents share also as dense rows: one list addition per gram
        width = len(self._codes)
        self._dense: dict[str, tuple[float, ...]] = {}
        for g, ps in postings.items():
            if len(ps) >= _DENSE_MIN:
                row = [0.0] * width
                for index, w in ps:
                    row[index] = w
                self._dense[g] = tuple(row)
        self._words: dict[str, tuple[frozenset[str], tuple[float, ...], float]] = {}

    def similarities(self, words: Iterable[str]) -> dict[str, float]:
        """Cosine (0..1) of the message ``words`` with each document that shares a gram.

        The message's grams are a set (a gram two words share counts once), yet the work
        is per word: each word's dot products and squared norm are cached, and a gram
        already seen in an earlier word is subtracted back out, so the result is exact.
        """
        seen: frozenset[str] = frozenset()
        scores: list[float] | None = None
        square = 0.0
        for word in words:
            grams, vector, sq = self._word(word)
            if not grams:
                continue
            scores = list(vector) if scores is None else list(map(add, scores, vector))
            square += sq
            shared = grams & seen
            if shared:
                for g in shared:
                    square -= self._idf[g] ** 2
                    for index, w in self._postings.get(g, ()):
                        scores[index] -= w
            seen |= grams
        if scores is None or square <= 1e-12:
            return {}
        norm = math.sqrt(square)
        codes = self._codes
        return {codes[i]: v / norm for i, v in enumerate(scores) if v > 1e-12}

    def _word(self, word: str) -> tuple[frozenset[str], tuple[float, ...], float]:
        """A word's known grams, its dot product with every document, its squared norm."""
        cached = self._words.get(word)
        if cached is None:
            if len(self._words) >= 20_000:
                self._words.clear()
            grams = frozenset(g for g in _word_grams(word) if g in self._idf)
            vector = [0.0] * len(self._codes)
            for g in grams:
                row = self._dense.get(g)
                if row is not None:
                    vector = list(map(add, vector, row))
                    continue
                for index, w in self._postings.get(g, ()):
                    vector[index] += w
            square = sum(self._idf[g] ** 2 for g in grams)
            cached = self._words[word] = (grams, tuple(vector), square)
        return cached
