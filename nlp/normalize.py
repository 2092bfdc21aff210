"""Text normalisation: one canonical spelling for what citizens type on their phones.

hazm's :class:`~hazm.Normalizer` does the standard work (Arabic ي/ك, presentation forms,
diacritics, quotes). It misses what matters most in chat messages, so this module adds:

* folding of ة ۀ أ إ ؤ ئ and of Persian/Arabic digits to ASCII (identifiers stay digits);
* emoji and punctuation removal, stretched letters (سلاااام -> سلام);
* the می/نمی prefix written with a space, a ZWNJ or glued (all become «می‌…»);
* colloquial forms to written ones (میخوام -> می‌خواهم, اومده -> آمده, خونمون -> خانه‌مان);
* Latin input: wrong keyboard layout and Finglish (see :mod:`nlp.latin`).

hazm's spacing, repeated-letter and «mi»-separation steps are switched off on purpose: they
load hazm's 1.5 s word lists, and we do those three steps ourselves, tuned for chat text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from nlp.hazm_slim import TRANSLATION_DST, TRANSLATION_SRC, Normalizer
from nlp.latin import LatinConverter

__all__ = ["ZWNJ", "TextNormalizer", "fold_digits"]

ZWNJ = "\u200c"

_CHAR_FOLD = str.maketrans(
    {
        "ة": "ه", "ۀ": "ه", "ہ": "ه", "ھ": "ه", "أ": "ا", "إ": "ا", "ٱ": "ا", "ؤ": "و",
        "ئ": "ی", "ي": "ی", "ى": "ی", "ك": "ک", "ـ": "", "\u200d": "", "\u200f": "",
        "\u200e": "", "\u00a0": " ", "ء": "",
    }
    | {chr(0x06F0 + d): str(d) for d in range(10)}
    | {chr(0x0660 + d): str(d) for d in range(10)}
)  # fmt: skip

_NOT_WORD = re.compile(r"[^\w\u200c]+")
_UNDERSCORE = re.compile(r"_+")
_STRETCH = re.compile(r"(\D)\1{2,}")
_DOUBLE_ALEF = re.compile(r"اا+")
_SPACES = re.compile(r"\s+")

# Suffixes people type as a separate word; glued back to the word before them.
_DETACHED_SUFFIXES = frozenset({"ها", "های", "هایی", "هایم", "هایش", "هامون", "تر", "ترین"})
_MI_PREFIXES = ("نمی", "می")
# Words that begin with می but are not verbs: they keep their spelling.
_NOT_MI_VERBS = frozenset(
    [
        "میز",
        "میزان",
        "میدان",
        "میدون",
        "میوه",
        "میل",
        "میلیون",
        "میلیارد",
        "میراث",
        "میان",
        "میانگین",
        "میانه",
        "میخ",
        "میکرو",
        "میهن",
        "میهمان",
        "میگو",
        "میش",
        "میکسر",
        "مینی",
        "میلگرد",
        "میله",
        "میمون",
        "مینا",
        "میزبان",
        "میکروویو",
        "میراب",
        "میترا",
        "میثم",
        "میلاد",
        "میعاد",
        "میکائیل",
        "میرزا",
        "میر",
        "میرا",
    ]
)
_POSSESSIVE = ("مون", "تون", "شون")
_POSSESSIVE_WRITTEN = {"مون": "مان", "تون": "تان", "شون": "شان"}
_NOT_POSSESSIVE = frozenset(["زیتون", "ستون", "میمون", "نشون", "کانون", "قانون", "صابون", "بیرون"])


class _HazmSteps:
    """hazm's Normalizer steps we use, with its character table built once.

    ``Normalizer.normalize`` rebuilds its 100-entry translation table on every call, a
    third of a millisecond per message; we build it once and call the remaining steps
    (Persian style, diacritics, unicode replacements, special characters) directly.
    """

    def __init__(self) -> None:
        self._hazm = Normalizer(
            correct_spacing=False,
            decrease_repeated_chars=False,
            seperate_mi=False,
            persian_numbers=False,
        )
        self._table = str.maketrans(dict(zip(TRANSLATION_SRC, TRANSLATION_DST, strict=False)))

    def normalize(self, text: str) -> str:
        """The same result as ``Normalizer.normalize`` in our configuration."""
        hazm = self._hazm
        text = text.translate(self._table)
        text = hazm.persian_style(text)
        text = hazm.remove_diacritics(text)
        text = hazm.unicodes_replacement(text)
        return hazm.remove_specials_chars(text)


@cache
def _hazm_normalizer() -> _HazmSteps:
    """One hazm step runner per process; the cheap configuration (see module docstring)."""
    return _HazmSteps()


def _data_lines(name: str) -> list[str]:
    text = resources.files(__package__).joinpath(f"data/{name}").read_text("utf-8")
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@cache
def _colloquial() -> tuple[dict[str, str], dict[str, str]]:
    """(whole-word map, verb-stem map used only after می/نمی), keys without ZWNJ."""
    words: dict[str, str] = {}
    stems: dict[str, str] = {}
    for line in _data_lines("colloquial.tsv"):
        key, value = line.split("\t")
        value = value.translate(_CHAR_FOLD)
        if key.startswith("-"):
            stems[key[1:]] = value
        else:
            words[key.replace(ZWNJ, "")] = value
    return words, stems


@cache
def stopwords() -> frozenset[str]:
    """Words with no service meaning (shipped in ``data/stopwords.txt``), without ZWNJ."""
    return frozenset(w.strip().replace(ZWNJ, "") for w in _data_lines("stopwords.txt"))


def fold_digits(text: str) -> str:
    """Persian and Arabic-Indic digits to ASCII, leaving everything else alone."""
    return text.translate(
        {0x06F0 + d: str(d) for d in range(10)} | {0x0660 + d: str(d) for d in range(10)}
    )


class TextNormalizer:
    """Normalise a citizen's message to one canonical written form.

    ``vocabulary`` (optional) is the set of words the caller cares about, without ZWNJ; it
    lets the Latin-layout detector tell a mistyped Persian word from Finglish. Build one
    instance and reuse it: the hazm normaliser and word lists are loaded once per process.
    """

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        self._hazm = _hazm_normalizer()
        self._words, self._stems = _colloquial()
        known = {w.replace(ZWNJ, "") for w in vocabulary}
        known |= set(self._words) | {v.replace(ZWNJ, "") for v in self._words.values()}
        known |= stopwords()
        self._known = frozenset(known)
        self._latin = LatinConverter(self._is_known)

    def _is_known(self, word: str) -> bool:
        word = word.translate(_CHAR_FOLD)
        if word in self._known:
            return True
        for suffix in ("م", "ش", "ت", "مون", "ها", "و", "ه"):
            if word.endswith(suffix) and word[: -len(suffix)] in self._known:
                return True
        return False

    def normalize(self, text: str) -> str:
        """Return ``text`` as space-separated canonical words (digits ASCII, no punctuation)."""
        tokens = self._latin.convert(text.split())
        text = self._hazm.normalize(" ".join(tokens)).translate(_CHAR_FOLD)
        text = _UNDERSCORE.sub(" ", _NOT_WORD.sub(" ", text))
        text = _DOUBLE_ALEF.sub("ا", _STRETCH.sub(r"\1", text))
        words = [w.strip(ZWNJ) for w in _SPACES.split(text) if w.strip(ZWNJ)]
        return " ".join(self._canonical(w) for w in self._glue(words))

    @staticmethod
    def _glue(words: list[str]) -> list[str]:
        """Re-attach a detached می/نمی prefix and detached plural suffixes with a ZWNJ."""
        out: list[str] = []
        pending = ""
        for word in words:
            if word in _MI_PREFIXES:
                pending = word
                continue
            if pending:
                word, pending = pending + ZWNJ + word, ""
            elif word in _DETACHED_SUFFIXES and out:
                out[-1] = out[-1] + ZWNJ + word
                continue
            out.append(word)
        if pending:
            out.append(pending)
        return out

    def _canonical(self, word: str) -> str:
        """The written form of one word: colloquial map, then the می prefix's ZWNJ."""
        bare = word.replace(ZWNJ, "")
        if bare in self._words:
            return self._words[bare]
        if bare.isdigit():
            return bare
        for prefix in _MI_PREFIXES:
            is_verb = bare.startswith(prefix) and bare not in _NOT_MI_VERBS
            if is_verb and len(bare) > len(prefix) + 1:
                rest = bare[len(prefix) :]
                rest = self._stems.get(rest) or self._words.get(rest) or rest
                return prefix + ZWNJ + rest
        for suffix in _POSSESSIVE:
            if bare.endswith(suffix) and len(bare) >= 5 and bare not in _NOT_POSSESSIVE:
                return word[: -len(suffix)] + _POSSESSIVE_WRITTEN[suffix]
        return word
