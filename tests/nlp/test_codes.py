"""Which number in a message is a tracking code: one rule (nlp.codes) for matcher and handler."""

from __future__ import annotations

import pytest

from models.identifiers import bill_service_type, is_valid_tracking_code
from nlp import IntentMatcher
from nlp.codes import tracking_code

CODE = "626578183"  # a tracking code: 9 digits, Damm check digit valid
BILL_ID = "7748317800126"  # an electricity bill ID: mod-11 check digit, service type 2
SHORT_BILL_ID = "1234567825"  # an electricity bill ID of 10 digits
MOBILE = "09123456789"


def test_the_examples_are_what_they_claim() -> None:
    assert is_valid_tracking_code(CODE)
    assert bill_service_type(BILL_ID) == bill_service_type(SHORT_BILL_ID) == 2


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ([CODE], CODE),  # a bare tracking code
        (["پیگیری", "درخواست", CODE], CODE),  # quoted in a sentence
        (["کد", "رهگیری", "140312", "چی", "شد"], "140312"),  # an older, shorter code
        (["قبضم", CODE], None),  # named as a bill: a bill ID can pass our check by chance
        ([MOBILE], None),  # a mobile number
        (["9123456789"], None),  # a mobile number without its leading zero
        ([BILL_ID], None),  # an electricity bill ID, bare
        ([SHORT_BILL_ID], None),  # …of any length the bill scheme allows
        (["شناسه", "قبض", "1402789457"], None),  # named as a bill
        (["کد", "ملی", "0076229645"], None),  # named as a national code
        (["250000", "تومان"], None),  # an amount
        (["12345"], None),  # too short for any code
        ([MOBILE, CODE], CODE),  # the code, not the mobile, in a message with both
        ([BILL_ID, "و", CODE], CODE),  # the code, not the bill ID
    ],
)
def test_tracking_code(words: list[str], expected: str | None) -> None:
    assert tracking_code(words) == expected


@pytest.mark.parametrize(
    "text",
    [
        f"شماره موبایلم {MOBILE} هست",
        "موبایل من ۰۹۱۲۳۴۵۶۷۸۹ است",
        BILL_ID,
        f"شناسه قبضم {BILL_ID}",
    ],
)
def test_mobile_and_bill_id_are_not_tracking_codes(matcher: IntentMatcher, text: str) -> None:
    assert matcher.match(text).tracking_code is None
    assert matcher.tracking_code(text) is None


@pytest.mark.parametrize(
    "text",
    [CODE, "۶۲۶۵۷۸۱۸۳", f"کد رهگیری من {CODE} هست", f"درخواستم {CODE} به کجا رسید؟"],
)
def test_real_tracking_code_is_carried_in_the_result(matcher: IntentMatcher, text: str) -> None:
    result = matcher.match(text)
    assert result.decision == "track"
    assert result.tracking_code == CODE
    assert matcher.tracking_code(text) == CODE
