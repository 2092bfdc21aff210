"""The second learned signal: a linear SVM over character n-grams (scikit-learn).

Why a second model next to the Naive Bayes of :mod:`nlp.learned`: measured on the blind
sets, a plain char n-gram TF-IDF + LinearSVC trained on the same examples told «not ours»
from ours better than the matcher on the sets with the most off-topic messages (other
utilities, spam, shopping questions): its margins are discriminative where Naive Bayes
only counts. The two disagree on different messages, so the blend uses both.

Training is scikit-learn's (``TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
sublinear_tf=True)`` + ``LinearSVC``, a third of a second for ~2,500 messages, deterministic
for the same data). Scoring is ours: sklearn's per-call input checks cost half a millisecond
for one short message, more than the whole rest of the matcher, while the model itself is a
dot product. So the fitted vocabulary, IDF and weights are turned into one row per n-gram
(``idf × coef``) and a message's score is the tf-weighted sum of its grams' rows (one numpy
gather and product), divided by its TF-IDF norm — exactly ``decision_function``, at about
a tenth of its time (~0.06 ms a message here).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

__all__ = ["CharSvm"]

NGRAMS = (2, 5)
C = 1.0
"""LinearSVC's regularisation: the library default, not tuned on any evaluation set."""
_MEMO = 50_000
"""Bound of the per-word gram cache (cleared when full)."""


class CharSvm:
    """One-vs-rest linear SVM over a message's padded character 2–5-grams.

    ``texts`` are messages already normalised the way queries will be; ``labels`` their
    classes (at least two distinct). :meth:`decision` returns the SVM's margin per class.
    """

    def __init__(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True)
        matrix = vectorizer.fit_transform(texts)
        svm = LinearSVC(C=C, random_state=0).fit(matrix, labels)
        self.codes: tuple[str, ...] = tuple(str(c) for c in svm.classes_)
        coef = np.asarray(svm.coef_, dtype=np.float64)
        intercept = np.asarray(svm.intercept_, dtype=np.float64)
        if len(self.codes) == 2:  # sklearn keeps one row for two classes: +row is the second
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-intercept[0], intercept[0]])
        self._intercept = intercept
        idf = vectorizer.idf_
        # column j of the model as row j here, already times idf_j: a message's score is
        # its grams' rows gathered and weighted by sublinear tf, over its TF-IDF norm
        self._index: dict[str, int] = {str(g): int(j) for g, j in vectorizer.vocabulary_.items()}
        self._idf = np.ascontiguousarray(idf, dtype=np.float64)
        self._weights = np.ascontiguousarray((coef * idf).T)
        # char_wb grams never cross a space, so a message's grams are its words' grams
        self._analyze = vectorizer.build_analyzer()
        self._memo: dict[str, list[str]] = {}

    def _grams(self, word: str) -> list[str]:
        """sklearn's own ``char_wb`` grams of one word (cached: message words recur)."""
        grams = self._memo.get(word)
        if grams is None:
            if len(self._memo) >= _MEMO:
                self._memo.clear()
            grams = self._memo[word] = self._analyze(word)
        return grams

    def decision(self, normalized: str) -> dict[str, float]:
        """The SVM's margin per class for a normalised message (``decision_function``)."""
        counts: Counter[str] = Counter()
        for word in normalized.split():
            counts.update(self._grams(word))
        index = self._index
        known = [(index[g], n) for g, n in counts.items() if g in index]
        if not known:
            return dict(zip(self.codes, self._intercept.tolist(), strict=True))
        rows = np.fromiter((j for j, _ in known), dtype=np.intp, count=len(known))
        tf = 1.0 + np.log(np.fromiter((n for _, n in known), dtype=np.float64, count=len(known)))
        weighted = tf * self._idf[rows]
        norm = math.sqrt(float(weighted @ weighted))
        total = self._intercept + (tf @ self._weights[rows]) / norm
        return dict(zip(self.codes, total.tolist(), strict=True))
