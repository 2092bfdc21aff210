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

Decisions, in this order (why: see each rule):

1. ``track`` – a request code (6+ digits that is not a mobile, bill or postal number) or a
   status question; it wins over service words because «درخواست انشعاب دادم، چی شد؟» is
   about the request, not about applying again.
2. ``none`` – another company's matter (water, gas, telephone…: the ``none`` keywords)
   with no electricity word (the ``none`` negatives); or no service scoring above the
   calibrated floor; or chit-chat scoring above every service.
3. ``ambiguous`` – the runner-up is close to the best, or the message names only a topic
   («کنتور», «قبض»): offer up to three.
4. ``service`` otherwise.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product
from typing import Literal

from nlp.ngrams import CharNgramIndex
from nlp.normalize import ZWNJ, TextNormalizer, stopwords
from nlp.terms import TermResolver

__all__ = ["Decision", "IntentMatcher", "MatchResult", "ServiceText"]

Decision = Literal["service", "ambiguous", "track", "none"]

TRACK = "track"
NONE = "none"

NONE_FLOOR = 1.0
"""Below this best-service score the message is ``none`` (calibrated on the dev and extra sets)."""
TRACK_FLOOR = 2.2
"""A ``track`` score at or above this wins over service words."""
WEAK_FLOOR = 0.5
"""Between this and NONE_FLOOR a message names a topic but no service («کنتور»): offer some."""
AMBIGUOUS_RATIO = 0.85
"""Runner-up at or above this share of the best score makes the decision ``ambiguous``."""

NGRAM_WEIGHT = 3.0
"""Weight of the character n-gram cosine (0..1) added to every service's lexicon score."""
NGRAM_MIN = 0.25
"""Cosines below this are noise (one shared common gram) and add nothing: «ساعت چنده»
must not climb over WEAK_FLOOR on n-grams alone."""

_KIND_BOOST = {"keyword": 1.0, "phrase": 1.0, "title": 0.9, "description": 0.25}
_IDF_TOP = 3.0
_NEGATIVE_FACTOR = 0.25
_FAR_FACTOR = 0.5  # an entry whose words are scattered over a long message
_TRACK_SHARE = 0.2  # track must also be this share of the best service score
_REJECTED_WEIGHT = 0.15
_CONTRAST_WEIGHT = 1.15
_REJECTING = frozenset(
    {"نمیخواهم", "نمیخواهیم", "نمیخوام", "نمیخوایم", "نمیخام", "نخواستم", "نمیخواستم"}
)
_CONTRAST = frozenset({"ولی", "اما", "فقط", "بلکه", "منتها", "بجای", "بجاش", "درعوض"})
_DIGITS = re.compile(r"\d{6,}")
_MOBILE = re.compile(r"^(?:0098|98|0)?9\d{9}$")
_ID_CONTEXT = frozenset(
    {"شناسه", "ملی", "پستی", "موبایل", "همراه", "تلفن", "تماس", "قبض", "اشتراک", "کدملی"}
)
_MONEY = frozenset({"تومان", "ریال", "هزار", "میلیون", "تومن"})
# A status question: something was filed (noun + past verb) and the writer now waits.
_FILED_NOUNS = frozenset({"ثبت", "درخواست", "اعتراض", "شکایت", "تقاضا", "فرم", "درخواستم"})
_FILED_VERBS = frozenset(
    {"کردم", "کردیم", "دادم", "دادیم", "بودم", "بودیم", "زدم", "زدیم", "فرستادم", "فرستادیم"}
)
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


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The matcher's answer. ``ranked`` starts with the decided code."""

    decision: Decision
    ranked: list[tuple[str, float]]
    normalized: str
    candidates: tuple[str, ...] = field(default=())

    @property
    def best(self) -> str:
        """The code the bot should act on (or ask about first)."""
        return self.ranked[0][0]

    def top(self, k: int = 3) -> list[str]:
        """The first ``k`` codes of the ranking."""
        return [code for code, _ in self.ranked[:k]]


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    kind: str
    terms: tuple[str, ...]
    boost: float
    negative: bool = False


