"""Typo correction answers the same in every process."""

from __future__ import annotations

import os
import subprocess
import sys

from nlp import terms

_PROGRAM = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("terms", sys.argv[1])  # no package start-up
terms = importlib.util.module_from_spec(spec)
spec.loader.exec_module(terms)
words = ["آزمان", "باران", "سازمان", "کاران", "ارزش", "زمان", "ازمون", "بازار"]
resolver = terms.TermResolver(words)
print([resolver.resolve(w) for w in ["ارزان", "بازان", "سازان", "ازان"]])
"""


def _resolve_with_hash_seed(seed: int) -> str:
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, terms.__file__],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_a_misspelling_is_corrected_alike_whatever_the_string_hashing() -> None:
    """Two workers must answer one message alike: the typo search takes the first of
    several equally near terms, so «first» must not depend on the process's hash seed."""
    answers = {_resolve_with_hash_seed(seed) for seed in range(6)}
    assert len(answers) == 1, answers
