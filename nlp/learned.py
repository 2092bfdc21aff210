"""The learned signal: a multinomial Naive Bayes over labelled example messages.

The lexicon knows the words staff thought of; citizens keep writing others. The catalog's
example messages (``models/catalog/examples/*.tsv``, written blind by several people and
extended with real misses) carry that variety, and a classifier trained on them at index
build generalises to wordings nobody put in the lexicon.

Why Naive Bayes, and not logistic regression or a perceptron: training is one counting
pass (a few milliseconds for 2,000 messages in pure Python, no numpy at run time), it is
deterministic by construction (no shuffling, no learning rate), and it is strong on short
texts with few examples per class — which is exactly our data. Its probabilities are
over-confident, so :meth:`NaiveBayes.probabilities` divides the log-likelihoods by a
temperature before the softmax; the matcher mixes them with the lexicon score.

Features (see :func:`features`) come from the matcher's own normalisation, so Finglish,
colloquial forms, typos and ZWNJ variants reach the model already folded: normalised words,
the lexicon terms they resolve to (stems, corrected typos), bigrams of neighbouring words,
and padded character 3–5-grams of content words (inflections the other features miss).
Each kind is weighted (fractional counts are fine for a multinomial model), so the many
character grams of a message do not drown its few words.

Scoring is sparse: with additive smoothing ``α``, ``log P(f|c) = log(α / (N_c + αV)) +
log(1 + n_fc / α)``; the first term depends on the class only, the second is non-zero only
where the class saw the feature, so a query costs one posting list per feature.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from operator import add

__all__ = ["FEATURE_WEIGHTS", "NaiveBayes", "bigrams", "features", "word_features"]

FEATURE_WEIGHTS: dict[str, float] = {"w": 1.0, "t": 1.0, "b": 0.6, "c": 0.35}
"""Weight of each feature kind (word, resolved term, bigram, char gram), chosen by
cross-validation on the training examples (``bench/nlp.py --cv``)."""
GRAM_SIZES = (3, 4)
_DENSE_MIN = 6
"""Postings at least this long are also kept as dense rows (see ``NaiveBayes``)."""
ALPHA = 0.1
"""Additive smoothing; small, because examples per class are few and words specific."""
TEMPERATURE = 10.0
"""Log-likelihoods are divided by this before the softmax (NB is over-confident)."""

Features = dict[str, float]


@lru_cache(maxsize=20_000)
def _grams(word: str) -> tuple[str, ...]:
    """Padded character grams of one word; cached because message words recur."""
    padded = f" {word} "
    return tuple("c:" + padded[i : i + n] for n in GRAM_SIZES for i in range(len(padded) - n + 1))


def word_features(
    word: str,
    content: Callable[[str], bool],
    term: Callable[[str], str | None],
    weights: Mapping[str, float] = FEATURE_WEIGHTS,
) -> Features:
    """The features one word contributes on its own: the word (a digit run by its
    length), the lexicon term it resolves to, its character grams. Everything but the
    bigrams, which is what lets the matcher cache a word's share of the score."""
    out: dict[str, float] = {}
    _add_word(out, word, content, term, weights)
    return out


def _add_word(
    out: dict[str, float],
    word: str,
    content: Callable[[str], bool],
    term: Callable[[str], str | None],
    weights: Mapping[str, float],
) -> None:
    """Add :func:`word_features` of ``word`` into ``out`` (training adds in place)."""
    get = out.get
    if word.isdigit():
        key = "w:" + _digit_token(word)
        out[key] = get(key, 0.0) + weights["w"]
        return
    key = "w:" + word
    out[key] = get(key, 0.0) + weights["w"]
    if content(word):
        resolved = term(word)
        if resolved and resolved != word:
            key = "t:" + resolved
            out[key] = get(key, 0.0) + weights["t"]
        wc = weights["c"]
        for gram in _grams(word):
            out[gram] = get(gram, 0.0) + wc


def bigrams(words: Sequence[str], weight: float = FEATURE_WEIGHTS["b"]) -> Features:
    """The neighbouring-word features of a message (digit runs by their length)."""
    out: dict[str, float] = {}
    previous = ""
    for word in words:
        token = _digit_token(word) if word.isdigit() else word
        if previous and not word.isdigit():
            key = "b:" + previous + "_" + token
            out[key] = out.get(key, 0.0) + weight
        previous = token
    return out


def _digit_token(word: str) -> str:
    return "#" * min(len(word), 12)  # digit runs by length: codes, IDs, amounts


