"""The blend's no-domain-evidence rule, on hand-made signals: one comment per row."""

from __future__ import annotations

import pytest

from nlp import Blend, Signals

SERVICES = ("meter-test", "bill-dispute")


def _signals(*, evidence: bool, learned_top: float, foreign: bool = False) -> Signals:
    """A message the learned model leans to meter-test with ``learned_top``; with
    ``evidence``, one unique meter-test term hit too (lexicon score 3)."""
    rest = (1.0 - learned_top) / 3
    return Signals(
        normalized="",
        lexicon={"meter-test": 3.0 if evidence else 0.0, "bill-dispute": 0.0},
        track=0.0,
        none=0.0,
        tracking_code=None,
        foreign=foreign,
        learned={"meter-test": learned_top, "bill-dispute": rest, "track": rest, "none": rest},
        evidence=evidence,
    )


CASES = [
    (False, 0.30, "none"),  # no domain word, learned noise: left unanswered
    (False, 0.60, "meter-test"),  # no domain word, but the learned model is confident
    (True, 0.30, "meter-test"),  # a lexicon entry hit: the usual blend decides
]


@pytest.mark.parametrize(("evidence", "learned_top", "best"), CASES)
def test_off_domain_rule(evidence: bool, learned_top: float, best: str) -> None:
    blend = Blend(bare_confidence=0.5)
    result = blend.decide(_signals(evidence=evidence, learned_top=learned_top), SERVICES)
    assert result.best == best
    assert [s for _, s in result.ranked] == sorted((s for _, s in result.ranked), reverse=True)
