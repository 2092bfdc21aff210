"""Compare our intent matcher with two peers on one labelled file, in one run.

Peers (rapidfuzz needs the ``bench`` extra; scikit-learn is the matcher's own dependency):

* rapidfuzz ``token_set_ratio`` of the message against every intent's title, with a
  ``none`` threshold — what a quick fuzzy menu search would do;
* character n-gram TF-IDF + LinearSVC trained on the catalog's example messages
  (``models/catalog/examples/*.tsv``) — the same training data our learned scorer gets,
  so the comparison is fair — and scored on the file.

Our matcher appears as shipped (lexicon + n-grams + rules + Naive Bayes + char n-gram SVM,
with the kinds of ``none`` from ``kinds.toml``) and then part by part: without
``kinds.toml``, without the SVM in the blend, the Naive Bayes alone (its pooled ranking, no
lexicon, no rules), the SVM alone (its margins), and the lexicon with its n-grams and rules
alone (the catalog without examples), so each part's share is measured.

Usage: ``python bench/nlp.py [FILE.tsv ...]`` (default: shared dev-queries.tsv); one table
per file, so a blind set is never mixed with the set the lexicon was written against.
``python bench/nlp.py --cv`` cross-validates the whole matcher on the training examples
(5 folds, each built without its fold): how the blend's weights were chosen, without
looking at any evaluation set. ``python bench/nlp.py --latency [FILE.tsv ...]`` times the
shipped matcher per message (warm, several rounds), with and without clause splitting.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.eval import DEFAULT_PATH, load_queries, score_predictions  # noqa: E402

FUZZ_NONE_THRESHOLD = 45.0
"""token_set_ratio below this -> none (a plain guess, not tuned)."""


def _row(
    name: str, expected: list[str], predicted: list[list[str]], lat: list[float], build_s: float
) -> str:
    top1, top3, _, _, f1 = score_predictions(expected, predicted)
    lat = sorted(lat)
    p99 = lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))] if lat else 0.0
    p50 = statistics.median(lat) if lat else 0.0
    return (
        f"{name:<28} {top1:>6.3f} {top3:>6.3f} {f1:>8.3f} {p50:>8.2f} {p99:>8.2f} "
        f"{build_s * 1000:>10.1f}"
    )


Predictions = tuple[list[list[str]], list[float], float]
"""Top-3 codes per message, latencies in ms, build seconds."""


def _timed(
    fn: Callable[[str], list[str]], texts: Sequence[str]
) -> tuple[list[list[str]], list[float]]:
    out: list[list[str]] = []
    lat: list[float] = []
    for text in texts:
        start = time.perf_counter()
        out.append(fn(text))
        lat.append((time.perf_counter() - start) * 1000)
    return out, lat


def bench_ours(
    texts: Sequence[str],
    *,
    examples: bool = True,
    kinds: bool = True,
    svm: bool = True,
    part: str = "",
) -> Predictions:
    """The matcher; without examples (lexicon alone), without ``kinds.toml``, without the
    SVM in the blend, or one part of it: ``part="learned"`` ranks by the Naive Bayes's
    pooled probabilities alone, ``part="svm"`` by the char n-gram SVM's margins alone."""
    from dataclasses import replace

    from bot.intents import service_texts
    from models.catalog import load_catalog
    from nlp import IntentMatcher
    from nlp.decide import BLEND, _pool_kinds

    catalog = load_catalog()
    if not examples:
        catalog = replace(catalog, examples={}, kinds={})
    if not kinds:
        catalog = replace(catalog, kinds={})
    blend = BLEND if svm else replace(BLEND, svm_weight=0.0)
    start = time.perf_counter()
    matcher = IntentMatcher(service_texts(catalog), blend)
    build_s = time.perf_counter() - start

    def learned(text: str) -> list[str]:
        pooled, _ = _pool_kinds(matcher.signals(text).learned, BLEND.kind_prior)
        return sorted(pooled, key=lambda c: -pooled[c])[:3]

    def margins(text: str) -> list[str]:
        scores = matcher.signals(text).svm
        return sorted(scores, key=lambda c: -scores[c])[:3]

    parts = {"learned": learned, "svm": margins}
    predict = parts.get(part) or (lambda t: matcher.match(t).top(3))
    predicted, lat = _timed(predict, texts)
    return predicted, lat, build_s