def features(
    words: Sequence[str],
    content: Callable[[str], bool],
    term: Callable[[str], str | None],
    weights: Mapping[str, float] = FEATURE_WEIGHTS,
) -> Features:
    """The weighted feature counts of one normalised message.

    ``words`` are the matcher's normalised words (ZWNJ removed, compounds merged);
    ``content`` tells a content word from a stopword or number; ``term`` maps a word to
    the lexicon term it resolves to (or None). Stopwords stay as word features: «سلام»,
    «ممنون», «چی شد» are what tell ``none`` and ``track`` apart. The sum of
    :func:`word_features` over the words plus :func:`bigrams`.
    """
    out = bigrams(words, weights["b"])
    for word in words:
        _add_word(out, word, content, term, weights)
    return out


class NaiveBayes:
    """Multinomial Naive Bayes over weighted sparse features; see the module docstring.

    ``examples`` maps a class code to its examples' feature counts. Classes without
    examples are simply absent from :meth:`probabilities`. Training order does not
    matter: the model is a sum of counts, so the same data gives the same model.
    """

    def __init__(
        self,
        examples: Mapping[str, Iterable[Features]],
        alpha: float = ALPHA,
        temperature: float = TEMPERATURE,
    ) -> None:
        # Count per class first, then invert into postings: plain dict operations, since
        # this is the build's hot loop (2,000 messages × ~100 features).
        per_class: dict[str, dict[str, float]] = {}
        for code in sorted(examples):
            acc: dict[str, float] = {}
            get = acc.get
            for feats in examples[code]:
                for f, q in feats.items():
                    acc[f] = get(f, 0.0) + q
            if acc:
                per_class[code] = acc
        self.codes = tuple(per_class)
        self.temperature = temperature
        # postings hold class *indices*: a query adds into a list, not a str-keyed dict
        postings: dict[str, list[tuple[int, float]]] = {}
        log1p = math.log1p
        for index, acc in enumerate(per_class.values()):
            for f, n in acc.items():
                entry = (index, log1p(n / alpha))
                posting = postings.get(f)
                if posting is None:
                    postings[f] = [entry]
                else:
                    posting.append(entry)
        size = max(len(postings), 1)
        # class term of log P(f|c), per unit of query weight: log(α / (N_c + αV))
        self._base = [
            math.log(alpha / (sum(acc.values()) + alpha * size)) for acc in per_class.values()
        ]
        # tuples, not lists: tuples of numbers leave the collector's tracking, so the
        # twenty-odd thousand postings are not walked again in every full collection
        self._postings: dict[str, tuple[tuple[int, float], ...]] = {
            f: tuple(p) for f, p in postings.items()
        }
        # Features most classes saw (common char grams, «برق») also as a dense row already
        # scaled by their kind's weight: one C-level list addition instead of a Python
        # loop over twenty-odd postings; a query word's cost is mostly such grams.
        width = len(self.codes)
        self._dense: dict[str, tuple[float, tuple[float, ...]]] = {}
        for f, posting in postings.items():
            q = FEATURE_WEIGHTS.get(f[0], 0.0)  # "c:…" -> weight of "c", etc.
            if len(posting) >= _DENSE_MIN and q:
                row = [0.0] * width
                for index, value in posting:
                    row[index] = q * value
                self._dense[f] = (q, tuple(row))

    def __bool__(self) -> bool:
        return bool(self.codes)

    def partial(self, feats: Mapping[str, float]) -> tuple[list[float], float]:
        """The feature part of every class's log-likelihood, and the known weight.

        Both are sums over features, so the parts of a message's pieces add up to the
        message's: the matcher caches each word's part and adds lists per query.
        """
        known = 0.0
        scores = [0.0] * len(self.codes)
        postings = self._postings
        dense = self._dense
        for f, q in feats.items():
            row = dense.get(f)
            if row is not None and row[0] == q:
                known += q
                scores = list(map(add, scores, row[1]))
                continue
            posting = postings.get(f)
            if posting is None:
                continue  # unseen everywhere: the same factor for every class
            known += q
            for index, value in posting:
                scores[index] += q * value
        return scores, known

    def log_likelihoods(self, feats: Mapping[str, float]) -> dict[str, float]:
        """log P(message | class) up to a constant, for every class (uniform prior)."""
        return self.combine(*self.partial(feats))

    def combine(self, scores: Sequence[float], known: float) -> dict[str, float]:
        """Log-likelihoods from a (summed) :meth:`partial`."""
        base = self._base
        return {code: scores[i] + known * base[i] for i, code in enumerate(self.codes)}

    def probabilities(self, feats: Mapping[str, float]) -> dict[str, float]:
        """Tempered posterior over the classes (sums to 1; empty without classes)."""
        if not self.codes:
            return {}
        return self.posterior(self.log_likelihoods(feats))

    def posterior(self, logs: Mapping[str, float]) -> dict[str, float]:
        """Tempered softmax of log-likelihoods (NB is over-confident)."""
        top = max(logs.values())
        t = self.temperature
        exps = {c: math.exp((v - top) / t) for c, v in logs.items()}
        total = sum(exps.values())
        return {c: e / total for c, e in exps.items()}
