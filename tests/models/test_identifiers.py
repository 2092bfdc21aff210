"""Identifier rules as a citizen meets them: what is accepted, fixed up, or refused."""

from __future__ import annotations

import pytest

from models.digits import to_latin_digits, to_persian_digits
from models.identifiers import (
    ELECTRICITY_SERVICE_TYPE,
    TRACKING_CODE_LENGTH,
    bill_service_type,
    is_plausible_postal_code,
    is_valid_bill_id,
    is_valid_mobile,
    is_valid_national_code,
    is_valid_payment_id,
    is_valid_tracking_code,
    mask_mobile,
    mask_national_code,
    new_tracking_code,
    normalize_bill_id,
    normalize_mobile,
    normalize_national_code,
    normalize_payment_id,
    normalize_postal_code,
    normalize_tracking_code,
    payment_amount_rials,
)

# ------------------------------------------------------------------------ digits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),  # Persian keyboard
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),  # Arabic keyboard
        ("۰۹۱۲-٣٤٥ 67", "0912-345 67"),  # mixed in one number, separators kept
        ("کد ۱۲", "کد 12"),  # letters untouched
        ("²³", "²³"),  # superscripts are not folded (validators then refuse them)
        ("", ""),  # empty stays empty
    ],
)
def test_to_latin_digits(text: str, expected: str) -> None:
    assert to_latin_digits(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0123456789", "۰۱۲۳۴۵۶۷۸۹"),  # Latin to Persian
        ("14:30", "۱۴:۳۰"),  # clock as shown in messages
        ("٤٥٦", "۴۵۶"),  # Arabic shapes replaced by Persian ones
        ("ساعت ۱", "ساعت ۱"),  # already Persian: unchanged
    ],
)
def test_to_persian_digits(text: str, expected: str) -> None:
    assert to_persian_digits(text) == expected


# ----------------------------------------------------------------------- کد ملی


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0076229645", "0076229645"),  # published valid example
        ("1583250689", "1583250689"),  # second published example
        ("۰۰۷۶۲۲۹۶۴۵", "0076229645"),  # typed on a Persian keyboard
        ("٠٠٧٦٢٢٩٦٤٥", "0076229645"),  # typed on an Arabic keyboard
        ("007-622964-5", "0076229645"),  # dashes as printed on the card
        (" 158 325 0689 ", "1583250689"),  # spaces around and inside
        ("\u200f1583250689\u200f", "1583250689"),  # RLM marks from a copied RTL message
        ("76229645", "0076229645"),  # leading zeros dropped by a spreadsheet (8 digits)
        ("076229645", "0076229645"),  # one leading zero dropped (9 digits)
        ("0076229646", None),  # last digit mistyped: checksum fails
        ("0076229654", None),  # last two digits swapped
        ("1111111111", None),  # all-same digits pass the checksum but are refused
        ("0000000000", None),  # all zeros
        ("7622964", None),  # 7 digits: too short even with padding
        ("00762296451", None),  # 11 digits
        ("00762a9645", None),  # a letter inside
        ("", None),  # nothing typed
    ],
)
def test_normalize_national_code(text: str, expected: str | None) -> None:
    assert normalize_national_code(text) == expected
    assert is_valid_national_code(text) is (expected is not None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0076229645", "******9645"),  # only the last four digits are shown
        ("۰۰۷۶۲۲۹۶۴۵", "******9645"),  # Persian input is masked in Latin digits
        ("1234", "****"),  # too short to keep anything: all starred
        ("not-a-code-5678", "***********5678"),  # invalid text is masked, never echoed
    ],
)
def test_mask_national_code(text: str, expected: str) -> None:
    assert mask_national_code(text) == expected


# ------------------------------------------------------------------ شناسه قبض


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2050327604613", "2050327604613"),  # published valid example (service type 1)
        ("7748317800142", "7748317800142"),  # published valid example (service type 4)
        ("1234567825", "1234567825"),  # an electricity bill ID (service type 2)
        ("۷۷۴۸۳۱۷۸۰۰۱۴۲", "7748317800142"),  # Persian digits
        ("7748 3178 00142", "7748317800142"),  # grouped with spaces as on the bill
        ("0002050327604613", "2050327604613"),  # zero-padded by a bank app
        ("2050327604614", None),  # check digit mistyped
        ("2050327606413", None),  # two digits swapped inside
        ("12345", None),  # 5 digits: too short
        ("12345678901234", None),  # 14 digits: too long
        ("00000000", None),  # only zeros
        ("2050327604ab3", None),  # letters
    ],
)
def test_normalize_bill_id(text: str, expected: str | None) -> None:
    assert normalize_bill_id(text) == expected
    assert is_valid_bill_id(text) is (expected is not None)


