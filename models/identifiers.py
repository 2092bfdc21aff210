"""Validators and normalisers for the identifiers citizens type into the bot.

Every ``normalize_*`` function takes what the user typed and returns the canonical Latin
digit string, or ``None`` when the text cannot be that identifier. They forgive what
people do on a phone (Persian or Arabic digits, spaces, dashes, the invisible direction
marks that come with text copied from an RTL app) and refuse what would send a request to
the wrong customer (a bad check digit). The ``is_*`` functions answer yes/no for the same
rules, and ``mask_*`` produce log-safe forms. All are pure: no I/O, no database, no
Persian text; the handlers choose the words.

Rules come from the national formats collected in ``shared/catalog/service-facts.md``:

* کد ملی (national code): 10 digits, 8–9 digit forms left-padded with zeros, mod-11
  check digit, all-same-digit codes refused (they pass the checksum).
* شناسه قبض (bill ID): 6–13 digits, mod-11 check digit with weights 2..7.
* شناسه پرداخت (payment ID): amount/1000 + year digit + period + two check digits, the
  second tying the payment to its bill ID.
* Mobile: Iranian mobile numbers in any of the usual prefixes, stored as ``09xxxxxxxxx``.
* کد پستی (postal code): 10 digits; the known digit rule is only a plausibility hint.
* کد رهگیری (tracking code): our own format, see ``new_tracking_code``.
"""

from __future__ import annotations

import re
import secrets

from models.digits import to_latin_digits

__all__ = [
    "ELECTRICITY_SERVICE_TYPE",
    "TRACKING_CODE_LENGTH",
    "bill_service_type",
    "is_plausible_postal_code",
    "is_valid_bill_id",
    "is_valid_mobile",
    "is_valid_national_code",
    "is_valid_payment_id",
    "is_valid_tracking_code",
    "looks_personal",
    "mask_bill_id",
    "mask_mobile",
    "mask_national_code",
    "new_tracking_code",
    "normalize_bill_id",
    "normalize_mobile",
    "normalize_national_code",
    "normalize_payment_id",
    "normalize_postal_code",
    "normalize_tracking_code",
    "payment_amount_rials",
]

# Whitespace (any Unicode space, incl. NBSP), ZWNJ/ZWJ, the bidi marks and embeddings
# that RTL apps put around numbers, and the dash family. Users group digits with these;
# none of them can be part of an identifier.
_SEPARATORS = re.compile(
    r"[\s\u200c\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069"
    r"\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]+"
)


def _digits(text: str) -> str | None:
    """Fold digits and drop separators; return the ASCII digit string or ``None``.

    ``str.isdigit`` alone would accept superscripts and other scripts' digits, which
    ``int()`` then rejects or misreads, hence the ``isascii`` test.
    """
    compact = to_latin_digits(_SEPARATORS.sub("", text))
    if compact.isascii() and compact.isdigit():
        return compact
    return None


def _mask_all_but_last(text: str, keep: int = 4) -> str:
    """Star out everything but the last ``keep`` characters (all of a short text)."""
    if len(text) <= keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[-keep:]


# --------------------------------------------------------------------------- کد ملی


def normalize_national_code(text: str) -> str | None:
    """Return the 10-digit national code in ``text``, or ``None`` if it is not one.

    8–9 digit inputs are left-padded with zeros: codes of some regions start with 00 and
    spreadsheets and some forms drop leading zeros. Codes made of one repeated digit
    (``1111111111``) satisfy the checksum but are never issued, and they are what people
    type to get past a form, so they are refused.
    """
    digits = _digits(text)
    if digits is None or not 8 <= len(digits) <= 10:
        return None
    code = digits.zfill(10)
    if len(set(code)) == 1:
        return None
    total = sum(int(code[i]) * (10 - i) for i in range(9))
    remainder = total % 11
    check = remainder if remainder < 2 else 11 - remainder
    return code if int(code[9]) == check else None


def is_valid_national_code(text: str) -> bool:
    """Tell whether ``text`` is a valid national code (see ``normalize_national_code``)."""
    return normalize_national_code(text) is not None


def mask_national_code(code: str) -> str:
    """Return ``code`` with all but its last four digits starred, for logs and echoes.

    ``"0076229645"`` → ``"******9645"``. Never raises: a log line must not fail, and
    text that is not a valid code is masked the same way rather than shown.
    """
    normalized = normalize_national_code(code)
    return _mask_all_but_last(normalized if normalized is not None else code.strip())