def bench_rapidfuzz(texts: Sequence[str]) -> Predictions:
    from rapidfuzz import fuzz, process

    from models.catalog import load_catalog
    from nlp import TextNormalizer

    start = time.perf_counter()
    catalog = load_catalog()
    normalizer = TextNormalizer()
    titles = {c.code: normalizer.normalize(c.title) for c in catalog.services}
    build_s = time.perf_counter() - start

    def predict(text: str) -> list[str]:
        hits = process.extract(
            normalizer.normalize(text), titles, scorer=fuzz.token_set_ratio, limit=3
        )
        codes = [key for _, _, key in hits]
        if not hits or hits[0][1] < FUZZ_NONE_THRESHOLD:
            return ["none", *codes[:2]]
        return codes

    predicted, lat = _timed(predict, texts)
    return predicted, lat, build_s


def _training_rows() -> list[tuple[str, str]]:
    """The catalog's example messages as (text, code), in a stable order: the kinds of
    ``none`` (``kinds.toml``) labelled ``none``, exactly the data the matcher learns from."""
    from models.catalog import load_catalog

    catalog = load_catalog()
    rows = [(text, code) for code in sorted(catalog.examples) for text in catalog.examples[code]]
    rows += [(text, "none") for kind in catalog.kinds.values() for text in kind.examples]
    return rows


def bench_tfidf(texts: Sequence[str]) -> Predictions:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from nlp import TextNormalizer

    normalizer = TextNormalizer()
    train = _training_rows()
    start = time.perf_counter()
    fitted = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        LinearSVC(C=1.0),
    ).fit([normalizer.normalize(t) for t, _ in train], [c for _, c in train])
    build_s = time.perf_counter() - start

    def predict(text: str) -> list[str]:
        row = fitted.decision_function([normalizer.normalize(text)])[0]
        return list(fitted.classes_[np.argsort(-row)[:3]])

    predicted, lat = _timed(predict, texts)
    return predicted, lat, build_s


def bench_tfidf_dev(texts: Sequence[str], path: Path) -> Predictions:
    """The issue's peer: char n-gram TF-IDF + LinearSVC trained on the dev set.

    On the dev set itself it is scored by 5-fold cross-validation (each message predicted by
    a model that did not see it); on any other file it is trained on the whole dev set.
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from nlp import TextNormalizer

    normalizer = TextNormalizer()
    dev = load_queries(DEFAULT_PATH)
    x = [normalizer.normalize(t) for t, _ in dev]
    y = [c for _, c in dev]

    def model():
        return make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            LinearSVC(C=1.0),
        )

    start = time.perf_counter()
    fitted = model().fit(x, y)
    build_s = time.perf_counter() - start
    if path.resolve() == DEFAULT_PATH.resolve():
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        scores = cross_val_predict(model(), x, y, cv=folds, method="decision_function")
        classes = sorted(set(y))
        by_text = {
            text: [classes[i] for i in np.argsort(-row)[:3]]
            for text, row in zip(x, scores, strict=True)
        }

        def predict(text: str) -> list[str]:
            return by_text[normalizer.normalize(text)]
    else:

        def predict(text: str) -> list[str]:
            row = fitted.decision_function([normalizer.normalize(text)])[0]
            return list(fitted.classes_[np.argsort(-row)[:3]])

    predicted, lat = _timed(predict, texts)
    return predicted, lat, build_s


def bench_file(path: Path) -> None:
    """Print the three matchers' row for one labelled file."""
    rows = load_queries(path)
    texts = [t for t, _ in rows]
    labels = [c for _, c in rows]
    print(f"file: {path} ({len(rows)} messages)")
    print(
        "(tfidf peers: one trained on the catalog examples, the same data as our learned "
        "scorer; one on the dev set, scored on it by 5-fold cross-validation)"
    )
    print(
        f"{'matcher':<28} {'top1':>6} {'top3':>6} {'none_f1':>8} {'p50_ms':>8} {'p99_ms':>8} "
        f"{'build_ms':>10}"
    )
    p, lat, b = bench_ours(texts)
    print(_row("skedbot IntentMatcher", labels, p, lat, b))
    p, lat, b = bench_ours(texts, kinds=False)
    print(_row("  without kinds.toml", labels, p, lat, b))
    p, lat, b = bench_ours(texts, svm=False)
    print(_row("  without the SVM signal", labels, p, lat, b))
    p, lat, b = bench_ours(texts, part="learned")
    print(_row("  Naive Bayes alone", labels, p, lat, b))
    p, lat, b = bench_ours(texts, part="svm")
    print(_row("  SVM signal alone", labels, p, lat, b))
    p, lat, b = bench_ours(texts, examples=False)
    print(_row("  lexicon+ngrams+rules alone", labels, p, lat, b))
    p, lat, b = bench_rapidfuzz(texts)
    print(_row("rapidfuzz title match", labels, p, lat, b))
    p, lat, b = bench_tfidf(texts)
    print(_row("tfidf+LinearSVC (examples)", labels, p, lat, b))
    p, lat, b = bench_tfidf_dev(texts, path)
    print(_row("tfidf+LinearSVC (dev, 5cv)", labels, p, lat, b))