class IntentMatcher:
    """Scores a message against every intent's lexicon; see the module docstring."""

    def __init__(self, services: Iterable[ServiceText]) -> None:
        services = list(services)
        self.codes = tuple(s.code for s in services)
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
        self._by_term: dict[str, list[_Entry]] = defaultdict(list)
        for e in self._entries:
            self._by_term[e.terms[0]].append(e)
        documents: dict[str, list[str]] = defaultdict(list)
        for code, _, words, negative in raw:
            if not negative:
                documents[code].extend(words)
        self._ngrams = CharNgramIndex(documents)

    @classmethod
    def from_catalog(cls, services: Iterable[ServiceText]) -> IntentMatcher:
        """Build the index from the catalog's intents (services, ``track`` and ``none``)."""
        return cls(services)

    def _words(self, text: str) -> list[str]:
        """Normalised content words without ZWNJ (the matching form)."""
        words = [w.replace(ZWNJ, "") for w in self._normalizer.normalize(text).split()]
        return [w for w in words if w not in self._stop]

    def match(self, text: str) -> MatchResult:
        """Decide what ``text`` asks for."""
        normalized = self._normalizer.normalize(text)
        words = self._merge([w.replace(ZWNJ, "") for w in normalized.split()])
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
        for code, cos in self._ngrams.similarities(content).items():
            if code not in (TRACK, NONE) and cos >= NGRAM_MIN:
                scores[code] = scores.get(code, 0.0) + NGRAM_WEIGHT * cos
        code_found = _tracking_code(words)
        services = sorted(
            ((c, scores.get(c, 0.0)) for c in self.codes if c not in (TRACK, NONE)),
            key=lambda cs: cs[1],
            reverse=True,
        )
        track_score = scores.get(TRACK, 0.0) + (TRACK_FLOOR if code_found else 0.0)
        if _status_question(words):
            track_score += TRACK_FLOOR
        none_score = scores.get(NONE, 0.0)
        best = services[0][1] if services else 0.0
        vetoed = self._foreign(positions)

        if code_found or track_score >= max(TRACK_FLOOR, _TRACK_SHARE * best):
            decision: Decision = "track"
        elif vetoed or best < WEAK_FLOOR or none_score > best:
            decision = "none"
        elif best < NONE_FLOOR or (len(services) > 1 and services[1][1] >= AMBIGUOUS_RATIO * best):
            decision = "ambiguous"
        else:
            decision = "service"

        ranked = [(TRACK, track_score), (NONE, max(none_score, NONE_FLOOR)), *services]
        ranked.sort(key=lambda cs: cs[1], reverse=True)
        if decision in ("track", "none"):
            first = TRACK if decision == "track" else NONE
            ranked.sort(key=lambda cs: cs[0] != first)
            candidates: tuple[str, ...] = ()
        else:
            ranked = [cs for cs in ranked if cs[0] not in (TRACK, NONE)] + [
                cs for cs in ranked if cs[0] in (TRACK, NONE)
            ]
            ratio = AMBIGUOUS_RATIO if best >= NONE_FLOOR else 0.5
            close = [c for c, s in services[:3] if s >= ratio * best]
            candidates = tuple(close) if decision == "ambiguous" else (services[0][0],)
        return MatchResult(decision, ranked, normalized, candidates)

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
            if word not in vocabulary and len(word) >= 5:
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

    def _score(
        self,
        positions: dict[str, list[int]],
        sims: dict[int, tuple[str, float]],
        weights: list[float],
    ) -> dict[str, float]:
        best: dict[str, dict[int, float]] = defaultdict(dict)
        negated: set[str] = set()
        for first in list(positions):
            for entry in self._by_term.get(first, ()):
                if not all(t in positions for t in entry.terms):
                    continue
                if entry.negative:
                    negated.add(entry.code)
                    continue
                span_pos = _closest(entry.terms, positions)
                span = max(span_pos) - min(span_pos) + 1
                near = 1.0 if span <= len(entry.terms) + 3 else _FAR_FACTOR
                per_code = best[entry.code]
                for term, pos in zip(entry.terms, span_pos, strict=True):
                    value = self._idf.get(term, 0.0) * sims[pos][1] * weights[pos]
                    value *= entry.boost * near
                    if value > per_code.get(pos, 0.0):
                        per_code[pos] = value
        scores = {code: sum(v.values()) for code, v in best.items()}
        for code in negated:
            if code in scores:
                scores[code] *= _NEGATIVE_FACTOR
        return scores

    def _foreign(self, positions: dict[str, list[int]]) -> bool:
        """Another company's matter: a ``none`` keyword and no electricity word.

        A several-word ``none`` keyword counts only when its words stand together: «قبض
        موبایل» is the phone bill, but «شماره موبایلم … پیامک قبض» is our own subscriber
        data and must not be vetoed.
        """
        has_foreign = has_anchor = False
        for term in positions:
            for entry in self._by_term.get(term, ()):
                if entry.code != NONE or not all(t in positions for t in entry.terms):
                    continue
                if entry.negative:
                    has_anchor = True
                elif entry.kind == "keyword":
                    span = _closest(entry.terms, positions)
                    has_foreign |= max(span) - min(span) < len(entry.terms) + 1
        return has_foreign and not has_anchor


def _closest(terms: tuple[str, ...], positions: dict[str, list[int]]) -> tuple[int, ...]:
    """One position per term with the smallest span (messages are short: brute force)."""
    options = [positions[t][:4] for t in terms]
    return min(product(*options), key=lambda ps: max(ps) - min(ps))


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


def _tracking_code(words: list[str]) -> bool:
    """A 6+ digit run that is not a mobile, bill/postal/national number or an amount."""
    for i, word in enumerate(words):
        if not _DIGITS.fullmatch(word) or _MOBILE.match(word):
            continue
        before = set(words[max(0, i - 3) : i])
        after = set(words[i + 1 : i + 3])
        if before & _ID_CONTEXT or after & _MONEY:
            continue
        return True
    return False
