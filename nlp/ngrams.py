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

__all__ = ["CharNgramIndex", "char_ngrams"]

NGRAM_SIZES = (3, 4)


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
        self._postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for code, grams in counts.items():
            weights = {g: (1 + math.log(tf)) * self._idf[g] for g, tf in grams.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for g, w in weights.items():
                if w > 0:
                    self._postings[g].append((code, w / norm))

    def similarities(self, words: Iterable[str]) -> dict[str, float]:
        """Cosine (0..1) of the message ``words`` with each document that shares a gram."""
        query = {g: self._idf[g] for g in char_ngrams(words) if g in self._idf}
        norm = math.sqrt(sum(w * w for w in query.values()))
        if not norm:
            return {}
        scores: dict[str, float] = defaultdict(float)
        for g, w in query.items():
            for code, dw in self._postings.get(g, ()):
                scores[code] += w * dw
        return {code: s / norm for code, s in scores.items()}
