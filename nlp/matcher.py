"""The intent matcher: which service (or ``track`` / ``none``) a citizen's message asks for.

Each intent is described by lexicon entries: keywords (one concept, maybe several words),
everyday phrases, the card's title, and its description. An entry *hits* when all its
terms occur in the message (any order; closer is better). A message word then scores, for
each intent, the best hit covering it::

    idf(term) × similarity (1 exact … 0.7 one typo) × entry boost (longer entries more)
              × clause weight (words a writer rejects, «قبض نمی‌خوام», count little)

and an intent's score is the sum over the message's words. IDF is computed across intents,
so «برق» (everywhere) weighs nothing and «مفاصاحساب» (one service) a lot. Multi-word
entries are how the lexicon tells «قطع موقت» from «قطع … بدهی» from «برق قطعه».

Besides the lexicon, the catalog's example messages train a learned scorer at build
(:mod:`nlp.learned`, Naive Bayes over the same normalised words); :mod:`nlp.decide` blends
its probabilities with the lexicon scores and the rule signals into the final ranking:

* ``track`` – a tracking code (:mod:`nlp.codes`: the one rule, carried in the result) or a
  status question weighs heavily for it: «درخواست انشعاب دادم، چی شد؟» is about the
  request, not about applying again.
* ``none`` – another company's matter (water, gas, telephone…: the ``none`` keywords)
  with no electricity word (the ``none`` negatives), strongest when their noun modifies
  one of our service nouns («انشعاب گاز», «قبض آبمون»); a best service score below the
  calibrated floor; chit-chat. A message with no domain evidence at all (no lexicon entry
  of a service or ``track`` hit, no n-gram above its floor) is ``none`` unless the learned
  model is confident (see ``Blend.bare_confidence``).
* ``ambiguous`` – the runner-up is close to the best, or the best is weak: offer up to
  three. ``service`` otherwise.

Without examples the calibrated lexicon-only rules decide (see ``nlp.decide``).
"""

from __future__ import annotations

import gc
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import product
from operator import add

from models.digits import mask_digits
from nlp.codes import tracking_code
from nlp.decide import BLEND, KIND_PREFIX, TRACK_FLOOR, Blend, Decision, MatchResult, Signals
from nlp.learned import NaiveBayes, bigrams, features, word_features
from nlp.linear import CharSvm, SvmStore
from nlp.ngrams import CharNgramIndex
from nlp.normalize import ZWNJ, TextNormalizer, stopwords
from nlp.terms import TermResolver, stems

__all__ = ["Decision", "IntentMatcher", "MatchResult", "ServiceText", "Signals"]

TRACK = "track"
NONE = "none"

NGRAM_WEIGHT = 3.0
"""Weight of the character n-gram cosine (0..1) added to every service's lexicon score."""
NGRAM_MIN = 0.25
"""Cosines below this are noise (one shared common gram) and add nothing: «ساعت چنده»
must not climb over WEAK_FLOOR on n-grams alone."""

_WORD_MEMO = 50_000
"""Bound of the per-word caches (cleared when full: a flood of random words cannot grow
them without limit)."""

_KIND_BOOST = {"keyword": 1.0, "phrase": 1.0, "title": 0.9, "description": 0.25}
_IDF_TOP = 3.0
_NEGATIVE_FACTOR = 0.25
_FAR_FACTOR = 0.5  # an entry whose words are scattered over a long message
_REJECTED_WEIGHT = 0.15
_CONTRAST_WEIGHT = 1.15
_REJECTING = frozenset(
    {"نمیخواهم", "نمیخواهیم", "نمیخوام", "نمیخوایم", "نمیخام", "نخواستم", "نمیخواستم"}
)
_CONTRAST = frozenset({"ولی", "اما", "فقط", "بلکه", "منتها", "بجای", "بجاش", "درعوض"})
# A status question: something was filed (noun + past verb) and the writer now waits.
_FILED_NOUNS = frozenset({"ثبت", "درخواست", "اعتراض", "شکایت", "تقاضا", "فرم", "درخواستم"})
_FILED_VERBS = frozenset(
    {"کردم", "کردیم", "دادم", "دادیم", "بودم", "بودیم", "زدم", "زدیم", "فرستادم", "فرستادیم"}
)
_CLAUSE_BREAK = re.compile(r"[،,.;؛!?؟\n]+|\s(?:و|همچنین|ضمنا|ضمناً|بعدشم|بعلاوه)\s", re.IGNORECASE)
"""Where one need may end and another begin: punctuation, «و» between words, «ضمناً»…"""
NEED_FLOOR = 0.15
"""A clause names a need of its own when a lexicon entry or n-gram of ours hit in it and
its best service blends to at least this: half a confident answer's ``service_floor``,
since a short clause («کنتورم خرابه») is rarely confident between two meter services."""
NEED_LEXICON = 1.0
"""…and the lexicon alone gives that service at least this (NONE_FLOOR): the learned
scorer's guess over a clause of stray words («درخاستش رو کجا بدم») is no second need.
One of the needs must also be confident (``Blend.service_floor``)."""
_MAX_CLAUSES = 6
_WAITING = frozenset(
    {"جواب", "جوابش", "نتیجه", "نتیجش", "نتیجه‌اش", "خبری", "خبر", "هنوز", "منتظر", "چی", "چه",
     "شد", "مرحله", "وضعیت", "کی", "کجا", "رسید", "نیامده", "نیومده", "ندادند", "ندادن"}
)  # fmt: skip


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
    code: str
    kind: str
    terms: tuple[str, ...]
    boost: float
    negative: bool = False
    values: tuple[float, ...] = ()
    """idf × boost per term: the part of a hit's value fixed at build."""


