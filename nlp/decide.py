"""From signals to a decision: how the lexicon and the learned scorer are combined.

The matcher measures a message three ways (:class:`Signals`): the lexicon score per intent
(exact, stemmed and corrected term hits plus the character n-gram cosine), the rule
signals (a request code, a status question, another company's matter), and the learned
scorer's probabilities (:mod:`nlp.learned`). :class:`Blend` turns them into one score per
intent and a decision.

Why a blend rather than either alone: the lexicon is precise on the words it knows and
blind to the rest; the learned models generalise over wordings but are only as good as
their ~80 examples per intent. Each intent's score is::

    (1 − v) × [w × P_nb(c) + (1 − w) × softmax(lex / T)(c)]  +  v × P_svm(c)

The softmax maps the unbounded lexicon scores onto 0..1 like probabilities, so the parts
are comparable. ``P_nb`` is the Naive Bayes over words, terms and grams (:mod:`nlp.learned`);
``P_svm`` the char n-gram SVM (:mod:`nlp.linear`), its discriminative counterpart, which
tells other utilities, adverts and shopping questions from our services better.
``none``'s lexicon score is high for another company's matter and grows as the best
service score falls below the floor; ``track``'s is its status-question and keyword score.
A tracking code (:mod:`nlp.codes`) stays a hard ``track`` rule, and a message with no
domain evidence at all (``Signals.evidence``) is ``none`` unless the learned model is
confident: over words every class has seen («سلام», «ممنون») its ranking is noise.
The weights and thresholds were chosen by cross-validation on the training examples only
(see ``bench/nlp.py --cv``), never on the evaluation sets.

Without examples (a test catalog, or a catalog whose examples were removed) the learned
part is absent and the calibrated lexicon-only rules decide, as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["BLEND", "Blend", "Decision", "MatchResult", "Signals"]

Decision = Literal["service", "ambiguous", "track", "none"]

TRACK = "track"
NONE = "none"
KIND_PREFIX = "none:"
"""Learned classes named ``none:<kind>`` are kinds of ``none``: pooled into it."""

NONE_FLOOR = 1.0
"""Below this best-service score the message is ``none`` (calibrated on the dev and extra sets)."""
TRACK_FLOOR = 2.2
"""A ``track`` score at or above this wins over service words."""
WEAK_FLOOR = 0.5
"""Between this and NONE_FLOOR a message names a topic but no service («کنتور»): offer some."""
AMBIGUOUS_RATIO = 0.85
"""Runner-up at or above this share of the best score makes the decision ``ambiguous``."""
_TRACK_SHARE = 0.2  # track must also be this share of the best service score


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The matcher's answer. ``ranked`` starts with the decided code."""

    decision: Decision
    ranked: list[tuple[str, float]]
    normalized: str
    candidates: tuple[str, ...] = field(default=())
    kind: str = ""
    """For ``none``: which kind of message that is not ours (``greeting``, ``water``,
    ``abuse``…, the catalog's ``kinds.toml``), or "" when no kind was learned."""
    tracking_code: str | None = None
    """The tracking code the message quotes (:mod:`nlp.codes`), whatever was decided: the
    tracking handler looks up this one, so a code is recognised once, by one rule."""
    needs: tuple[str, ...] = ()
    """A message asking for two things at once («کنتورم خرابه و قبضم هم زیاد اومده»): each
    distinct service its clauses ask for, strongest first; empty for one need (see
    :meth:`nlp.matcher.IntentMatcher.match`)."""

    @property
    def best(self) -> str:
        """The code the bot should act on (or ask about first)."""
        return self.ranked[0][0]

    def top(self, k: int = 3) -> list[str]:
        """The first ``k`` codes of the ranking."""
        return [code for code, _ in self.ranked[:k]]


@dataclass(frozen=True, slots=True)
class Signals:
    """What the matcher measured in one message, before any threshold."""

    normalized: str
    lexicon: dict[str, float]
    """service code -> lexicon score (term hits + n-gram cosine); every service present"""
    track: float
    """``track`` keyword score plus the status-question bonus"""
    none: float
    """``none`` keyword score (chit-chat, other companies)"""
    tracking_code: str | None
    """the tracking code the message quotes (:func:`nlp.codes.tracking_code`), if any"""
    foreign: bool
    """another company's matter and no electricity word"""
    foreign_phrase: bool = False
    """…named by a several-word keyword standing together («قبض آب»): strong evidence"""
    learned: dict[str, float] = field(default_factory=dict)
    """learned probabilities by code (services, track, none); empty without examples"""
    content_words: int = 0
    """how many content words (not stopwords, not digits) the message has; 0: not counted"""
    svm: dict[str, float] = field(default_factory=dict)
    """the char n-gram SVM's margin by code (:mod:`nlp.linear`); empty without examples"""
    kind: str = ""
    """the kind of ``none`` a kind keyword in the message names («گاز» -> ``gas``), or ""."""
    evidence: bool = True
    """a lexicon entry of a service or ``track`` hit, or an n-gram cosine cleared its
    floor: without it the message never mentioned our domain"""

    @property
    def code_found(self) -> bool:
        """A tracking code is quoted: a hard rule for ``track``."""
        return self.tracking_code is not None