def cross_validate(folds: int = 5) -> None:
    """Score the whole matcher on the training examples, each fold unseen by its model.

    Folds are taken per intent by position (every ``folds``-th example), so the split is
    the same on every run and every intent is in every fold. The kinds of «not ours»
    (``kinds.toml``) are folded the same way and scored as ``none``: the none decision is
    measured on messages its models did not see, not only on the few ``none`` examples.
    """
    from dataclasses import replace

    from bot.intents import build_matcher
    from models.catalog import load_catalog

    catalog = load_catalog()
    expected: list[str] = []
    predicted: list[list[str]] = []
    for k in range(folds):
        train = {
            c: tuple(x for i, x in enumerate(texts) if i % folds != k)
            for c, texts in catalog.examples.items()
        }
        kinds = {
            c: replace(
                kind, examples=tuple(x for i, x in enumerate(kind.examples) if i % folds != k)
            )
            for c, kind in catalog.kinds.items()
        }
        matcher = build_matcher(replace(catalog, examples=train, kinds=kinds))
        held = [(t, c) for c, texts in catalog.examples.items() for t in texts[k::folds]]
        held += [(t, "none") for kind in catalog.kinds.values() for t in kind.examples[k::folds]]
        for text, code in held:
            expected.append(code)
            predicted.append(matcher.match(text).top(3))
    top1, top3, precision, recall, f1 = score_predictions(expected, predicted)
    print(f"{folds}-fold cross-validation on the catalog examples ({len(expected)} messages)")
    print(
        f"top1={top1:.3f} top3={top3:.3f} none_precision={precision:.3f} "
        f"none_recall={recall:.3f} none_f1={f1:.3f}"
    )


def latency(paths: Sequence[Path], rounds: int = 5) -> None:
    """Per-message time of the shipped matcher over ``paths``, after one warm-up round.

    ``match`` is what the bot calls (signals, decision, and the clause splitting of
    :meth:`IntentMatcher.needs` for service answers); ``decide only`` leaves the clause
    splitting out, so its cost shows. Wall time and this thread's CPU time: on a shared
    machine the wall-time tail is mostly other processes' turns; the CPU time is what a
    message costs us. Run it more than once.
    """
    from bot.intents import build_matcher
    from models.catalog import load_catalog

    matcher = build_matcher(load_catalog())
    texts = [t for path in paths for t, _ in load_queries(path)]
    for text in texts:
        matcher.match(text)  # warm the per-word caches, as a running bot has them
    ways: dict[str, Callable[[str], object]] = {
        "match (with clause splitting)": matcher.match,
        "decide only (no clauses)": lambda t: matcher.decide(matcher.signals(t)),
    }
    print(f"latency over {len(texts)} messages x {rounds} rounds (ms)")
    for name, fn in ways.items():
        wall: list[float] = []
        cpu: list[float] = []
        for _ in range(rounds):
            for text in texts:
                start, start_cpu = time.perf_counter(), time.thread_time()
                fn(text)
                cpu.append((time.thread_time() - start_cpu) * 1000)
                wall.append((time.perf_counter() - start) * 1000)
        figures = []
        for label, values in (("wall", sorted(wall)), ("cpu", sorted(cpu))):
            p50 = values[len(values) // 2]
            p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
            figures.append(f"{label} p50 {p50:.2f} p99 {p99:.2f}")
        print(f"{name:<32} " + "   ".join(figures))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--cv"]:
        cross_validate()
        return 0
    if args[:1] == ["--latency"]:
        latency([Path(a) for a in args[1:]] or [DEFAULT_PATH])
        return 0
    paths = [Path(a) for a in args] or [DEFAULT_PATH]
    for i, path in enumerate(paths):
        if i:
            print()
        bench_file(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
