"""Folding between Persian, Arabic-Indic and Latin digits.

Citizens type identifiers on Persian keyboards (۰۱۲…), Arabic ones (٠١٢…, common on
phones set to Arabic or with Arabic keyboards in the south) or Latin ones, often mixed in
one number. Validators compare Latin digits, while texts shown to users use Persian
digits. Both directions live here so every module folds the same way.

Only the ten digits are touched; everything else, including other Unicode digits such as
superscripts, is left alone, so a validator that checks ``str.isascii()`` afterwards
still rejects them. :func:`mask_digits` is the exception: what it hides must be hidden
in every script.
"""

from __future__ import annotations

import re

__all__ = [
    "ARABIC_DIGITS",
    "PERSIAN_DIGITS",
    "mask_digits",
    "to_latin_digits",
    "to_persian_digits",
]

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
"""Extended Arabic-Indic digits U+06F0–U+06F9, the ones a Persian keyboard types."""

ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
"""Arabic-Indic digits U+0660–U+0669, typed by Arabic keyboards."""

_LATIN_DIGITS = "0123456789"

_DIGIT_RUN = re.compile(r"\d+")
"""A run of decimal digits of any script (``\\d`` on str is Unicode category Nd, the same
set as ``str.isdecimal``): fullwidth ０-９ and Devanagari ०-९ spell a national code too."""

_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_DIGITS, _LATIN_DIGITS * 2)
# Arabic-Indic digits are folded too: a text written for Persian readers should not
# show ٤ ٥ ٦, whose shapes differ from the Persian ۴ ۵ ۶.
_TO_PERSIAN = str.maketrans(_LATIN_DIGITS + ARABIC_DIGITS, PERSIAN_DIGITS * 2)


def to_latin_digits(text: str) -> str:
    """Return ``text`` with Persian ۰-۹ and Arabic ٠-٩ digits replaced by 0-9.

    >>> to_latin_digits("۰۹۱۲-٣٤٥")
    '0912-345'
    """
    return text.translate(_TO_LATIN)


def to_persian_digits(text: str) -> str:
    """Return ``text`` with 0-9 (and Arabic ٠-٩) replaced by Persian ۰-۹, for display.

    >>> to_persian_digits("14:30")
    '۱۴:۳۰'
    """
    return text.translate(_TO_PERSIAN)


def mask_digits(text: str, mask: str = "#") -> str:
    """Return ``text`` with every run of decimal digits, in any script, replaced by ``mask``.

    >>> mask_digits("کد ۰۰۷۶ و ０９１２ و 12")
    'کد # و # و #'
    """
    return _DIGIT_RUN.sub(mask, text)