# --------------------------------------------------------------- شناسه قبض / پرداخت

ELECTRICITY_SERVICE_TYPE = 2
"""Service-type digit (second from the right of a bill ID) of electricity bills.

Other values in the national scheme are e.g. 1 water, 3 gas, 4 landline telephone.
"""


def _mod11_check(digits: str) -> int:
    """Check digit of the bill/payment scheme: weights 2..7 repeating from the right."""
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(digits)))
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def _id_digits(text: str) -> str | None:
    """Digits of a bill or payment ID: 6–13 of them once leading zeros are dropped.

    Leading zeros add nothing to the checksums (0 × weight), and bank apps and barcodes
    pad these IDs to 13 digits, so dropping them gives one ID one canonical form.
    """
    digits = _digits(text)
    if digits is None:
        return None
    digits = digits.lstrip("0")
    return digits if 6 <= len(digits) <= 13 else None


def normalize_bill_id(text: str) -> str | None:
    """Return the bill ID (شناسه قبض) in ``text`` without leading zeros, or ``None``.

    The service-type digit is deliberately *not* enforced: the check digit already
    catches typos, and the published valid examples (2050327604613, 7748317800142) carry
    service types 1 and 4, so a validator that required 2 would reject IDs the national
    scheme calls valid. What a wrong type means — the citizen copied a water or gas bill
    — is a different message ("this is not an electricity bill") that the handler gives
    using ``bill_service_type``, rather than a flat "invalid number".
    """
    digits = _id_digits(text)
    if digits is None or _mod11_check(digits[:-1]) != int(digits[-1]):
        return None
    return digits


def is_valid_bill_id(text: str) -> bool:
    """Tell whether ``text`` is a bill ID with a correct check digit."""
    return normalize_bill_id(text) is not None


def mask_bill_id(bill_id: str) -> str:
    """Return ``bill_id`` with all but its last four digits starred, for screens."""
    return _mask_all_but_last(bill_id.strip())


def bill_service_type(bill_id: str) -> int | None:
    """Return the service-type digit of a valid bill ID, ``None`` if it is not one.

    Compare with ``ELECTRICITY_SERVICE_TYPE`` to warn about a non-electricity bill.
    """
    normalized = normalize_bill_id(bill_id)
    return int(normalized[-2]) if normalized is not None else None


def normalize_payment_id(text: str) -> str | None:
    """Return the payment ID (شناسه پرداخت) in ``text``, or ``None``.

    Only the first check digit (over amount, year and period) is verified here; the
    second one needs the bill ID, see ``is_valid_payment_id``.
    """
    digits = _id_digits(text)
    if digits is None or _mod11_check(digits[:-2]) != int(digits[-2]):
        return None
    return digits


def is_valid_payment_id(bill_id: str, payment_id: str) -> bool:
    """Tell whether ``payment_id`` is a valid payment ID *for* ``bill_id``.

    Layout: amount/1000, year digit, two-digit period, check digit over those, and a
    second check digit over the bill ID followed by all the payment digits before it.
    The second digit is what catches a payment ID pasted next to the wrong bill ID.
    """
    bill = normalize_bill_id(bill_id)
    payment = normalize_payment_id(payment_id)
    if bill is None or payment is None:
        return False
    return _mod11_check(bill + payment[:-1]) == int(payment[-1])


def payment_amount_rials(payment_id: str) -> int | None:
    """Return the amount encoded in a payment ID, in rials, or ``None`` if invalid.

    The payment ID stores the amount in thousands of rials before the year digit, the
    two period digits and the two check digits; showing it lets a citizen confirm they
    are paying the bill they think they are.
    """
    payment = normalize_payment_id(payment_id)
    return int(payment[:-5]) * 1000 if payment is not None else None


# ------------------------------------------------------------------------- mobile

_MOBILE = re.compile(r"(?:\+98|0098|98|0)?9[0-9]{9}")


def normalize_mobile(text: str) -> str | None:
    """Return an Iranian mobile number as ``09xxxxxxxxx``, or ``None``.

    Accepted prefixes: ``+98``, ``0098``, ``98``, ``0`` or none, as people copy numbers
    from contacts in all of these forms. Parentheses are dropped with the separators.
    """
    compact = to_latin_digits(_SEPARATORS.sub("", text)).replace("(", "").replace(")", "")
    if not compact.isascii() or _MOBILE.fullmatch(compact) is None:
        return None
    return "0" + compact[-10:]


