"""Kinds of «not ours» (models/catalog/kinds.toml): pooled into none, the kind carried."""

from __future__ import annotations

import pytest

from bot.intents import build_matcher
from models.catalog import load_catalog
from nlp import IntentMatcher


@pytest.fixture(scope="module")
def shipped() -> IntentMatcher:
    return build_matcher(load_catalog())


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("سلام خسته نباشید", "greeting"),  # greeting only
        ("آبمون قطع شده از دیشب", "water"),  # the kind keyword, inflected, names it
        ("گازمون قطعه", "gas"),
        ("اینترنتم وصل نمیشه", "telecom"),
        ("بی شعورا", "abuse"),
    ],
)
def test_none_carries_its_kind(shipped: IntentMatcher, text: str, kind: str) -> None:
    result = shipped.match(text)
    assert (result.decision, result.kind) == ("none", kind), result.ranked[:3]


@pytest.mark.parametrize("text", ["کنتور", "قبض", "انشعاب"])
def test_lone_service_noun_stays_a_question(shipped: IntentMatcher, text: str) -> None:
    """Nine kinds of «not ours» share a few classes' prior: a noun of ours is not theirs."""
    assert shipped.match(text).decision == "ambiguous"


def test_bare_request_code_is_tracking(shipped: IntentMatcher) -> None:
    assert shipped.match("1402789456").decision == "track"


def test_every_kind_has_an_answer_and_examples() -> None:
    kinds = load_catalog().kinds
    assert {"greeting", "thanks", "water", "gas", "telecom", "abuse", "spam"} <= set(kinds)
    assert all(k.answer and len(k.examples) >= 20 for k in kinds.values())
    assert not kinds["abuse"].offer_staff and not kinds["spam"].offer_staff
    assert kinds["spam"].answer_once
    assert all(c.phone.isdigit() for k in kinds.values() for c in k.contacts)
