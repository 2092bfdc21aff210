"""Persian text understanding for skedbot: normalisation and intent matching.

Pure Python on top of hazm; nothing here knows about the messenger, the database or the
catalog's types (``bot.intents`` adapts the catalog to :class:`ServiceText`).
"""

from __future__ import annotations

from nlp.decide import Blend, Signals
from nlp.matcher import Decision, IntentMatcher, MatchResult, ServiceText
from nlp.normalize import TextNormalizer

__all__ = [
    "Blend",
    "Decision",
    "IntentMatcher",
    "MatchResult",
    "ServiceText",
    "Signals",
    "TextNormalizer",
]
