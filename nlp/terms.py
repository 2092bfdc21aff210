"""From normalised words to index terms: suffix stripping and typo tolerance.

A query word is looked up in the index vocabulary as it is; failing that, as the stems
we get by peeling colloquial and written suffixes (کنتورمون -> کنتور, قطعه -> قطع,
برقشو -> برق) and verb prefixes; failing that, by spelling: letters Iranians confuse
(ض ظ ذ ز, ص ث س, ط ت, ح ه, غ ق, ع ا) are folded and one edit is allowed (a SymSpell-style
delete index, so a lookup is a handful of dict probes, not a scan).

Peeling is *vocabulary-guided*: a stem counts only if the vocabulary has it, which is
what keeps «سیم» from becoming «سی» and «خانه» from becoming «خان».
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["TermResolver", "letter_key", "stems"]

# Longest first. Written and colloquial possessives, plurals, object marker, copula.
_SUFFIXES = (
    "هایمان", "هامون", "هاتون", "هاشون", "هایم", "هایت", "هایش", "هایی", "های", "ها",
    "مان", "تان", "شان", "مون", "تون", "شون", "یم", "ام", "ات", "اش", "ای", "رو",
    "م", "ت", "ش", "و", "ه", "ا", "ی", "ست", "یه",
)  # fmt: skip
_PREFIXES = ("نمی", "می", "ب", "ن")
# Words that merely end like a suffix: never peeled (ساختمان is not ساخت + مان).
_WHOLE_WORDS = frozenset(
    [
        "ساختمان",
        "سازمان",
        "زمان",
        "درمان",
        "مهمان",
        "آسمان",
        "پیمان",
        "فرمان",
        "گمان",
        "ایمان",
        "استان",
        "تابستان",
        "زمستان",
        "داستان",
        "نشان",
        "نشانی",
        "گذشته",
        "آینده",
        "خانواده",
        "پرونده",
        "سیم",
        "تیم",
    ]
)
_CONFUSABLE = str.maketrans("ضظذصثطحغعآ", "زززسستهقاا")
# Index-side stemming never peels a lone «ی»: «خاموشی» (outage) and «خاموش» (off) differ.
# «ای» is peeled (colloquial plural: خاموشیای، لامپای، پیامکای) but only down to a stem of
# at least _MIN_AI_STEM letters, so «برای»/«صدای» are not cut to nothing.
_INDEX_SUFFIXES = tuple(s for s in _SUFFIXES if s not in {"ی", "یه"})
_MIN_AI_STEM = 4
_MIN_STEM = 2
_FUZZY_MIN = 4
_MEMO_SIZE = 50_000


def letter_key(word: str) -> str:
    """Fold letters that sound alike, so تعویظ and تعویض share a key."""
    return word.translate(_CONFUSABLE)


def _deletes(word: str) -> list[str]:
    """``word`` with one letter left out, in the order of the letter's position.

    A list, not a set: the typo search takes the first delete that meets a term, and a
    set's order changes with each process's string hashing, so two workers corrected the
    same word to different terms («ارزان» → «آزمان» in one, «باران» in the other).
    """
    return list(dict.fromkeys(word[:i] + word[i + 1 :] for i in range(len(word))))


def _peel(word: str, depth: int = 2, suffixes: tuple[str, ...] = _SUFFIXES) -> list[str]:
    """Stems of ``word`` by removing up to ``depth`` suffixes, longest stems first."""
    out: list[str] = []
    frontier = [word]
    for _ in range(depth):
        nxt: list[str] = []
        for w in frontier:
            for suffix in suffixes:
                if w.endswith(suffix) and len(w) - len(suffix) >= _MIN_STEM:
                    nxt.append(w[: -len(suffix)])
        out.extend(nxt)
        frontier = nxt
    return sorted(dict.fromkeys(out), key=len, reverse=True)


def stems(word: str) -> list[str]:
    """Every stem of ``word`` by peeling up to two suffixes, with no vocabulary check.

    For short closed word lists only (the matcher's foreign nouns): unguided peeling
    turns many words into other words.
    """
    return _peel(word, depth=2)


def _participle(word: str) -> str:
    """«رفته»/«نرسیده»/«سوخته» -> the past stem «رفت»/«نرسید»/«سوخت» (both sides)."""
    if len(word) >= 5 and word[-2:] in ("ده", "ته"):
        return word[:-1]
    return word


class TermResolver:
    """Maps a query word to (vocabulary term, similarity in 0..1), or None."""

    def __init__(
        self, vocabulary: Iterable[str], typo_targets: Iterable[str] | None = None
    ) -> None:
        """``typo_targets``: the terms a misspelling may be corrected to (default: all).

        The matcher passes its keyword terms: nouns like «انشعاب» are worth correcting,
        while phrase-only verb forms («بگیرم») would turn «بیارم» into noise.
        """
        self.vocabulary = frozenset(vocabulary)
        self._memo: dict[str, tuple[str, float] | None] = {}
        self._participles = frozenset(_participle(w) for w in self.vocabulary)
        targets = self.vocabulary if typo_targets is None else frozenset(typo_targets)
        self._by_key: dict[str, str] = {}
        self._by_delete: dict[str, str] = {}
        for term in sorted(targets, key=lambda t: (len(t), t)):
            key = letter_key(term)
            self._by_key.setdefault(key, term)
            if len(key) >= _FUZZY_MIN:
                for d in _deletes(key):
                    self._by_delete.setdefault(d, term)

    def canonical(self, word: str) -> str:
        """The longest proper stem of ``word`` that is in the vocabulary, else ``word``.

        Used on both sides so «کنتورم» in a lexicon phrase and «کنتور» in a keyword count
        as one term.
        """
        if word in _WHOLE_WORDS:
            return word
        for stem in _peel(word, depth=2, suffixes=_INDEX_SUFFIXES):
            if stem in self.vocabulary and (len(stem) >= _MIN_AI_STEM or not word.endswith("ای")):
                return self.canonical(stem)
        return _participle(word)

    def resolve(self, word: str) -> tuple[str, float] | None:
        """Find the vocabulary term a query word stands for, with a confidence.

        Memoised: the same few thousand words recur in every message, and peeling plus
        the typo search is most of a query's cost. The memo is bounded (cleared when full)
        so a flood of random words cannot grow it without limit.
        """
        if word in self._memo:
            return self._memo[word]
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        found = self._memo[word] = self._resolve(word)
        return found

    def _resolve(self, word: str) -> tuple[str, float] | None:
        if word in self.vocabulary:
            return self.canonical(word), 1.0
        if _participle(word) != word and _participle(word) in self._participles:
            return _participle(word), 1.0
        candidates = _peel(word, depth=3)
        # spoken Persian drops a final «ه» before a suffix: تعرفشو, کوچمون, مغازم
        candidates += [stem + "ه" for stem in candidates if not stem.endswith("ه")]
        if word in self._participles:  # «نرسید» for a lexicon «نرسیده»
            return word, 0.95
        for prefix in _PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                rest = word[len(prefix) :]
                candidates.append(rest)
                candidates.extend(_peel(rest, depth=2))
        for stem in candidates:
            if stem in self.vocabulary and (len(stem) >= 3 or len(word) - len(stem) == 1):
                return self.canonical(stem), 0.95
        return self._fuzzy(word, candidates)

    def _fuzzy(self, word: str, stems: list[str]) -> tuple[str, float] | None:
        key = letter_key(word)
        if key in self._by_key:  # only sound-alike letters differ
            return self.canonical(self._by_key[key]), 0.9
        for stem in stems:
            skey = letter_key(stem)
            if len(skey) >= 3 and skey in self._by_key:
                return self.canonical(self._by_key[skey]), 0.85
            if len(skey) >= _FUZZY_MIN and skey in self._by_delete:
                return self.canonical(self._by_delete[skey]), 0.7
        if len(key) < _FUZZY_MIN:
            return None
        if key in self._by_delete:  # one letter missing from the query
            return self.canonical(self._by_delete[key]), 0.75
        deletes = _deletes(key)
        for d in deletes:  # one letter too many in the query
            if len(d) >= _FUZZY_MIN and d in self._by_key:
                return self.canonical(self._by_key[d]), 0.75
        if len(key) > _FUZZY_MIN:
            for d in deletes:  # one letter wrong, or two swapped
                if d in self._by_delete:
                    return self.canonical(self._by_delete[d]), 0.7
        return None