@dataclass(frozen=True, slots=True)
class Blend:
    """Weights and thresholds of the combination; see the module docstring."""

    learned_weight: float = 0.7
    """w: share of the learned probability in every intent's score."""
    svm_weight: float = 0.3
    """v: share of the char n-gram SVM's probability (:mod:`nlp.linear`) in every score;
    the rest is the Naive Bayes + lexicon blend. Cross-validated (``bench/nlp.py --cv``):
    0.3–0.4 is a plateau; 0 (no SVM) loses a point of none F1, more loses top-1."""
    svm_scale: float = 3.0
    """The SVM's margins times this, then a softmax: its probabilities (margins of ±1
    at the class boundary make 3 about as sharp as the tempered Naive Bayes)."""
    lexicon_temperature: float = 1.5
    """Temperature of the softmax over lexicon scores (one unique term scores 3)."""
    foreign_score: float = 10.0
    """``none``'s lexicon score for another company's matter (a strong unique hit)."""
    none_slope: float = 3.0
    """``none``'s lexicon score per unit the best service falls below NONE_FLOOR."""
    foreign_bonus: float = 0.5
    """Added to ``none``'s blended score when another company's matter is named by a
    phrase: «قبض آبم زیاد اومده» reads like a bill dispute to every other signal."""
    none_bias: float = 0.0
    """Added to ``none``'s blended score: how readily an unclear message is left unanswered.
    It was -0.03 before the SVM joined the blend; cross-validation now puts it at 0 (±0.03
    costs a point of none F1 either way)."""
    kind_prior: float = 3.0
    """The prior the ``none:<kind>`` classes share, in units of one class's prior (see
    ``_pool_kinds``): 3 of 9 keeps a lone service noun («کنتور», «قبض») a question about
    services, while the kinds keep most of their mass."""
    ambiguous_ratio: float = 0.75
    """Runner-up service at this share of the best: offer both."""
    service_floor: float = 0.3
    """A best service scoring below this is offered, not opened (ambiguous)."""
    bare_confidence: float = 0.15
    """A message with no domain evidence (``Signals.evidence`` false, no code, no foreign
    noun) is ``none`` unless the learned model gives some service or ``track`` at least
    this probability. Tempered probabilities over 27 intents are flat: a greeting's
    noise tops out near 0.07, while the learned wordings that name no lexicon term
    («mamooretoon bad raftar bood») reach 0.2 and more. Cross-validated on the examples
    (``bench/nlp.py --cv``): 0.10–0.15 is a plateau, higher starts losing services."""

    def decide(self, s: Signals, services: tuple[str, ...]) -> MatchResult:
        """Rank every intent and decide; the lexicon-only rules when nothing was learned."""
        if not s.learned:
            return _lexicon_only(s, services)
        p, kind = _pool_kinds(s.learned, self.kind_prior)
        kind = s.kind or kind
        lexicon = dict(s.lexicon)
        best_lex = max(lexicon.values(), default=0.0)
        lexicon[TRACK] = s.track + (TRACK_FLOOR if s.code_found else 0.0)
        lexicon[NONE] = max(
            self.foreign_score if s.foreign else 0.0,
            s.none,
            self.none_slope * (NONE_FLOOR - best_lex),
        )
        top_lex = max(lexicon.values())
        exps = {c: math.exp((v - top_lex) / self.lexicon_temperature) for c, v in lexicon.items()}
        total = sum(exps.values())
        w = self.learned_weight
        scores = {c: w * p.get(c, 0.0) + (1 - w) * e / total for c, e in exps.items()}
        if s.svm:
            q = _softmax(s.svm, self.svm_scale)
            v = self.svm_weight
            scores = {c: (1 - v) * x + v * q.get(c, 0.0) for c, x in scores.items()}
        scores[NONE] += self.none_bias + (self.foreign_bonus if s.foreign_phrase else 0.0)
        if self._off_domain(s):
            # above every other score, so the ranking stays sorted and none leads it
            scores[NONE] = max(scores.values()) + 0.01
        ranked = sorted(scores.items(), key=lambda cs: (-cs[1], cs[0]))
        first, top = ranked[0]
        if first == NONE and s.code_found and not s.foreign:
            # a request code is a hard rule: a bare «1402789456» is a tracking question
            ranked.sort(key=lambda cs: cs[0] != TRACK)
            first = TRACK
        if first == NONE:
            return MatchResult(NONE, ranked, s.normalized, kind=kind, tracking_code=s.tracking_code)
        if first == TRACK:
            return MatchResult(TRACK, ranked, s.normalized, tracking_code=s.tracking_code)
        close = tuple(
            c for c, v in ranked[:3] if c not in (TRACK, NONE) and v >= self.ambiguous_ratio * top
        )
        if self._lone_shared_noun(s):  # «قبض», «کنتور»: which of their services?
            close = tuple(c for c, _ in ranked if c not in (TRACK, NONE))[:3]
        if len(close) > 1 or top < self.service_floor:
            return MatchResult(
                "ambiguous", ranked, s.normalized, close, tracking_code=s.tracking_code
            )
        return MatchResult("service", ranked, s.normalized, (first,), tracking_code=s.tracking_code)

    def _lone_shared_noun(self, s: Signals) -> bool:
        """One content word, which the lexicon gives several services alike.

        A lone «قبض» names the bill of three services; whichever the learned models lean
        to (their examples of one say «قبض می‌خوام» more often) is a guess, not an answer.
        """
        if s.content_words != 1:
            return False
        first, second = [*sorted(s.lexicon.values(), reverse=True), 0.0, 0.0][:2]
        return first > 0 and second >= self.ambiguous_ratio * first

    def _off_domain(self, s: Signals) -> bool:
        """Nothing in the message is about electricity and the learned model is unsure.

        «سلام علیکم», «شب بخیر», «خسته نباشید»: no lexicon term, no n-gram, so the learned
        model's ranking of services is noise over words it saw in every class.
        """
        if s.evidence or s.code_found or s.foreign:
            return False
        confident = max(
            (v for c, v in s.learned.items() if c != NONE and not c.startswith(KIND_PREFIX)),
            default=0.0,
        )
        return confident < self.bare_confidence


