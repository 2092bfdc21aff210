"""The char n-gram SVM scores as scikit-learn would, and a kept model is the same model.

Trained on the catalog's examples (as the matcher trains it), scored on labelled messages
it never saw (``tests/nlp/data``). A model kept between starts (``bot.modelcache``) must
score every message exactly as the freshly fitted one, and anything wrong with a kept file
(damaged, or of another layout) must mean fitting again, never a wrong or missing model.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.modelcache import KEEP, ModelCache
from models.catalog import load_catalog
from nlp import TextNormalizer
from nlp.linear import NGRAMS, CharSvm, char_wb_grams

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def examples() -> tuple[list[str], list[str]]:
    normalizer = TextNormalizer()
    catalog = load_catalog()
    rows = sorted(
        (normalizer.normalize(text), code)
        for code, texts in catalog.examples.items()
        for text in texts
    )
    return [text for text, _ in rows], [code for _, code in rows]


@pytest.fixture(scope="module")
def unseen() -> list[str]:
    normalizer = TextNormalizer()
    with (DATA / "blind-a.tsv").open(encoding="utf-8") as file:
        texts = [row["text"] for row in csv.DictReader(file, delimiter="\t")]
    return [normalizer.normalize(text) for text in texts] + ["", "؟", "Hello WORLD ۱۲۳"]


def _scores(model: CharSvm, texts: list[str]) -> np.ndarray:
    return np.array([[model.decision(t)[code] for code in model.codes] for t in texts])


@pytest.fixture(scope="module")
def fitted(examples: tuple[list[str], list[str]]) -> CharSvm:
    return CharSvm.fit(*examples)


@pytest.fixture(scope="module")
def expected(fitted: CharSvm, unseen: list[str]) -> np.ndarray:
    return _scores(fitted, unseen)


def test_the_grams_are_sklearns_char_wb_grams(unseen: list[str]) -> None:
    analyze = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS).build_analyzer()
    words = {word for text in unseen for word in text.split()}
    words |= {"a", "ab", "abc", "ABCD", "می\u200cخواهم", "x" * 9}
    assert len(words) > 500
    for word in sorted(words):
        assert char_wb_grams(word) == analyze(word), word


def test_scores_are_sklearns_decision_function(
    examples: tuple[list[str], list[str]], unseen: list[str], fitted: CharSvm
) -> None:
    texts, labels = examples
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True)
    svm = LinearSVC(C=1.0, random_state=0).fit(vectorizer.fit_transform(texts), labels)
    assert fitted.codes == tuple(svm.classes_)
    reference = svm.decision_function(vectorizer.transform(unseen))
    assert np.allclose(_scores(fitted, unseen), reference, atol=1e-9)


def test_a_kept_model_scores_as_the_fitted_one(
    examples: tuple[list[str], list[str]], unseen: list[str], expected: np.ndarray, tmp_path: Path
) -> None:
    cache = ModelCache(tmp_path / "cache")  # created when first written
    first = CharSvm.train(*examples, cache)
    [kept_file] = (tmp_path / "cache").glob("*.npz")
    again = CharSvm.train(*examples, cache)
    assert again is not first and again.codes == first.codes
    assert np.array_equal(_scores(first, unseen), expected)
    assert np.array_equal(_scores(again, unseen), expected)
    assert list((tmp_path / "cache").glob("*.npz")) == [kept_file]


def test_the_kept_model_is_the_one_for_these_examples(
    examples: tuple[list[str], list[str]],
    unseen: list[str],
    fitted: CharSvm,
    expected: np.ndarray,
    tmp_path: Path,
) -> None:
    """The key names the examples: a taught message more is another model, not the old."""
    texts, labels = examples
    cache = ModelCache(tmp_path)
    cache.save(CharSvm.key(texts, labels), fitted.arrays())
    taught = CharSvm.train([*texts, "برق کوچه ما از دیشب رفته"], [*labels, "outage-report"], cache)
    assert len(list(tmp_path.glob("*.npz"))) == 2
    assert not np.array_equal(_scores(taught, unseen), expected)
    assert np.array_equal(_scores(CharSvm.train(texts, labels, cache), unseen), expected)


def test_a_damaged_or_foreign_file_is_not_used(
    examples: tuple[list[str], list[str]],
    unseen: list[str],
    fitted: CharSvm,
    expected: np.ndarray,
    tmp_path: Path,
) -> None:
    key = CharSvm.key(*examples)
    cache = ModelCache(tmp_path)
    cache.save(key, fitted.arrays())
    [kept] = tmp_path.glob("*.npz")
    whole = kept.read_bytes()
    kept.write_bytes(whole[:1000])  # cut short, as by a full disk
    assert cache.load(key) is None
    kept.write_bytes(whole)
    arrays = fitted.arrays()
    cache.save(key, {**arrays, "weights": arrays["weights"][:10]})  # shapes that do not fit
    assert np.array_equal(_scores(CharSvm.train(*examples, cache), unseen), expected)
    stored = cache.load(key)
    assert stored is not None and np.array_equal(stored["weights"], arrays["weights"])


def test_an_unwritable_folder_only_means_no_keeping(
    fitted: CharSvm, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    cache = ModelCache(blocked / "cache")
    cache.save("a" * 64, fitted.arrays())
    assert cache.load("a" * 64) is None
    assert "model cache not written" in caplog.text


def test_only_the_newest_models_stay(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path)
    arrays = {"x": np.zeros(3)}
    keys = [f"{n:02d}".ljust(64, "a") for n in range(KEEP + 1)]
    for n, key in enumerate(keys[:KEEP]):
        cache.save(key, arrays)
        [written] = tmp_path.glob(f"charsvm-{key[:2]}*")
        os.utime(written, (n, n))  # written long ago, in this order
    assert cache.load(keys[0]) is not None  # the oldest, but used just now: it stays
    cache.save(keys[KEEP], arrays)
    left = {p.name[len("charsvm-") :][:2] for p in tmp_path.glob("*.npz")}
    assert left == {key[:2] for key in keys} - {keys[1][:2]}
    assert not list(tmp_path.glob(".tmp-*"))


def test_fitting_leaves_scikit_learn_out_of_the_process() -> None:
    """A bot process that fits its model (none kept, ``bot.modelcache``) never imports
    scikit-learn, whose import would stay in its memory for good; the model it gets still
    recognises a citizen's message."""
    script = (
        "import sys\n"
        "from bot.intents import build_matcher\n"
        "from models.catalog import load_catalog\n"
        "matcher = build_matcher(load_catalog())\n"
        "print(matcher.match('کنتورم رو می‌خوام جابجا کنم').best)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    best, imported = ran.stdout.strip().splitlines()
    assert best == "meter-relocation"
    assert imported == "[]"
