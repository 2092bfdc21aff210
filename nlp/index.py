"""The lexicon index: the catalog's intents compiled into what a message is scored against.

Built once per matcher (at start, and again when staff teach a message): lexicon entries
filed under their rarest term, IDF across intents, the character n-gram documents, the two
learned scorers trained on the examples, and the vocabulary that word joining, splitting
and typo correction resolve against. It is a module of its own because building is a job
of its own (slow, run once, never on a message's path), while the word forms defined here
(:meth:`LexiconIndex._query_words` and the rest) are the ones queries are put into too:
the lexicon and a message must always meet in the same form.
"""

from __future__ import annotations

import gc
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from nlp.decide import KIND_PREFIX, NONE, TRACK
from nlp.learned import NaiveBayes, features
from nlp.linear import CharSvm, SvmStore
from nlp.ngrams import CharNgramIndex
from nlp.normalize import ZWNJ, TextNormalizer, stopwords
from nlp.terms import TermResolver

__all__ = ["LexiconIndex", "ServiceText"]

_KIND_BOOST = {"keyword": 1.0, "phrase": 1.0, "title": 0.9, "description": 0.25}
_IDF_TOP = 3.0


@dataclass(frozen=True, slots=True)
class ServiceText:
    """What the matcher knows about one intent; built from the catalog by ``bot.intents``."""

    code: str
    title: str = ""
    description: str = ""
    keywords: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    """Labelled messages asking for this intent: the learned scorer's training data."""
    taught: tuple[str, ...] = ()
    """Messages staff tagged with this intent, normalised and digit-masked as queries are
    logged: examples too, and the same message again is answered with this intent."""


@dataclass(frozen=True, slots=True)
class _Entry:
    """One lexicon entry of an intent: it hits when all its terms occur in a message."""

    code: str
    kind: str
    terms: tuple[str, ...]
    boost: float
    negative: bool = False
    values: tuple[float, ...] = ()
    """idf × boost per term: the part of a hit's value fixed at build."""


