"""``python -m nlp.svmfit``: fit :class:`nlp.linear.CharSvm` with scikit-learn, in a process
of its own.

The bot's processes only score with the fitted arrays; fitting needs scikit-learn, whose
import stays in a process for good (about 85 MB of a bot process's memory, measured: 145 MB
after loading a kept model, 229 MB after fitting in-process) and whose vectoriser is pure
Python (a rebuild after a staff tag would hold the event loop's thread for its seconds). So
the fit runs here: the examples come in on stdin as JSON (``{"texts": […], "labels": […]}``),
the model goes out on stdout as an ``.npz`` of :meth:`CharSvm.arrays`, loaded without pickle.
"""

from __future__ import annotations

import io
import json
import sys

import numpy as np

from nlp.linear import NGRAMS, C, CharSvm

__all__ = ["fit_arrays", "main"]


def fit_arrays(texts: list[str], labels: list[str]) -> dict[str, np.ndarray]:
    """The fitted model as :meth:`CharSvm.arrays`, which alone says how it is laid out."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True)
    matrix = vectorizer.fit_transform(texts)
    svm = LinearSVC(C=C, random_state=0).fit(matrix, labels)
    codes = [str(c) for c in svm.classes_]
    coef = np.asarray(svm.coef_, dtype=np.float64)
    intercept = np.asarray(svm.intercept_, dtype=np.float64)
    if len(codes) == 2:  # sklearn keeps one row for two classes: +row is the second
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]])
    idf = np.asarray(vectorizer.idf_, dtype=np.float64)
    grams = [""] * len(vectorizer.vocabulary_)
    for gram, column in vectorizer.vocabulary_.items():
        grams[column] = str(gram)
    # column j of the model as row j here, already times idf_j: a message's score is its
    # grams' rows gathered and weighted by sublinear tf, over its TF-IDF norm
    return CharSvm(codes, grams, idf, (coef * idf).T, intercept).arrays()


def main() -> None:
    request = json.loads(sys.stdin.buffer.read())
    out = io.BytesIO()
    np.savez(out, **fit_arrays(request["texts"], request["labels"]))
    sys.stdout.buffer.write(out.getvalue())


if __name__ == "__main__":
    main()
