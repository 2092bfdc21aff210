"""What a query leaves in ``query_log``: the words, without digits or the asker's names."""

from __future__ import annotations

import pytest

from models.querylog import scrub


@pytest.mark.parametrize(
    ("normalized", "names", "expected"),
    [
        # the asker introduces themselves: their profile names go
        ("سلام من مریم هستم کنتور خراب", ["مریم"], "سلام من … هستم کنتور خراب"),
        # first and last name, the last with a ZWNJ written or not
        ("مریم کرمانی‌نژاد انشعاب", ["مریم", "کرمانی‌نژاد"], "… … انشعاب"),
        ("مریم کرمانینژاد انشعاب", ["کرمانی‌نژاد"], "مریم … انشعاب"),
        # digit runs (a national code, a mobile) are masked as before
        ("کد ملی 0076229645 موبایل 09131234567", [], "کد ملی # موبایل #"),
        # a one-letter "name" would blank ordinary words: ignored
        ("و قبض", ["و"], "و قبض"),
        # a word merely containing the name stays
        ("مریمی", ["مریم"], "مریمی"),
    ],
)
def test_scrub(normalized: str, names: list[str], expected: str) -> None:
    assert scrub(normalized, names) == expected
