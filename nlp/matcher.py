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

The parts, one module each: :mod:`nlp.index` builds the entries, IDF, n-gram documents
and learned models from the catalog; :mod:`nlp.scoring` scores a message's words
against them and reads another company's matter; :mod:`nlp.needs` reads the clauses
(rejected words, status questions, several needs). This module turns a message into
:class:`Signals` and a :class:`MatchResult`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from operator import add

from models.digits import mask_digits
from nlp.codes import tracking_code
from nlp.decide import BLEND, NONE, TRACK, TRACK_FLOOR, Blend, Decision, MatchResult, Signals
from nlp.index import ServiceText
from nlp.learned import bigrams, word_features
from nlp.linear import SvmStore
from nlp.needs import clause_weights, find_needs, status_question
from nlp.scoring import LexiconScorer
from nlp.terms import stems

__all__ = ["Decision", "IntentMatcher", "MatchResult", "ServiceText", "Signals"]

NGRAM_WEIGHT = 3.0
"""Weight of the character n-gram cosine (0..1) added to every service's lexicon score."""
NGRAM_MIN = 0.25
"""Cosines below this are noise (one shared common gram) and add nothing: «ساعت چنده»
must not climb over WEAK_FLOOR on n-grams alone."""

_WORD_MEMO = 50_000
"""Bound of the per-word caches (cleared when full: a flood of random words cannot grow
them without limit)."""


class IntentMatcher(LexiconScorer):
    """Scores a message against every intent's lexicon; see the module docstring.

    Built on :class:`nlp.scoring.LexiconScorer`, itself on :class:`nlp.index.LexiconIndex`:
    the index's attributes are the matcher's own, read directly on every message.
    """

    def __init__(
        self,
        services: Iterable[ServiceText],
        blend: Blend = BLEND,
        svm_store: SvmStore | None = None,
    ) -> None:
        """``svm_store`` keeps the fitted SVM between starts (see :mod:`nlp.linear`)."""
        self._blend = blend
        super().__init__(services, svm_store)

    @classmethod
    def from_catalog(
        cls, services: Iterable[ServiceText], svm_store: SvmStore | None = None
    ) -> IntentMatcher:
        """Build the index from the catalog's intents (services, ``track`` and ``none``)."""
        return cls(services, svm_store=svm_store)

    def normalize(self, text: str) -> str:
        """``text`` in the form queries are matched (and logged) in."""
        return self._normalizer.normalize(text)

    def features(self, text: str) -> dict[str, float]:
        """The learned scorer's features of ``text`` (see :func:`nlp.learned.features`)."""
        return self._features(self._query_words(self._normalizer.normalize(text)))

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
        """The distinct services a message asks for, when it asks for more than one: each
        clause matched alone (:func:`nlp.needs.find_needs`); ``result``, the whole message's
        answer, puts its best service first. One need: ()."""
        lexical_signals = partial(self.signals, learned=False)
        return find_needs(text, result, lexical_signals, self._learn, self.decide)

    def signals(self, text: str, *, learned: bool = True) -> Signals:
        """Everything the decision looks at, before any threshold is applied.

        ``learned=False`` leaves the two learned models out (their parts empty): the
        lexicon and rule signals alone, for a clause that can only count as a need if the
        lexicon names a service in it (:meth:`needs`); :meth:`_learn` adds them later.
        """
        normalized = self._normalizer.normalize(text)
        words = self._query_words(normalized)
        weights = clause_weights(words)
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
        if status_question(words):
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


def _as_taught(result: MatchResult, code: str) -> MatchResult:
    """Staff said what this very message asks for: ``code`` first, decided."""
    ranked = sorted(result.ranked, key=lambda cs: cs[0] != code)
    if code in (TRACK, NONE):
        return replace(result, decision=code, ranked=ranked, candidates=())
    return replace(result, decision="service", ranked=ranked, candidates=(code,), kind="")
