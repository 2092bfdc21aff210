"""Lexicon scoring: how a message's resolved words score against the index's entries.

The formula in :mod:`nlp.matcher`'s docstring is computed here: an entry hits when all its
terms occur, the closest span of them counts (a scattered one half), and an intent's
negative entries cut its score. Beside it, the rule that reads another company's matter
(«انشعاب گاز», «آب قطع شده») from the same resolved words. Both run on every message and
read the index's attributes as built (:class:`nlp.index.LexiconIndex`), which is why the
scorer extends the index rather than holding one: no extra lookup on the hot path.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import product

from nlp.index import LexiconIndex
from nlp.terms import stems

__all__ = ["LexiconScorer"]

_NEGATIVE_FACTOR = 0.25
_FAR_FACTOR = 0.5  # an entry whose words are scattered over a long message


class LexiconScorer(LexiconIndex):
    """The index's per-message side: entry hits per intent, and the foreign-matter rule."""

    def _score(
        self,
        positions: dict[str, list[int]],
        sims: dict[int, tuple[str, float]],
        weights: list[float],
    ) -> dict[str, float]:
        """Each intent's lexicon score: the sum over the message's words of the best hit
        covering each (``positions``: where each resolved term occurs; ``sims``: each word's
        term and similarity; ``weights``: its clause weight)."""
        best: dict[str, dict[int, float]] = defaultdict(dict)
        negated: set[str] = set()
        by_term = self._by_term
        for first in positions:
            for entry in by_term.get(first, ()):
                terms = entry.terms
                if len(terms) == 1:  # most entries: no span to find
                    if entry.negative:
                        negated.add(entry.code)
                        continue
                    pos = positions[first][0]
                    value = entry.values[0] * sims[pos][1] * weights[pos]
                    per_code = best[entry.code]
                    if value > per_code.get(pos, 0.0):
                        per_code[pos] = value
                    continue
                if not all(t in positions for t in terms):
                    continue
                if entry.negative:
                    negated.add(entry.code)
                    continue
                span_pos = _closest(terms, positions)
                span = max(span_pos) - min(span_pos) + 1
                near = 1.0 if span <= len(terms) + 3 else _FAR_FACTOR
                per_code = best[entry.code]
                for base, pos in zip(entry.values, span_pos, strict=True):
                    value = base * sims[pos][1] * weights[pos] * near
                    if value > per_code.get(pos, 0.0):
                        per_code[pos] = value
        scores = {code: sum(v.values()) for code, v in best.items()}
        for code in negated:
            if code in scores:
                scores[code] *= _NEGATIVE_FACTOR
        return scores

    def _foreign(
        self, words: list[str], positions: dict[str, list[int]], sims: dict[int, tuple[str, float]]
    ) -> tuple[bool, bool]:
        """Another company's matter and no electricity word: (any evidence, strong evidence).

        Strong: another company's noun *modifies* one of our service nouns (a one-word
        service keyword: «انشعاب گاز», «تعرفه گاز صنعتی», «قبض آبمون») or a several-word
        ``none`` keyword stands together («تلفن ثابت»). One content word may stand between
        («تعرفه صنعتی گاز»); a function word or an object marker breaks the pattern: «کنتور
        رو آب گرفت», «کنتورمونو آب گرفته» are water flooding *our* meter. The electricity
        words (the ``none`` negatives) veto it, except the modified noun itself: «انشعاب»
        is ours, «انشعاب گاز» is not.

        Weak: a lone foreign noun («آب قطع شده», «اینترنت خونه قطعه») with no electricity
        word anywhere (and «کنتور» counts as one: «کنتور رو آب گرفت»).
        """
        utility = [j for j, w in enumerate(words) if self._is_utility(w, sims.get(j))]
        phrases = [e for e in self._none_phrases if all(t in positions for t in e.terms)]
        if not utility and not phrases:
            return False, False  # most messages: nothing foreign at all
        anchors: set[int] = set()
        for entry in self._none_negative:
            if all(t in positions for t in entry.terms):
                anchors.update(_closest(entry.terms, positions))
        strong = False
        for entry in phrases:
            span = _closest(entry.terms, positions)
            start, end = min(span), max(span)
            if (
                self._tight(words, start, end, len(entry.terms))
                and not _object_marked(words[start], sims[start][0])
                and anchors <= set(span)
            ):
                strong = True
        for j in utility:
            for i in (j - 1, j - 2):
                head = sims.get(i)
                if (
                    head is not None
                    and head[0] in self._heads
                    and not _object_marked(words[i], head[0])
                    and self._tight(words, i, j, 2)
                    and anchors <= {i, j}
                ):
                    strong = True
        weak = bool(utility) and not anchors
        return strong or weak, strong

    def _tight(self, words: list[str], start: int, end: int, n_terms: int) -> bool:
        """The words from ``start`` to ``end`` read as one noun phrase: at most one extra
        word between the terms, and never a function word («رو», «به», «که»)."""
        if end - start + 1 > n_terms + 1:
            return False
        return all(words[k] not in self._stop for k in range(start + 1, end))

    def _is_utility(self, word: str, resolved: tuple[str, float] | None) -> bool:
        """Another company's noun, inflected or not («آبمون», «گازش», «اینترنتم»).

        The resolver does not peel «آب» out of «آبمون» (two-letter stems are too risky in
        general); for this short closed list a peeled stem is safe.
        """
        if resolved is not None and resolved[0] in self._utility:
            return True
        found = self._utility_memo.get(word)
        if found is None:
            utility = self._utility
            found = word in utility or (
                any(word[:n] in utility for n in self._utility_lengths)
                and any(st in utility for st in stems(word))
            )
            if len(self._utility_memo) < 50_000:
                self._utility_memo[word] = found
        return found


def _closest(terms: tuple[str, ...], positions: dict[str, list[int]]) -> tuple[int, ...]:
    """One position per term with the smallest span (messages are short: brute force)."""
    options = [positions[t][:4] for t in terms]
    return min(product(*options), key=lambda ps: max(ps) - min(ps))


def _object_marked(word: str, term: str) -> bool:
    """«کنتورمونو», «قبضو»: the object marker glued on. Nothing can modify a noun after
    its object marker, so «کنتورمونو آب گرفته» is water in our meter, not a water meter."""
    return word != term and word.endswith(("و", "را", "رو")) and not term.endswith("و")