class IntentMatcher:
    """Scores a message against every intent's lexicon; see the module docstring."""

    def __init__(
        self,
        services: Iterable[ServiceText],
        blend: Blend = BLEND,
        svm_store: SvmStore | None = None,
    ) -> None:
        """``svm_store`` keeps the fitted SVM between starts (see :mod:`nlp.linear`)."""
        with _gc_paused():
            self._build(list(services), blend, svm_store)

    def _build(self, services: list[ServiceText], blend: Blend, svm_store: SvmStore | None) -> None:
        """The index: lexicon entries, IDF, n-gram documents, and the learned scorer."""
        learned_only = [s for s in services if s.code.startswith(KIND_PREFIX)]
        services = [s for s in services if not s.code.startswith(KIND_PREFIX)]
        self.codes = tuple(s.code for s in services)
        self._service_codes = tuple(c for c in self.codes if c not in (TRACK, NONE))
        self._blend = blend
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

    @classmethod
    def from_catalog(
        cls, services: Iterable[ServiceText], svm_store: SvmStore | None = None
    ) -> IntentMatcher:
        """Build the index from the catalog's intents (services, ``track`` and ``none``)."""
        return cls(services, svm_store=svm_store)

    def _words(self, text: str) -> list[str]:
        """Normalised content words without ZWNJ (the matching form)."""
        words = [w.replace(ZWNJ, "") for w in self._normalizer.normalize(text).split()]
        return [w for w in words if w not in self._stop]

    def normalize(self, text: str) -> str:
        """``text`` in the form queries are matched (and logged) in."""
        return self._normalizer.normalize(text)

    def features(self, text: str) -> dict[str, float]:
        """The learned scorer's features of ``text`` (see :func:`nlp.learned.features`)."""
        return self._features(self._query_words(self._normalizer.normalize(text)))

    def _query_words(self, normalized: str) -> list[str]:
        return self._merge([w.replace(ZWNJ, "") for w in normalized.split()])

    def _features(self, words: list[str]) -> dict[str, float]:
        return features(words, self._is_content, self._term)

    def _learned_probabilities(self, words: list[str]) -> dict[str, float]:
        """The learned posterior, from cached per-word parts plus the message's bigrams.

        Same numbers as ``probabilities(features(words))`` (the likelihood is a sum over
        features), but a recurring word's hundred-odd grams are looked up once, not per
        message: this was the largest share of a query's time.
        """
        nb = self._learned
        scores, known = nb.partial(bigrams(words))
        memo = self._word_parts
        for word in words:
            part = memo.get(word)
            if part is None:
                if len(memo) >= _WORD_MEMO:
                    memo.clear()
                vec, k = nb.partial(word_features(word, self._is_content, self._term))
                part = memo[word] = (tuple(vec), k)
            scores = list(map(add, scores, part[0]))
            known += part[1]
        return nb.posterior(nb.combine(scores, known))

    def _is_content(self, word: str) -> bool:
        return word not in self._stop

    def _term(self, word: str) -> str | None:
        found = self._resolver.resolve(word)
        return found[0] if found else None

    def match(self, text: str) -> MatchResult:
        """Decide what ``text`` asks for; a message naming two services gets ``needs``."""
        signals = self.signals(text)
        result = self.decide(signals)
        if self._taught:
            code = self._taught.get(mask_digits(signals.normalized))
            if code is not None:
                result = _as_taught(result, code)
        if result.decision in ("service", "ambiguous"):
            needs = self.needs(text, result)
            if needs:
                return replace(result, needs=needs)
        return result

    def needs(self, text: str, result: MatchResult | None = None) -> tuple[str, ...]:
        """The distinct services a message asks for, when it asks for more than one.

        The message is cut into clauses (at «و», «،», «.», «ضمناً»…) and each is matched
        alone; a clause counts when it is about our domain and its best service is
        confident on its own. Two clauses with different services are two needs:
        «کنتورم خرابه و قبضم هم زیاد اومده» asks for a meter and a bill dispute. The whole
        message's best service (``result``) must be one of them, and comes first. One
        need: ().
        """
        clauses = [c for c in _CLAUSE_BREAK.split(text) if c.strip()]
        if not 1 < len(clauses) <= _MAX_CLAUSES:
            return ()
        found: list[tuple[str, tuple[str, ...]]] = []  # (code, the clause's top two)
        strong = False
        # A clause counts only if the lexicon gives some service NEED_LEXICON in it: find
        # those first without the learned models, and score only them in full (the clause
        # splitting was the tail of a message's time).
        named = []
        for clause in clauses:
            lexical = self.signals(clause, learned=False)
            if (
                lexical.evidence
                and not lexical.code_found
                and max(lexical.lexicon.values(), default=0.0) >= NEED_LEXICON
            ):
                named.append(lexical)
        if len(named) < 2:
            return ()
        for lexical in named:
            signals = self._learn(lexical)
            part = self.decide(signals)
            code, score = part.ranked[0]
            if (
                part.decision in ("service", "ambiguous")
                and score >= NEED_FLOOR
                and signals.lexicon.get(code, 0.0) >= NEED_LEXICON
            ):
                found.append((code, tuple(part.top(2))))
                strong = strong or score >= BLEND.service_floor
        needs: list[str] = []
        for code, near in found:
            # distinct: neither clause ranks the other's service among its first two
            # («کنتور وسط دیواره» / «می‌خوایم جابجاش کنیم» are one relocation)
            distinct = all(code not in o and c not in near for c, o in found if c != code)
            if distinct and code not in needs:
                needs.append(code)
        if len(needs) < 2 or not strong:
            return ()
        if result is not None:
            if result.best not in needs:
                # the whole reads as a third service no clause names: the clauses are parts
                # of one question («تعرفه و آمپر کنتورم چیه» asks for the subscription)
                return ()
            needs.sort(key=lambda c: c != result.best)
        return tuple(needs[:3])

    def signals(self, text: str, *, learned: bool = True) -> Signals:
        """Everything the decision looks at, before any threshold is applied.

        ``learned=False`` leaves the two learned models out (their parts empty): the
        lexicon and rule signals alone, for a clause that can only count as a need if the
        lexicon names a service in it (:meth:`needs`); :meth:`_learn` adds them later.
        """
        normalized = self._normalizer.normalize(text)
        words = self._query_words(normalized)
        weights = _clause_weights(words)
        positions: dict[str, list[int]] = defaultdict(list)
        sims: dict[int, tuple[str, float]] = {}
        for i, word in enumerate(words):
            if word in self._stop or word.isdigit():
                continue
            found = self._resolver.resolve(word)
            if found:
                sims[i] = found
                positions[found[0]].append(i)

        scores = self._score(positions, sims, weights)
        content = [w for w in words if w not in self._stop and not w.isdigit()]
        # Domain evidence: a whole lexicon entry of a service or ``track`` hit, or an n-gram
        # cosine cleared its floor. Single words are not enough: «سلام» corrects to «اصلاح»
        # and «علیکم» splits into «علی»+«کم», both lexicon words of some phrase.
        evidence = any(v > 0 and c != NONE for c, v in scores.items())
        for code, cos in self._ngrams.similarities(content).items():
            if code not in (TRACK, NONE) and cos >= NGRAM_MIN:
                scores[code] = scores.get(code, 0.0) + NGRAM_WEIGHT * cos
                evidence = True
        track_score = scores.get(TRACK, 0.0)
        if _status_question(words):
            track_score += TRACK_FLOOR
        foreign, foreign_phrase = self._foreign(words, positions, sims)
        lexical = Signals(
            content_words=len(content),
            normalized=normalized,
            lexicon={c: scores.get(c, 0.0) for c in self._service_codes},
            track=track_score,
            none=scores.get(NONE, 0.0),
            tracking_code=tracking_code(words),
            foreign=foreign,
            foreign_phrase=foreign_phrase,
            evidence=evidence,
        )
        return self._learn(lexical, words) if learned else lexical

    def _learn(self, lexical: Signals, words: list[str] | None = None) -> Signals:
        """``lexical`` (signals without the learned parts) with the learned models' parts
        and the kind a kind keyword names."""
        if words is None:
            words = self._query_words(lexical.normalized)
        return replace(
            lexical,
            learned=self._learned_probabilities(words) if self._learned else {},
            svm=self._svm.decision(lexical.normalized) if self._svm is not None else {},
            kind=self._named_kind(words),
        )

    def _named_kind(self, words: list[str]) -> str:
        """The kind a message's word names by a kind keyword, inflected or not, or ""."""
        named = self._kind_words
        if not named:
            return ""
        memo = self._kind_memo
        for word in words:
            kind = memo.get(word)
            if kind is None:  # peeling suffixes is slow, and message words recur
                kind = next((named[f] for f in (word, *stems(word)) if f in named), "")
                if len(memo) >= _WORD_MEMO:
                    memo.clear()
                memo[word] = kind
            if kind:
                return kind
        return ""

    def tracking_code(self, text: str) -> str | None:
        """The tracking code quoted in ``text`` (:mod:`nlp.codes`), without deciding anything:
        for a message that can only be about tracking (the answer to «کد رهگیری را بفرستید»)."""
        return tracking_code(self._query_words(self._normalizer.normalize(text)))

    def decide(self, signals: Signals) -> MatchResult:
        """Rank and decide from ``signals`` with this matcher's :class:`Blend`."""
        return self._blend.decide(signals, self._service_codes)

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

    def _score(
        self,
        positions: dict[str, list[int]],
        sims: dict[int, tuple[str, float]],
        weights: list[float],
    ) -> dict[str, float]:
        best: dict[str, dict[int, float]] = defaultdict(dict)
        negated: set[str] = set()
        by_term = self._by_term
        for first in positions:
            for entry in by_term.get(first, ()):
                terms = entry.terms
                if len(terms) == 1:  # most entries: no span to find
                    if entry.negative:
                        negated.add(entry.code)
                        continue
                    pos = positions[first][0]
                    value = entry.values[0] * sims[pos][1] * weights[pos]
                    per_code = best[entry.code]
                    if value > per_code.get(pos, 0.0):
                        per_code[pos] = value
                    continue
                if not all(t in positions for t in terms):
                    continue
                if entry.negative:
                    negated.add(entry.code)
                    continue
                span_pos = _closest(terms, positions)
                span = max(span_pos) - min(span_pos) + 1
                near = 1.0 if span <= len(terms) + 3 else _FAR_FACTOR
                per_code = best[entry.code]
                for base, pos in zip(entry.values, span_pos, strict=True):
                    value = base * sims[pos][1] * weights[pos] * near
                    if value > per_code.get(pos, 0.0):
                        per_code[pos] = value
        scores = {code: sum(v.values()) for code, v in best.items()}
        for code in negated:
            if code in scores:
                scores[code] *= _NEGATIVE_FACTOR
        return scores

    def _foreign(
        self, words: list[str], positions: dict[str, list[int]], sims: dict[int, tuple[str, float]]
    ) -> tuple[bool, bool]:
        """Another company's matter and no electricity word: (any evidence, strong evidence).

        Strong: another company's noun *modifies* one of our service nouns (a one-word
        service keyword: «انشعاب گاز», «تعرفه گاز صنعتی», «قبض آبمون») or a several-word
        ``none`` keyword stands together («تلفن ثابت»). One content word may stand between
        («تعرفه صنعتی گاز»); a function word or an object marker breaks the pattern: «کنتور
        رو آب گرفت», «کنتورمونو آب گرفته» are water flooding *our* meter. The electricity
        words (the ``none`` negatives) veto it, except the modified noun itself: «انشعاب»
        is ours, «انشعاب گاز» is not.

        Weak: a lone foreign noun («آب قطع شده», «اینترنت خونه قطعه») with no electricity
        word anywhere (and «کنتور» counts as one: «کنتور رو آب گرفت»).
        """
        utility = [j for j, w in enumerate(words) if self._is_utility(w, sims.get(j))]
        phrases = [e for e in self._none_phrases if all(t in positions for t in e.terms)]
        if not utility and not phrases:
            return False, False  # most messages: nothing foreign at all
        anchors: set[int] = set()
        for entry in self._none_negative:
            if all(t in positions for t in entry.terms):
                anchors.update(_closest(entry.terms, positions))
        strong = False
        for entry in phrases:
            span = _closest(entry.terms, positions)
            start, end = min(span), max(span)
            if (
                self._tight(words, start, end, len(entry.terms))
                and not _object_marked(words[start], sims[start][0])
                and anchors <= set(span)
            ):
                strong = True
        for j in utility:
            for i in (j - 1, j - 2):
                head = sims.get(i)
                if (
                    head is not None
                    and head[0] in self._heads
                    and not _object_marked(words[i], head[0])
                    and self._tight(words, i, j, 2)
                    and anchors <= {i, j}
                ):
                    strong = True
        weak = bool(utility) and not anchors
        return strong or weak, strong

    def _tight(self, words: list[str], start: int, end: int, n_terms: int) -> bool:
        """The words from ``start`` to ``end`` read as one noun phrase: at most one extra
        word between the terms, and never a function word («رو», «به», «که»)."""
        if end - start + 1 > n_terms + 1:
            return False
        return all(words[k] not in self._stop for k in range(start + 1, end))

    def _is_utility(self, word: str, resolved: tuple[str, float] | None) -> bool:
        """Another company's noun, inflected or not («آبمون», «گازش», «اینترنتم»).

        The resolver does not peel «آب» out of «آبمون» (two-letter stems are too risky in
        general); for this short closed list a peeled stem is safe.
        """
        if resolved is not None and resolved[0] in self._utility:
            return True
        found = self._utility_memo.get(word)
        if found is None:
            utility = self._utility
            found = word in utility or (
                any(word[:n] in utility for n in self._utility_lengths)
                and any(st in utility for st in stems(word))
            )
            if len(self._utility_memo) < 50_000:
                self._utility_memo[word] = found
        return found


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


