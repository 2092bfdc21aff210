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

A fitted model is those arrays only, so it can be kept between starts (:class:`SvmStore`,
under :meth:`CharSvm.key`, which names everything the fit depends on): a process that finds
its model there skips the training. The fit itself runs in a child process
(``nlp.svmfit``), so no bot process ever imports scikit-learn (1.5 s of a start and about
85 MB of memory for the process's life); the grams are cut by :func:`char_wb_grams`,
sklearn's rule.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Protocol

import numpy as np

__all__ = ["CharSvm", "SvmStore", "char_wb_grams"]

NGRAMS = (2, 5)
C = 1.0
"""LinearSVC's regularisation: the library default, not tuned on any evaluation set."""
_MEMO = 50_000
"""Bound of the per-word gram cache (cleared when full)."""
FORMAT = 1
"""Version of :meth:`CharSvm.arrays`' layout and of the fit below: part of every key."""


def char_wb_grams(word: str) -> list[str]:
    """scikit-learn's ``char_wb`` grams of one word (lower-cased, padded with a space each
    side, every 2- to 5-gram; a word shorter than ``n`` once), so that a model loaded from
    a store scores without importing scikit-learn. ``tests/nlp`` checks it gram for gram."""
    padded = f" {word.lower()} "
    size = len(padded)
    grams: list[str] = []
    for n in range(NGRAMS[0], NGRAMS[1] + 1):
        grams.append(padded[:n])
        if n >= size:
            break
        grams.extend(padded[offset : offset + n] for offset in range(1, size - n + 1))
    return grams


class SvmStore(Protocol):
    """Where fitted models are kept between starts (``bot.modelcache`` keeps files)."""

    def load(self, key: str) -> Mapping[str, np.ndarray] | None: ...

    def save(self, key: str, arrays: Mapping[str, np.ndarray]) -> None: ...


class CharSvm:
    """One-vs-rest linear SVM over a message's padded character 2–5-grams.

    Made by :meth:`train` (kept or fitted) or :meth:`fit` from example messages and their
    classes; :meth:`decision` returns the SVM's margin per class.
    """

    def __init__(
        self,
        codes: Sequence[str],
        grams: Sequence[str],
        idf: np.ndarray,
        weights: np.ndarray,
        intercept: np.ndarray,
    ) -> None:
        """A fitted model: class codes, the n-gram vocabulary in column order, its IDF, the
        ``idf × coef`` rows (grams × classes) and the intercepts."""
        self.codes: tuple[str, ...] = tuple(codes)
        self._index: dict[str, int] = {g: j for j, g in enumerate(grams)}
        self._idf = np.ascontiguousarray(idf, dtype=np.float64)
        self._weights = np.ascontiguousarray(weights, dtype=np.float64)
        self._intercept = np.asarray(intercept, dtype=np.float64)
        self._memo: dict[str, list[str]] = {}

    @classmethod
    def train(
        cls, texts: Sequence[str], labels: Sequence[str], store: SvmStore | None = None
    ) -> CharSvm:
        """The model for these examples: from ``store`` when it has it, else fitted (and
        kept there). ``texts`` are normalised the way queries will be; at least two
        distinct ``labels``."""
        if store is None:
            return cls.fit(texts, labels)
        key = cls.key(texts, labels)
        kept = store.load(key)
        if kept is not None:
            try:
                return cls.from_arrays(kept)
            except (KeyError, ValueError):
                pass  # another layout or a damaged file: fitted again below
        model = cls.fit(texts, labels)
        store.save(key, model.arrays())
        return model

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str]) -> CharSvm:
        """Fit with scikit-learn, in a child process (``nlp.svmfit`` says why); RuntimeError
        with the child's last words if it fails."""
        request = json.dumps({"texts": list(texts), "labels": list(labels)}).encode()
        root = str(Path(__file__).resolve().parent.parent)  # where ``nlp`` is importable
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        }
        child = subprocess.run(
            [sys.executable, "-m", "nlp.svmfit"], input=request, capture_output=True, env=env
        )
        if child.returncode != 0:
            last = child.stderr.decode(errors="replace").strip().splitlines()[-1:]
            raise RuntimeError(f"fitting the SVM failed: {' '.join(last) or child.returncode}")
        with np.load(io.BytesIO(child.stdout), allow_pickle=False) as fitted:
            return cls.from_arrays({name: fitted[name] for name in fitted.files})

    @staticmethod
    def key(texts: Sequence[str], labels: Sequence[str]) -> str:
        """Everything the fit depends on, hashed: the examples, the parameters, this
        module's :data:`FORMAT` and the scikit-learn release that would fit them."""
        digest = hashlib.sha256()
        setup = {"format": FORMAT, "ngrams": NGRAMS, "c": C, "sklearn": version("scikit-learn")}
        digest.update(json.dumps(setup, sort_keys=True).encode())
        for text, label in zip(texts, labels, strict=True):
            digest.update(json.dumps([text, label], ensure_ascii=False).encode())
        return digest.hexdigest()

    def arrays(self) -> dict[str, np.ndarray]:
        """The model as plain arrays (no pickling needed to keep them)."""
        grams = sorted(self._index, key=self._index.__getitem__)
        return {
            "codes": np.array(self.codes, dtype=str),
            "grams": np.array(grams, dtype=str),
            "idf": self._idf,
            "weights": self._weights,
            "intercept": self._intercept,
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> CharSvm:
        """The model :meth:`arrays` gave; ValueError when the shapes do not fit together."""
        codes = [str(c) for c in arrays["codes"]]
        grams = [str(g) for g in arrays["grams"]]
        idf, weights, intercept = arrays["idf"], arrays["weights"], arrays["intercept"]
        shapes = (weights.shape, idf.shape, intercept.shape)
        if shapes != ((len(grams), len(codes)), (len(grams),), (len(codes),)):
            raise ValueError("model arrays do not fit together")
        return cls(codes, grams, idf, weights, intercept)

    def _grams(self, word: str) -> list[str]:
        """:func:`char_wb_grams` of one word (cached: message words recur)."""
        grams = self._memo.get(word)
        if grams is None:
            if len(self._memo) >= _MEMO:
                self._memo.clear()
            grams = self._memo[word] = char_wb_grams(word)
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
