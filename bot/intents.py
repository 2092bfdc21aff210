"""Adapter from the service catalog (``models.catalog``) to the intent matcher (``nlp``).

This is the one place where the two meet, so ``nlp`` stays free of the catalog's types
and ``models`` free of matching concerns. The lexicon is the primary source: a service
whose identity card is not written yet is still recognised from its lexicon entry; when
the card exists, its title and description are added.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot import modelcache
from models.catalog import Catalog
from models.catalog.kinds import KIND_PREFIX
from nlp import IntentMatcher, ServiceText

__all__ = ["build_matcher", "service_texts"]


def service_texts(
    catalog: Catalog, taught: Mapping[str, Sequence[str]] | None = None
) -> list[ServiceText]:
    """One ServiceText per intent: every lexicon entry, plus cards (and example-only
    intents) that have no entry. Examples are attached to every intent that has them,
    ``track`` and ``none`` included: those have no card but need training data most.
    ``taught``: code -> messages staff tagged (``models.tagging``)."""
    taught = taught or {}
    cards = {card.code: card for card in catalog.services}
    codes = list(catalog.lexicon) + [code for code in cards if code not in catalog.lexicon]
    codes += [code for code in catalog.examples if code not in codes]
    texts: list[ServiceText] = []
    for code in codes:
        card = cards.get(code)
        lexicon = catalog.lexicon.get(code)
        texts.append(
            ServiceText(
                code=code,
                title=card.title if card else "",
                description=card.description if card else "",
                keywords=lexicon.keywords if lexicon else (),
                phrases=lexicon.phrases if lexicon else (),
                negative=lexicon.negative if lexicon else (),
                examples=catalog.examples.get(code, ()),
                taught=tuple(taught.get(code, ())),
            )
        )
    # kinds of «not ours» teach the learned scorer and name the kind; no lexicon entry
    texts += [
        ServiceText(code=KIND_PREFIX + kind.code, keywords=kind.keywords, examples=kind.examples)
        for kind in catalog.kinds.values()
    ]
    return texts


def build_matcher(
    catalog: Catalog, taught: Mapping[str, Sequence[str]] | None = None
) -> IntentMatcher:
    """Build the matcher for ``catalog`` (done once at start-up, well under a second:
    the learned scorers train here, from the catalog's examples; the SVM comes from the
    model cache when it holds the same one)."""
    return IntentMatcher.from_catalog(
        service_texts(catalog, taught), svm_store=modelcache.current()
    )