def _as_taught(result: MatchResult, code: str) -> MatchResult:
    """Staff said what this very message asks for: ``code`` first, decided."""
    ranked = sorted(result.ranked, key=lambda cs: cs[0] != code)
    if code in (TRACK, NONE):
        return replace(result, decision=code, ranked=ranked, candidates=())
    return replace(result, decision="service", ranked=ranked, candidates=(code,), kind="")


def _closest(terms: tuple[str, ...], positions: dict[str, list[int]]) -> tuple[int, ...]:
    """One position per term with the smallest span (messages are short: brute force)."""
    options = [positions[t][:4] for t in terms]
    return min(product(*options), key=lambda ps: max(ps) - min(ps))


def _object_marked(word: str, term: str) -> bool:
    """«کنتورمونو», «قبضو»: the object marker glued on. Nothing can modify a noun after
    its object marker, so «کنتورمونو آب گرفته» is water in our meter, not a water meter."""
    return word != term and word.endswith(("و", "را", "رو")) and not term.endswith("و")


def _clause_weights(words: list[str]) -> list[float]:
    """Per-word weight: words a writer rejects count little, words after «فقط/ولی» a bit more.

    «قبض نمی‌خوام، فقط می‌خوام بدونم کنتورم درسته»: «قبض» is rejected (up to three words
    before the rejecting verb), the meter words after «فقط» carry the message.
    """
    weights = [1.0] * len(words)
    boost_from = None
    for i, word in enumerate(words):
        if word in _REJECTING or (word == "نه" and i > 0 and words[i - 1] != "یا"):
            for j in range(max(0, i - 3), i + 1):
                weights[j] = _REJECTED_WEIGHT
        if word in _CONTRAST and boost_from is None:
            boost_from = i
    if boost_from is not None:
        for j in range(boost_from + 1, len(words)):
            if weights[j] == 1.0:
                weights[j] = _CONTRAST_WEIGHT
    return weights


def _status_question(words: list[str]) -> bool:
    """«اعتراض به قبض ثبت کردم، جوابش کی میاد؟»: a filing verb, then a waiting word.

    Naming the service does not make it a new request: the writer filed already and asks
    where it stands. A payment («پرداخت کردم، کی وصل می‌شه») is not a filing, so
    reconnection keeps those.
    """
    for i, word in enumerate(words):
        if word in _FILED_VERBS and _FILED_NOUNS & set(words[max(0, i - 3) : i]):
            return bool(_WAITING & set(words[i + 1 :]))
    return False
