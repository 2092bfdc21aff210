"""One matcher per test session: building it parses the whole catalog."""

from __future__ import annotations

import pytest

from bot.intents import build_matcher
from models.catalog import load_catalog
from nlp import IntentMatcher, TextNormalizer


@pytest.fixture(scope="session")
def matcher() -> IntentMatcher:
    return build_matcher(load_catalog())


@pytest.fixture(scope="session")
def normalizer() -> TextNormalizer:
    return TextNormalizer(["برق", "کنتور", "قبض", "خاموشی", "سلام", "انشعاب"])
