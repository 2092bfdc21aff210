"""Which number in a message is a request's tracking code: one rule for the whole bot.

The matcher weighs a quoted code heavily for ``track`` and carries it in its
:class:`~nlp.decide.MatchResult`; the tracking handler looks up exactly that code. The
numbers citizens type are many, so a digit run is a tracking code only if nothing says
it is something else:

* a run of :data:`~models.identifiers.TRACKING_CODE_LENGTH` digits with a valid check
  digit is one, unless the words before it name another identifier (a bill ID can pass
  our check digit by chance; «قبضم …» says which it is);
* otherwise a run of 6 or more digits is one (our earlier codes and mistyped ones, which
  the tracking handler answers with "check the code"), unless it is a mobile number, an
  electricity bill ID (valid check digit and service type), named as another identifier
  (national code, postal code, bill, phone…), or an amount (followed by «تومان» …).

The identifier formats come from :mod:`models.identifiers`: pure functions over digits,
no database, so this module stays plain Python like the rest of :mod:`nlp`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from models.identifiers import (
    ELECTRICITY_SERVICE_TYPE,
    bill_service_type,
    is_valid_tracking_code,
    normalize_mobile,
)

__all__ = ["tracking_code"]

_DIGITS = re.compile(r"\d{6,}")
_ID_CONTEXT = frozenset(
    {"شناسه", "ملی", "پستی", "موبایل", "همراه", "تلفن", "تماس", "قبض", "اشتراک", "کدملی"}
)
"""Words (by prefix: «قبضم», «موبایلم») that name the number after them as another identifier."""
_MONEY = frozenset({"تومان", "ریال", "هزار", "میلیون", "تومن"})


def _named_otherwise(words: Sequence[str], i: int) -> bool:
    before = words[max(0, i - 3) : i]
    after = set(words[i + 1 : i + 3])
    return any(w.startswith(c) for w in before for c in _ID_CONTEXT) or bool(after & _MONEY)


def _other_identifier(digits: str) -> bool:
    return (
        normalize_mobile(digits) is not None
        or bill_service_type(digits) == ELECTRICITY_SERVICE_TYPE
    )


def tracking_code(words: Sequence[str]) -> str | None:
    """The tracking code quoted in a message's normalised words (Latin digits), or None."""
    for i, word in enumerate(words):
        if not _DIGITS.fullmatch(word) or _named_otherwise(words, i):
            continue
        if is_valid_tracking_code(word) or not _other_identifier(word):
            return word
    return None
