"""mask_digits: what query_log and the log redaction hide, in every script."""

from __future__ import annotations

import pytest

from models.digits import mask_digits


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("0076229645", "#"),  # Latin
        ("۰۰۷۶۲۲۹۶۴۵", "#"),  # Persian keyboard
        ("٠٩١٢", "#"),  # Arabic keyboard
        ("０９１２３４５６７８９", "#"),  # fullwidth, from some phone keyboards
        ("०९१२ ๐๙ ০৯", "# # #"),  # Devanagari, Thai, Bengali
        ("۰0٠０", "#"),  # one run in four scripts
        ("²³ ½", "²³ ½"),  # superscripts and fractions are not decimal digits
        ("کنتور سه فاز", "کنتور سه فاز"),
    ],
)
def test_mask_digits(text: str, masked: str) -> None:
    assert mask_digits(text) == masked
