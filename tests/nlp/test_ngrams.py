"""The character n-gram signal: shared grams rank the right document first."""

from __future__ import annotations

import pytest

from nlp.ngrams import CharNgramIndex, char_ngrams

DOCS = {
    "facility-relocation": ["جابجایی", "تیر", "پایه", "ترانس", "مسیر", "کابل"],
    "bill-dispute": ["اعتراض", "قبض", "زیاد", "صورتحساب"],
    "settlement": ["مفاصاحساب", "تسویه", "حساب"],
}

CASES = [
    (["پایه‌های"], "facility-relocation"),  # inflected form the lexicon lacks
    (["صورتحسابم"], "bill-dispute"),  # suffix glued on
    (["مفاصاحسابشو"], "settlement"),  # two suffixes, no exact term
    (["جابه‌جاییش", "ترانسه"], "facility-relocation"),  # spelling variants
]


@pytest.mark.parametrize(("words", "code"), CASES)
def test_best_document(words: list[str], code: str) -> None:
    scores = CharNgramIndex(DOCS).similarities(words)
    assert max(scores, key=scores.__getitem__) == code


def test_unrelated_words_score_nothing() -> None:
    assert CharNgramIndex(DOCS).similarities(["فوتبال"]) == {}  # no shared gram


def test_grams_mark_word_edges() -> None:
    grams = char_ngrams(["قبض"])
    assert " قب" in grams and "بض " in grams  # start and end of the word are grams