@pytest.mark.parametrize(
    ("bill_id", "service_type", "is_electricity"),
    [
        ("1234567825", 2, True),  # electricity bill: no warning
        ("2050327604613", 1, False),  # valid, but service type 1: warn "not electricity"
        ("7748317800142", 4, False),  # valid, service type 4
        ("2050327604614", None, False),  # invalid bill ID has no service type
    ],
)
def test_bill_service_type(bill_id: str, service_type: int | None, is_electricity: bool) -> None:
    assert bill_service_type(bill_id) == service_type
    assert (bill_service_type(bill_id) == ELECTRICITY_SERVICE_TYPE) is is_electricity


# --------------------------------------------------------------- شناسه پرداخت


@pytest.mark.parametrize(
    ("bill_id", "payment_id", "valid"),
    [
        ("2050327604613", "1070189", True),  # published valid pair
        ("7748317800142", "1770160", True),  # published valid pair
        ("۷۷۴۸۳۱۷۸۰۰۱۴۲", "۱۷۷۰۱۶۰", True),  # same pair in Persian digits
        ("2050327604613", "0001070189", True),  # zero-padded payment ID
        ("9174639504124", "12908197", False),  # published invalid: second check fails
        ("7748317800142", "1070189", False),  # valid payment ID, but for another bill
        ("2050327604613", "1070198", False),  # check digits swapped
        ("2050327604613", "1170189", False),  # amount mistyped: first check fails
        ("2050327604614", "1070189", False),  # the bill ID itself is invalid
        ("2050327604613", "12345", False),  # payment ID too short
    ],
)
def test_is_valid_payment_id(bill_id: str, payment_id: str, valid: bool) -> None:
    assert is_valid_payment_id(bill_id, payment_id) is valid


@pytest.mark.parametrize(
    ("payment_id", "normalized", "amount"),
    [
        ("1070189", "1070189", 10_000),  # 10 thousand rials, year 7, period 01
        ("1770160", "1770160", 17_000),  # 17 thousand rials
        ("12908197", "12908197", 129_000),  # first check digit right (bill pairing aside)
        ("1170189", None, None),  # first check digit wrong
    ],
)
def test_payment_id_amount(payment_id: str, normalized: str | None, amount: int | None) -> None:
    assert normalize_payment_id(payment_id) == normalized
    assert payment_amount_rials(payment_id) == amount


# ------------------------------------------------------------------------ mobile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09123456789", "09123456789"),  # usual form
        ("9123456789", "09123456789"),  # leading zero left out
        ("+989123456789", "09123456789"),  # international form from contacts
        ("00989123456789", "09123456789"),  # international with 00
        ("989123456789", "09123456789"),  # 98 without plus
        ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "09123456789"),  # Persian digits, grouped
        ("+98 (912) 345-6789", "09123456789"),  # parentheses and dash
        ("٠٩١٢٣٤٥٦٧٨٩", "09123456789"),  # Arabic digits
        ("08123456789", None),  # landline-like prefix
        ("0912345678", None),  # one digit short
        ("091234567890", None),  # one digit too many
        ("+19123456789", None),  # foreign country code
        ("0912345678x", None),  # letter
        ("", None),  # nothing typed
    ],
)
def test_normalize_mobile(text: str, expected: str | None) -> None:
    assert normalize_mobile(text) == expected
    assert is_valid_mobile(text) is (expected is not None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09123456789", "0912***6789"),  # operator prefix and last four kept
        ("+98 912 345 6789", "0912***6789"),  # any accepted form masks the same
        ("12345678", "****5678"),  # not a mobile: only the last four shown
    ],
)
def test_mask_mobile(text: str, expected: str) -> None:
    assert mask_mobile(text) == expected


