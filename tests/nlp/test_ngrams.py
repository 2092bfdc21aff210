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


def _naive(index: CharNgramIndex, docs: dict[str, list[str]], words: list[str]) -> dict[str, float]:
    """The cosine by definition: message grams as a set, weighted by idf."""
    import math

    doc_grams = {c: char_ngrams(ws) for c, ws in docs.items()}
    idf = index._idf
    query = {g: idf[g] for g in char_ngrams(words) if g in idf}
    qn = math.sqrt(sum(w * w for w in query.values()))
    out = {}
    for code, grams in doc_grams.items():
        dw = {g: (1 + math.log(tf)) * idf[g] for g, tf in grams.items()}
        dn = math.sqrt(sum(w * w for w in dw.values()))
        dot = sum(w * dw.get(g, 0.0) for g, w in query.items())
        if dot:
            out[code] = dot / (qn * dn)
    return out


EXACT_CASES = [
    ["قبض", "قبضم"],  # two words sharing grams: each gram counts once
    ["تیر", "تیر", "پایه"],  # the same word twice
    ["مفاصاحساب", "حساب", "فوتبال"],  # a compound, its part, an unknown word
]


@pytest.mark.parametrize("words", EXACT_CASES)
def test_cached_similarity_is_exact(words: list[str]) -> None:
    index = CharNgramIndex(DOCS)
    got, want = index.similarities(words), _naive(index, DOCS, words)
    assert got.keys() == want.keys()
    assert all(abs(got[c] - want[c]) < 1e-9 for c in want)
