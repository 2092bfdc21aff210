"""Measure the intent matcher on a labelled TSV file (header ``text<TAB>code``).

Only the measuring lives here; building the matcher from the catalog is wiring and lives in
``bot`` (``skedbot nlp-eval FILE.tsv`` builds, then calls :func:`evaluate` and
:func:`format_report`), so ``nlp`` never imports ``bot``, and from ``models`` only the pure
identifier formats (:mod:`models.identifiers`, for :mod:`nlp.codes`). The report's last line
is machine-read::

    top1=0.xxx top3=0.xxx none_f1=0.xxx p99_ms=x.xx
"""

from __future__ import annotations

import csv
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from nlp.matcher import MatchResult

__all__ = [
    "EvalReport",
    "evaluate",
    "format_report",
    "load_queries",
    "score_predictions",
    "timed_build",
]

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "shared" / "catalog" / "dev-queries.tsv"


class _Matcher(Protocol):
    def match(self, text: str) -> MatchResult: ...


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Accuracy, the ``none`` class's quality, misses and timing of one run."""

    total: int
    top1: float
    top3: float
    none_precision: float
    none_recall: float
    none_f1: float
    p50_ms: float
    p99_ms: float
    build_s: float = 0.0
    misses: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """expected code -> [(text, predicted code)]"""


def load_queries(path: Path | str) -> list[tuple[str, str]]:
    """(text, code) rows of a ``text<TAB>code`` file with a header.

    Files saved by spreadsheet programs start with a byte-order mark and end lines with
    CRLF; both are accepted.
    """
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["text"], row["code"].strip()) for row in rows if row.get("text")]


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def score_predictions(
    expected: Sequence[str], predicted: Sequence[Sequence[str]]
) -> tuple[float, float, float, float, float]:
    """(top1, top3, none precision, recall, F1) for ranked predictions; shared with bench."""
    n = max(len(expected), 1)
    top1 = sum(p[0] == e for e, p in zip(expected, predicted, strict=True)) / n
    top3 = sum(e in p[:3] for e, p in zip(expected, predicted, strict=True)) / n
    tp = sum(e == "none" and p[0] == "none" for e, p in zip(expected, predicted, strict=True))
    said_none = sum(p[0] == "none" for p in predicted)
    is_none = sum(e == "none" for e in expected)
    precision = tp / said_none if said_none else 0.0
    recall = tp / is_none if is_none else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return top1, top3, precision, recall, f1


def evaluate(matcher: _Matcher, path: Path | str, build_s: float = 0.0) -> EvalReport:
    """Run ``matcher`` over every row of ``path`` and summarise."""
    rows = load_queries(path)
    predicted: list[list[str]] = []
    latencies: list[float] = []
    misses: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for text, code in rows:
        start = time.perf_counter()
        result = matcher.match(text)
        latencies.append((time.perf_counter() - start) * 1000)
        predicted.append(result.top(3))
        if result.best != code:
            misses[code].append((text, result.best))
    top1, top3, precision, recall, f1 = score_predictions([c for _, c in rows], predicted)
    return EvalReport(
        total=len(rows),
        top1=top1,
        top3=top3,
        none_precision=precision,
        none_recall=recall,
        none_f1=f1,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p99_ms=_percentile(latencies, 0.99),
        build_s=build_s,
        misses=dict(misses),
    )


def format_report(report: EvalReport) -> str:
    """Human-readable report; the last line is the machine-read summary."""
    lines = [
        f"queries: {report.total}",
        f"top-1 accuracy: {report.top1:.3f}",
        f"top-3 accuracy: {report.top3:.3f}",
        f"none: precision {report.none_precision:.3f} recall {report.none_recall:.3f} "
        f"F1 {report.none_f1:.3f}",
        f"index build: {report.build_s * 1000:.1f} ms",
        f"latency per query: p50 {report.p50_ms:.2f} ms, p99 {report.p99_ms:.2f} ms",
    ]
    if report.misses:
        lines.append("misses (expected <- text -> predicted):")
        for code in sorted(report.misses):
            lines.append(f"  {code}:")
            lines += [f"    {text}  ->  {got}" for text, got in report.misses[code]]
    lines.append(
        f"top1={report.top1:.3f} top3={report.top3:.3f} "
        f"none_f1={report.none_f1:.3f} p99_ms={report.p99_ms:.2f}"
    )
    return "\n".join(lines)


def timed_build(build: Callable[[], _Matcher]) -> tuple[_Matcher, float]:
    """Build a matcher and return it with the seconds the build took."""
    start = time.perf_counter()
    matcher = build()
    return matcher, time.perf_counter() - start