BLEND = Blend()
"""The calibrated blend the bot uses."""


def _softmax(values: dict[str, float], scale: float) -> dict[str, float]:
    top = max(values.values())
    exps = {c: math.exp((v - top) * scale) for c, v in values.items()}
    total = sum(exps.values())
    return {c: e / total for c, e in exps.items()}


def _pool_kinds(learned: dict[str, float], prior: float) -> tuple[dict[str, float], str]:
    """Fold the ``none:<kind>`` classes into ``none``: (probabilities, likeliest kind).

    Each kind is its own class while learning, so «قبض گازم» and «سلام» do not blur into
    one average «not ours» that resembles every service a little. Naive Bayes gives every
    class the same prior, so nine classes of «not ours» would hold nine services' prior
    between them and win every message the model knows little about («کنتور»): the kinds
    share ``prior`` times one class's prior instead, and their probabilities add up.
    """
    kinds = {c[len(KIND_PREFIX) :]: v for c, v in learned.items() if c.startswith(KIND_PREFIX)}
    if not kinds:
        return learned, ""
    pooled = {c: v for c, v in learned.items() if not c.startswith(KIND_PREFIX)}
    group = pooled.get(NONE, 0.0) + sum(kinds.values()) * prior / len(kinds)
    total = sum(v for c, v in pooled.items() if c != NONE) + group
    pooled = {c: v / total for c, v in pooled.items()}
    pooled[NONE] = group / total
    return pooled, max(kinds, key=lambda k: (kinds[k], k))


def _lexicon_only(s: Signals, service_codes: tuple[str, ...]) -> MatchResult:
    """The rules calibrated for the lexicon alone (no examples in the catalog)."""
    services = sorted(
        ((c, s.lexicon.get(c, 0.0)) for c in service_codes), key=lambda cs: cs[1], reverse=True
    )
    track_score = s.track + (TRACK_FLOOR if s.code_found else 0.0)
    none_score = s.none
    best = services[0][1] if services else 0.0

    if s.code_found or track_score >= max(TRACK_FLOOR, _TRACK_SHARE * best):
        decision: Decision = "track"
    elif s.foreign or best < WEAK_FLOOR or none_score > best:
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
        close = [c for c, v in services[:3] if v >= ratio * best]
        candidates = tuple(close) if decision == "ambiguous" else (services[0][0],)
    return MatchResult(decision, ranked, s.normalized, candidates, tracking_code=s.tracking_code)