class LexiconIndex:
    """The catalog's intents compiled for matching, and the word forms shared with queries."""

    def __init__(self, services: Iterable[ServiceText], svm_store: SvmStore | None = None) -> None:
        """``svm_store`` keeps the fitted SVM between starts (see :mod:`nlp.linear`)."""
        with _gc_paused():
            self._build(list(services), svm_store)

    def _build(self, services: list[ServiceText], svm_store: SvmStore | None) -> None:
        """The index: lexicon entries, IDF, n-gram documents, and the learned scorer."""
        learned_only = [s for s in services if s.code.startswith(KIND_PREFIX)]
        services = [s for s in services if not s.code.startswith(KIND_PREFIX)]
        self.codes = tuple(s.code for s in services)
        self._service_codes = tuple(c for c in self.codes if c not in (TRACK, NONE))
        self._normalizer = TextNormalizer()  # lexicon side; rebuilt below with the vocabulary
        self._stop = stopwords()
        raw: list[tuple[str, str, tuple[str, ...], bool]] = []  # code, kind, words, negative
        for s in services:
            texts = [("keyword", k, False) for k in s.keywords]
            if s.title:
                texts.append(("title", s.title, False))
            texts += [("phrase", p, False) for p in s.phrases]
            texts += [("keyword", n, True) for n in s.negative]
            for kind, text, negative in texts:
                words = self._words(text)
                if words:
                    raw.append((s.code, kind, tuple(words), negative))
            for word in self._words(s.description):
                raw.append((s.code, "description", (word,), False))
        # Two passes, so the lexicon goes through the same word joining/splitting as a
        # query: «تسویه حساب» in a keyword and «تسویه‌حساب» in a description meet.
        first = {w for *_, words, _ in raw for w in words}
        self._resolver = TermResolver(first)
        self._compounds = frozenset(first)
        merged = [(c, k, tuple(self._merge(list(ws))), neg) for c, k, ws, neg in raw]
        raw += [m for m, r in zip(merged, raw, strict=True) if m != r]  # keep both spellings
        vocabulary = {w for *_, words, _ in raw for w in words}
        typo_targets = {
            w for _, kind, words, _ in raw if kind in ("keyword", "title") for w in words
        }
        self._resolver = TermResolver(vocabulary, typo_targets)
        self._compounds = frozenset(vocabulary)
        self._normalizer = TextNormalizer(vocabulary)
        # a kind's one-word keywords name it outright («آبمون», «گازش»): precise where the
        # learned kind, trained on few short examples, can confuse «آب قطعه» with a line
        self._kind_words = {
            w.replace(ZWNJ, ""): s.code[len(KIND_PREFIX) :]
            for s in learned_only
            for k in s.keywords
            if len(words := self._normalizer.normalize(k).split()) == 1
            for w in words
        }
        canon = self._resolver.canonical

        entries: dict[tuple[str, tuple[str, ...], bool], _Entry] = {}
        for code, kind, words, negative in raw:
            terms = tuple(dict.fromkeys(canon(w) for w in words))
            boost = _KIND_BOOST[kind] * min(1.0 + 0.5 * (len(terms) - 1), 2.5)
            key = (code, terms, negative)
            if key not in entries or entries[key].boost < boost:
                entries[key] = _Entry(code, kind, terms, boost, negative)
        self._entries = list(entries.values())

        df: dict[str, set[str]] = defaultdict(set)
        for e in self._entries:
            if not e.negative:
                for t in e.terms:
                    df[t].add(e.code)
        # IDF scaled so a word unique to one intent weighs _IDF_TOP whatever the catalog's
        # size: the calibrated floors below then hold for a 3-intent test catalog too.
        n = max(len(self.codes), 1)
        top = math.log((n + 1) / 1.5)
        self._idf = {t: _IDF_TOP * math.log((n + 1) / (len(c) + 0.5)) / top for t, c in df.items()}
        self._entries = [
            replace(e, values=tuple(self._idf.get(t, 0.0) * e.boost for t in e.terms))
            for e in self._entries
        ]
        # Each entry is filed under its rarest term (the one fewest entries share): every
        # term must be in the message anyway, and «برق», first word of hundreds of entries,
        # would otherwise make every query test them all.
        share: dict[str, int] = defaultdict(int)
        for e in self._entries:
            for t in e.terms:
                share[t] += 1
        by_term: dict[str, list[_Entry]] = defaultdict(list)
        for e in self._entries:
            by_term[min(e.terms, key=lambda t: (share[t], t))].append(e)
        self._by_term = {t: tuple(es) for t, es in by_term.items()}
        none_entries = [e for e in self._entries if e.code == NONE]
        self._none_negative = tuple(e for e in none_entries if e.negative)
        self._none_phrases = tuple(
            e for e in none_entries if e.kind == "keyword" and not e.negative and len(e.terms) > 1
        )
        # Other companies' nouns: the one-word ``none`` keywords (آب، گاز، اینترنت…), as
        # written (the stemmer must not turn «بیمه» into «بی»).
        self._utility = frozenset(
            words[0]
            for code, kind, words, negative in raw
            if code == NONE and kind == "keyword" and not negative and len(words) == 1
        )
        # Our service nouns such a noun can modify: one-word service keywords (قبض، کنتور،
        # انشعاب، تعرفه، قطع…), the concepts a citizen names, not the words around them.
        self._heads = (
            frozenset(
                e.terms[0]
                for e in self._entries
                if e.code not in (TRACK, NONE) and e.kind == "keyword" and len(e.terms) == 1
            )
            - self._utility
        )
        self._utility_lengths = sorted({len(w) for w in self._utility})
        self._utility_memo: dict[str, bool] = {}
        self._kind_memo: dict[str, str] = {}
        documents: dict[str, list[str]] = defaultdict(list)
        for code, _, words, negative in raw:
            if not negative:
                documents[code].extend(words)
        self._ngrams = CharNgramIndex(documents)
        self._word_parts: dict[str, tuple[tuple[float, ...], float]] = {}
        self._taught = {t: s.code for s in services for t in s.taught}
        # both learned scorers train on the examples as normalised (a fifth of the build)
        normal = {
            text: self._normalizer.normalize(text)
            for s in services + learned_only
            for text in (*s.examples, *s.taught)
        }
        self._learned = NaiveBayes(
            {
                s.code: [
                    self._features(self._query_words(normal[t])) for t in (*s.examples, *s.taught)
                ]
                for s in services + learned_only
                if s.examples
            }
        )
        self._svm = self._train_svm(services + learned_only, normal, svm_store)

    def _train_svm(
        self, services: list[ServiceText], normal: dict[str, str], store: SvmStore | None
    ) -> CharSvm | None:
        """The char n-gram SVM (:mod:`nlp.linear`) on the same examples (``normal``: each
        as normalised), the kinds of ``none`` pooled into ``none`` (its margins need no prior
        trick); None without examples of two classes."""
        rows = sorted(  # one order whatever the catalog's: the same data, the same model
            (normal[text], NONE if s.code.startswith(KIND_PREFIX) else s.code)
            for s in services
            for text in (*s.examples, *s.taught)
        )
        if len({code for _, code in rows}) < 2:
            return None
        return CharSvm.train([text for text, _ in rows], [code for _, code in rows], store)

    # The matching form of words: the lexicon is built in it and every query put into it.

    def _words(self, text: str) -> list[str]:
        """Normalised content words without ZWNJ (the matching form)."""
        words = [w.replace(ZWNJ, "") for w in self._normalizer.normalize(text).split()]
        return [w for w in words if w not in self._stop]

    def _query_words(self, normalized: str) -> list[str]:
        return self._merge([w.replace(ZWNJ, "") for w in normalized.split()])

    def _merge(self, words: list[str]) -> list[str]:
        """Join words written apart that the lexicon writes as one (جمع آوری), and split
        words glued together that the lexicon writes apart (کدپستی)."""
        out: list[str] = []
        i = 0
        vocabulary = self._resolver.vocabulary
        while i < len(words):
            word = words[i]
            pair = word + words[i + 1] if i + 1 < len(words) else ""
            if len(pair) > 4 and pair in self._compounds:
                out.append(pair)
                i += 2
                continue
            if word not in vocabulary and len(word) >= 5 and not self._peels_to_term(word):
                for cut in range(2, len(word) - 1):
                    if word[:cut] in vocabulary and word[cut:] in vocabulary:
                        out += [word[:cut], word[cut:]]
                        break
                else:
                    out.append(word)
            else:
                out.append(word)
            i += 1
        return out

    def _peels_to_term(self, word: str) -> bool:
        """The word is a lexicon term plus suffixes («کنتورمونو»): never split it, or
        «کنتورمو»+«نو» (new) would be read instead of «کنتور» + object marker."""
        found = self._resolver.resolve(word)
        return found is not None and found[1] >= 0.95

    def _features(self, words: list[str]) -> dict[str, float]:
        return features(words, self._is_content, self._term)

    def _is_content(self, word: str) -> bool:
        return word not in self._stop

    def _term(self, word: str) -> str | None:
        found = self._resolver.resolve(word)
        return found[0] if found else None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the index is built.

    Building allocates a few hundred thousand small strings, dicts and tuples (most of
    them while training on the examples) that form no reference cycles; the collector
    would still walk the whole growing index dozens of times meanwhile, a fifth to a
    third of the build time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
