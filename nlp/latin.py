"""Latin-script input: Persian typed on the wrong keyboard layout, and Finglish.

Two different accidents give Latin letters in a Persian message:

* the phone's keyboard was left on English, so «برق» arrives as ``fvr`` — every key maps
  back to one Persian letter (ISIRI 9147 layout, which Android and iOS both use);
* the writer spells Persian with Latin letters on purpose (Finglish: ``bargh ghate``).

A message-level vote decides which one it is: the reading whose words are known wins, so a
Finglish ``salam`` is not turned into layout gibberish and vice versa.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources

__all__ = ["LatinConverter", "finglish_key", "layout_to_persian"]

# QWERTY key -> the Persian letter on the same key of the standard Persian layout.
_LAYOUT = str.maketrans(
    {
        "q": "ض", "w": "ص", "e": "ث", "r": "ق", "t": "ف", "y": "غ", "u": "ع", "i": "ه",
        "o": "خ", "p": "ح", "[": "ج", "]": "چ", "a": "ش", "s": "س", "d": "ی", "f": "ب",
        "g": "ل", "h": "ا", "j": "ت", "k": "ن", "l": "م", ";": "ک", "'": "گ", "z": "ظ",
        "x": "ط", "c": "ز", "v": "ر", "b": "ذ", "n": "د", "m": "پ", ",": "و", "`": "پ",
        "\\": "پ", "H": "آ", "C": "ژ",
    }
)  # fmt: skip

_LATIN_WORD = re.compile(r"^[A-Za-z;'\[\],`\\]*[A-Za-z][A-Za-z;'\[\],`\\]*$")
_FINGLISH_RULES = (
    (re.compile(r"['`’]"), ""),
    (re.compile(r"q"), "gh"),
    (re.compile(r"x"), "kh"),
    (re.compile(r"w"), "v"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ou|oo|uu"), "u"),
    (re.compile(r"ee|ii"), "i"),
    (re.compile(r"([a-z])\1+"), r"\1"),
    (re.compile(r"(?<=[aeiou])h$"), ""),
)


def layout_to_persian(word: str) -> str:
    """Read ``word`` as keys pressed on the Persian layout (``fvr`` -> ``برق``)."""
    return "".join(
        ch.translate(_LAYOUT) if ch in "HC" else ch.lower().translate(_LAYOUT) for ch in word
    )


def finglish_key(word: str) -> str:
    """A loose spelling key so ``ghate``, ``qate`` and ``ghateh`` meet in one entry."""
    key = word.lower()
    for pattern, repl in _FINGLISH_RULES:
        key = pattern.sub(repl, key)
    return key


@cache
def _finglish_table() -> dict[str, str]:
    table: dict[str, str] = {}
    text = resources.files(__package__).joinpath("data/finglish.tsv").read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        persian, spellings = line.split("\t", 1)
        for spelling in spellings.split():
            table.setdefault(finglish_key(spelling.rstrip("?")), persian)
    return table


class LatinConverter:
    """Turns the Latin words of a message into Persian, by layout or by Finglish spelling.

    ``is_known`` tells whether a Persian word is a real word for us (the normaliser passes
    the matcher's vocabulary); it decides whether a layout reading makes sense.
    """

    def __init__(self, is_known: Callable[[str], bool]) -> None:
        self._is_known = is_known
        self._finglish = _finglish_table()

    def _finglish_word(self, word: str) -> str | None:
        """Look a Finglish word up as written, then without an ezafe («vasle mojadad»)."""
        key = finglish_key(word)
        for candidate in (key, key.removesuffix("ye"), key.removesuffix("e")):
            if candidate in self._finglish:
                return self._finglish[candidate]
        return None

    def convert(self, tokens: Iterable[str]) -> list[str]:
        """Return the tokens with Latin words replaced; Persian tokens pass unchanged."""
        words = list(tokens)
        latin = [i for i, w in enumerate(words) if _LATIN_WORD.match(w.strip(".!?,"))]
        if not latin:
            return words
        as_finglish = {i: self._finglish_word(words[i].strip(".!?,")) for i in latin}
        as_layout = {i: layout_to_persian(words[i].rstrip(".!?")) for i in latin}
        finglish_votes = sum(1 for i in latin if as_finglish[i])
        layout_votes = sum(1 for i in latin if self._is_known(as_layout[i]))
        use_layout = layout_votes > finglish_votes
        for i in latin:
            if use_layout:
                words[i] = as_layout[i]
            elif as_finglish[i]:
                words[i] = as_finglish[i]
            elif len(words[i]) > 1:
                words[i] = words[i].lower()
        return words
