"""Reading a message clause by clause: rejected words, status questions, several needs.

Citizens write run-on messages. «قبض نمی‌خوام، فقط می‌خوام بدونم کنتورم درسته» rejects one
service and asks about another; «اعتراض ثبت کردم، جوابش کی میاد» asks after something
filed, not to file it again; «کنتورم خرابه و قبضم هم زیاد اومده» asks for two things. The
rules that read those structures are word lists and clause cuts, independent of how the
index is built, and live here apart from the scoring they feed: :mod:`nlp.matcher` weights
a message's words by :func:`clause_weights`, adds :func:`status_question` to ``track``, and
asks :func:`find_needs` which services a message's clauses need.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nlp.decide import BLEND, MatchResult, Signals

__all__ = ["NEED_FLOOR", "NEED_LEXICON", "clause_weights", "find_needs", "status_question"]

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
_WAITING = frozenset(
    {"جواب", "جوابش", "نتیجه", "نتیجش", "نتیجه‌اش", "خبری", "خبر", "هنوز", "منتظر", "چی", "چه",
     "شد", "مرحله", "وضعیت", "کی", "کجا", "رسید", "نیامده", "نیومده", "ندادند", "ندادن"}
)  # fmt: skip
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


def clause_weights(words: list[str]) -> list[float]:
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


def status_question(words: list[str]) -> bool:
    """«اعتراض به قبض ثبت کردم، جوابش کی میاد؟»: a filing verb, then a waiting word.

    Naming the service does not make it a new request: the writer filed already and asks
    where it stands. A payment («پرداخت کردم، کی وصل می‌شه») is not a filing, so
    reconnection keeps those.
    """
    for i, word in enumerate(words):
        if word in _FILED_VERBS and _FILED_NOUNS & set(words[max(0, i - 3) : i]):
            return bool(_WAITING & set(words[i + 1 :]))
    return False


def find_needs(
    text: str,
    result: MatchResult | None,
    lexical_signals: Callable[[str], Signals],
    learn: Callable[[Signals], Signals],
    decide: Callable[[Signals], MatchResult],
) -> tuple[str, ...]:
    """The distinct services a message asks for, when it asks for more than one.

    The message is cut into clauses (at «و», «،», «.», «ضمناً»…) and each is matched
    alone; a clause counts when it is about our domain and its best service is
    confident on its own. Two clauses with different services are two needs:
    «کنتورم خرابه و قبضم هم زیاد اومده» asks for a meter and a bill dispute. The whole
    message's best service (``result``) must be one of them, and comes first. One
    need: ().

    The matcher lends the steps: ``lexical_signals`` (a clause's lexicon and rule
    signals, the learned models left out), ``learn`` (adds their parts) and ``decide``.
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
        lexical = lexical_signals(clause)
        if (
            lexical.evidence
            and not lexical.code_found
            and max(lexical.lexicon.values(), default=0.0) >= NEED_LEXICON
        ):
            named.append(lexical)
    if len(named) < 2:
        return ()
    for lexical in named:
        signals = learn(lexical)
        part = decide(signals)
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