# ---------------------------------------------------------------------- کد پستی


@pytest.mark.parametrize(
    ("text", "normalized", "plausible"),
    [
        ("1345678901", "1345678901", True),  # no 0 or 2 in the first five
        ("۱۳۴۵۶-۷۸۹۰۱", "1345678901", True),  # Persian digits with the usual dash
        ("1234567890", "1234567890", False),  # a 2 in the first five: warn only
        ("1304567890", "1304567890", False),  # a 0 in the first five: warn only
        ("134567890", None, False),  # 9 digits
        ("13456789012", None, False),  # 11 digits
    ],
)
def test_postal_code(text: str, normalized: str | None, plausible: bool) -> None:
    assert normalize_postal_code(text) == normalized
    assert is_plausible_postal_code(text) is plausible


# -------------------------------------------------------------------- کد رهگیری


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("482915738", "482915738"),  # valid code
        ("۴۸۲۹۱۵۷۳۸", "482915738"),  # read back in Persian digits
        ("482-915-738", "482915738"),  # grouped as it may be printed
        ("482 915 738", "482915738"),  # grouped with spaces
        ("123456786", "123456786"),  # another valid code
        ("482915739", None),  # check digit mistyped
        ("482915783", None),  # last two digits swapped
        ("842915738", None),  # first two digits swapped
        ("48291573", None),  # a digit left out
        ("4829157380", None),  # a digit too many
        ("082915738", None),  # a leading zero is never issued
        ("", None),  # nothing typed
    ],
)
def test_normalize_tracking_code(text: str, expected: str | None) -> None:
    assert normalize_tracking_code(text) == expected
    assert is_valid_tracking_code(text) is (expected is not None)


@pytest.mark.parametrize("attempt", range(20))
def test_new_tracking_code_is_valid_and_typable(attempt: int) -> None:
    code = new_tracking_code()
    assert len(code) == TRACKING_CODE_LENGTH  # short enough to type
    assert code.isascii() and code.isdigit()  # digits only
    assert code[0] != "0"  # no leading zero to lose
    assert is_valid_tracking_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "482915738",  # fixed example
        "123456786",  # ascending digits
        "100000006",  # many zeros
        # drawn by new_tracking_code() once, fixed so that every run (and every xdist
        # worker) collects the same tests
        *("204989645", "757626103", "302392898", "435291559", "219701794"),
    ],
)
def test_every_single_typo_in_a_tracking_code_is_detected(code: str) -> None:
    for position in range(len(code)):
        for digit in "0123456789":
            if digit != code[position]:
                typo = code[:position] + digit + code[position + 1 :]
                assert not is_valid_tracking_code(typo), typo


@pytest.mark.parametrize(
    "code",
    [
        "482915738",  # fixed example
        "123456786",  # ascending digits
        "100000006",  # equal neighbours (swapping them changes nothing)
        # drawn by new_tracking_code() once, fixed so that every run (and every xdist
        # worker) collects the same tests
        *("204989645", "757626103", "302392898", "435291559", "219701794"),
    ],
)
def test_every_swap_of_neighbouring_digits_is_detected(code: str) -> None:
    for position in range(len(code) - 1):
        a, b = code[position], code[position + 1]
        if a != b:
            swapped = code[:position] + b + a + code[position + 2 :]
            assert not is_valid_tracking_code(swapped), swapped


def test_check_digit_table_guarantees_detection_for_every_code() -> None:
    """Sampled codes above show the behaviour; this proves it for all codes at once.

    Damm's guarantees follow from properties of its table: rows are permutations (a
    changed digit always changes the state), columns are permutations (a wrong state
    never rejoins the right one), and it is weakly totally anti-symmetric ("ab" and "ba"
    lead to different states).
    """
    from models.identifiers import _DAMM_TABLE as table

    for state in range(10):
        assert sorted(table[state]) == list(range(10))  # row: a typo changes the state
        for a in range(10):
            for b in range(10):
                if a != b:  # neighbours swapped: the states after "ab" and "ba" differ
                    assert table[table[state][a]][b] != table[table[state][b]][a]
    for a in range(10):
        assert sorted(table[s][a] for s in range(10)) == list(range(10))  # column: no rejoining
