"""The learned scorer: it separates intents from a few examples, and trains the same way
every time."""

from __future__ import annotations

import pytest

from nlp import IntentMatcher, ServiceText
from nlp.learned import NaiveBayes, features

TOY_EXAMPLES = {
    "meter-test": (
        "کنتورم تند میندازه",
        "فکر کنم کنتور خرابه زیاد میشماره",
        "کنتور رو تست کنید",
        "کنتورمون درست کار نمیکنه",
    ),
    "settlement": (
        "مفاصاحساب برای فروش خونه میخوام",
        "برگه تسویه حساب برق لازم دارم",
        "خونه رو فروختم مفاصا میخوام",
        "تسویه حساب برای بنگاه",
    ),
    "none": ("سلام", "ممنون", "هوا چطوره", "یه جوک بگو"),
}

# Wordings that share no full sentence with the examples: the model must generalise
# from words, inflections and character grams.
TOY_CASES = [
    ("کنتور ما خیلی تند میشماره", "meter-test"),  # words seen in two examples
    ("تسویه‌حساب برای فروش ملک", "settlement"),  # ZWNJ variant of a seen compound
    ("مفاصاحسابمو میخوام", "settlement"),  # suffix glued on: char grams still match
    ("سلام خوبی", "none"),  # greeting
]


def _toy_matcher(examples: dict[str, tuple[str, ...]] = TOY_EXAMPLES) -> IntentMatcher:
    """No lexicon words at all: whatever is recognised comes from the examples."""
    return IntentMatcher.from_catalog(
        [ServiceText(code, examples=texts) for code, texts in examples.items()]
    )


def _bag(text: str) -> dict[str, float]:
    return features(text.split(), lambda w: len(w) > 2, lambda w: None)


@pytest.fixture(scope="module")
def toy() -> IntentMatcher:
    """One toy matcher for the module: each build fits its SVM in a child process."""
    return _toy_matcher()


@pytest.mark.parametrize(("text", "code"), TOY_CASES)
def test_separates_toy_intents(toy: IntentMatcher, text: str, code: str) -> None:
    result = toy.match(text)
    assert result.best == code, (result.ranked[:3], result.normalized)


@pytest.mark.parametrize(("text", "code"), TOY_CASES[:2])
def test_probabilities_favour_the_right_class(text: str, code: str) -> None:
    model = NaiveBayes({c: [_bag(t) for t in texts] for c, texts in TOY_EXAMPLES.items()})
    probs = model.probabilities(_bag(text))
    assert max(probs, key=probs.__getitem__) == code
    assert sum(probs.values()) == pytest.approx(1.0)


def test_training_is_deterministic() -> None:
    """Same examples -> same ranking, whatever the order they arrive in."""
    reversed_examples = {c: tuple(reversed(t)) for c, t in reversed(TOY_EXAMPLES.items())}
    builds = _toy_matcher(), _toy_matcher(), _toy_matcher(reversed_examples)
    for text, _ in TOY_CASES:
        first, again, shuffled = (matcher.match(text).ranked for matcher in builds)
        assert first == again
        assert [c for c, _ in first] == [c for c, _ in shuffled]
        assert [s for _, s in first] == pytest.approx([s for _, s in shuffled])


def test_without_examples_the_model_is_empty() -> None:
    model = NaiveBayes({})
    assert not model
    assert model.probabilities(_bag("کنتور")) == {}


FEATURE_CASES = [
    ("قبض برق", "w:قبض"),  # the word itself
    ("قبض برق", "b:قبض_برق"),  # neighbouring words
    ("قبض برق", "c: قب"),  # a word-start character gram
    ("کد 1403125", "w:#######"),  # digit runs by length, not by value
]


@pytest.mark.parametrize(("text", "feature"), FEATURE_CASES)
def test_features(text: str, feature: str) -> None:
    assert feature in _bag(text)


def test_resolved_terms_are_features() -> None:
    """A typo or inflection the lexicon resolves adds its term: «تعویظ» -> «تعویض»."""
    feats = features(["تعویظ"], lambda w: True, lambda w: "تعویض")
    assert "t:تعویض" in feats
