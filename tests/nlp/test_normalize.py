"""The normaliser: each kind of noise citizens type, one row each."""

from __future__ import annotations

import pytest

from nlp import TextNormalizer

CASES = [
    ("كنتور تند ميندازه", "کنتور تند می‌اندازد"),  # Arabic ك/ي and a colloquial verb
    ("ة ۀ أ إ ؤ ئ", "ه ه ا ا و ی"),  # letters hazm does not fold
    ("سلاااام", "سلام"),  # stretched letters
    ("خیلییییی", "خیلی"),  # stretched final letter
    ("برق نداریم!!! 😡😡", "برق نداریم"),  # emoji and punctuation
    ("«قبض»، ؟", "قبض"),  # Persian quotes and punctuation
    ("۱۲۳۴۵۶ ١٢٣ 789", "123456 123 789"),  # Persian, Arabic and Latin digits -> ASCII
    ("میخوام", "می‌خواهم"),  # ZWNJ left out
    ("می خوام", "می‌خواهم"),  # ZWNJ written as a space
    ("می‌خوام", "می‌خواهم"),  # ZWNJ written properly
    ("نمیشه", "نمی‌شود"),  # negative prefix, colloquial stem
    ("قبضم زیاد اومده", "قبضم زیاد آمده"),  # colloquial participle
    ("خونمون", "خانه‌مان"),  # colloquial noun + possessive
    ("کنتورمون", "کنتورمان"),  # colloquial possessive
    ("خونه ها", "خانه‌ها"),  # plural suffix written apart
    ("میز میلیون", "میز میلیون"),  # words that only look like می-verbs stay
    ("fvr", "برق"),  # wrong keyboard layout (Persian typed on QWERTY)
    (";kj,v", "کنتور"),  # layout with ; and , keys (ک and و)
    ("salam bargh khoonamoon ghate", "سلام برق خانه‌مان قطع"),  # Finglish
    ("ghabzam ziad oomade", "قبضم زیاد آمده"),  # Finglish with vowel variants
    ("vasle mojadad", "وصل مجدد"),  # Finglish with an ezafe
    ("میاد", "می‌آید"),  # «می» + colloquial «اد» (آید)
    ("نمیذاره", "نمی‌گذارد"),  # colloquial گذار stem after نمی
    ("درستش کنه", "درستش کند"),  # bare colloquial «کنه»
    ("kar nemikone", "کار نمی‌کند"),  # Finglish negative verb
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalize(normalizer: TextNormalizer, raw: str, expected: str) -> None:
    assert normalizer.normalize(raw) == expected


def test_zwnj_variants_meet(normalizer: TextNormalizer) -> None:
    forms = {normalizer.normalize(t) for t in ("می خوام", "میخوام", "می‌خوام", "مي خوام")}
    assert len(forms) == 1