def is_valid_mobile(text: str) -> bool:
    """Tell whether ``text`` is an Iranian mobile number (see ``normalize_mobile``)."""
    return normalize_mobile(text) is not None


def mask_mobile(mobile: str) -> str:
    """Return ``"0912***6789"`` for ``"09123456789"``: operator prefix and last 4 kept.

    Never raises; text that is not a mobile number keeps only its last four characters.
    """
    normalized = normalize_mobile(mobile)
    if normalized is None:
        return _mask_all_but_last(mobile.strip())
    return normalized[:4] + "***" + normalized[-4:]


# -------------------------------------------------------------------- کد پستی


def normalize_postal_code(text: str) -> str | None:
    """Return the 10 digits of a postal code in ``text``, or ``None``.

    Only the length is checked: the digit rule is a plausibility hint, see
    ``is_plausible_postal_code``.
    """
    digits = _digits(text)
    return digits if digits is not None and len(digits) == 10 else None


def is_plausible_postal_code(text: str) -> bool:
    """Tell whether ``text`` looks like an Iranian postal code.

    Ten digits, and no 0 or 2 among the first five. The rule is folklore from public
    validators, not a published specification, so a ``False`` is a reason to ask the
    citizen to double-check, never to refuse the request.
    """
    code = normalize_postal_code(text)
    return code is not None and not set(code[:5]) & {"0", "2"}


# ------------------------------------------------------------------- کد رهگیری

TRACKING_CODE_LENGTH = 9
"""8 random digits (the first non-zero) + 1 Damm check digit."""

# Damm's totally anti-symmetric quasigroup of order 10 (Damm 2004, the table published
# with the algorithm). Its properties are what detect every single-digit error and every
# adjacent transposition; the tests check both exhaustively.
_DAMM_TABLE = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _damm_interim(digits: str) -> int:
    """Run the Damm quasigroup over ``digits``; 0 means a valid, check-digited string."""
    interim = 0
    for digit in digits:
        interim = _DAMM_TABLE[interim][int(digit)]
    return interim


def new_tracking_code() -> str:
    """Return a fresh random tracking code (کد رهگیری), e.g. ``"482915730"``.

    Why this shape:

    * 9 digits: short enough to read out on the phone or type on a phone keypad, digits
      only so Persian and Latin keyboards both work.
    * First digit 1–9: the code survives spreadsheets and ``int()`` without losing a
      leading zero.
    * Damm check digit (rather than Verhoeff: one table, no permutations): every single
      mistyped digit and every swap of two neighbouring digits is detected, so a typo
      gives "check the code" instead of someone else's request.
    * Randomness from ``secrets``, no sequence or date: one code says nothing about
      another. There are 9 × 10⁷ = 90,000,000 valid codes, so with 10,000 open requests a
      blind guess hits one with probability ≈ 1/9,000. That is why the tracking handler
      must rate-limit lookups and should show only status, not personal data, to a chat
      that did not file the request.

    * Never also a valid national code (as a 9-digit form) or bill ID: a code that reads
      as personal data would be hidden from the logs (``bot.logs`` hides those shapes)
      and could be taken for one by the matcher. About 18% of draws are redrawn, leaving
      some 74,000,000 codes.

    Uniqueness is not guaranteed here: the database column is unique and the caller
    draws again on a (rare) collision.
    """
    while True:
        body = str(10_000_000 + secrets.randbelow(90_000_000))
        # The table's diagonal is all zeros, so the check digit is the interim digit itself.
        code = body + str(_damm_interim(body))
        if not looks_personal(code):
            return code


def looks_personal(digits: str) -> bool:
    """Tell whether a digit string reads as a national code, a mobile number or a bill ID
    (any service type): what logs must never show, whatever else it may be."""
    return (
        normalize_mobile(digits) is not None
        or normalize_national_code(digits) is not None
        or normalize_bill_id(digits) is not None
    )


def normalize_tracking_code(text: str) -> str | None:
    """Return the tracking code in ``text`` (spaces, dashes, Persian digits allowed).

    ``None`` when the length, first digit or check digit is wrong.
    """
    digits = _digits(text)
    if digits is None or len(digits) != TRACKING_CODE_LENGTH or digits[0] == "0":
        return None
    return digits if _damm_interim(digits) == 0 else None


def is_valid_tracking_code(text: str) -> bool:
    """Tell whether ``text`` is a well-formed tracking code (it may still not exist)."""
    return normalize_tracking_code(text) is not None
