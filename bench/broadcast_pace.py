"""The figures of bench/broadcast.py: sending windows, budget used, the printed report.

Kept apart from the choreography (processes, restarts, the searching citizen) so that each
file stays readable; see bench/broadcast.py for how the rate is counted.
"""

from __future__ import annotations

import bisect
import json
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.ratebudget import SPENDING

SEARCHER = 1
FIRST_CITIZEN = 100_000
GAP = 5.0
"""Seconds without any send that cut a process's sending window (a lease running out)."""


def windows(times: list[float], gap: float = GAP) -> list[tuple[float, float]]:
    """Stretches of sending: consecutive sends closer than ``gap`` seconds."""
    found: list[tuple[float, float]] = []
    start = 0
    for i in range(1, len(times) + 1):
        if i == len(times) or times[i] - times[i - 1] > gap:
            if i - start > 1:
                found.append((times[start], times[i - 1]))
            start = i
    return found


@dataclass
class Pace:
    """What one process sent while it was sending."""

    seconds: float
    delivered: int  # broadcast messages accepted
    rejected: int  # broadcast sends answered with the rate-limit error
    replies: int  # budget spent on the searching citizen
    ramp: float  # launch to first broadcast send
    first10: int  # broadcast messages delivered in its first 10 s of sending
    peak: int  # most budget-spending calls in any 1 s, after its first 2 s of sending

    @property
    def used(self) -> int:
        return self.delivered + self.rejected + self.replies


def pace(bot: Any, calls: list[Any], delivered_at: list[float]) -> Pace | None:
    """The sending windows of ``bot`` and what went through in them."""
    mine = [t for t in delivered_at if bot.launched <= t <= bot.stopped]
    if len(mine) < 2:
        return None
    spans = windows(mine)

    def inside(t: float) -> bool:
        return any(a <= t <= b for a, b in spans)

    rejected = replies = 0
    spent: list[float] = []
    for call in calls:
        if call.method.lower() not in SPENDING or not inside(call.at):
            continue
        spent.append(call.at)
        chat = int(call.params.get("chat_id") or 0)
        if chat == SEARCHER:
            replies += 1
        elif chat >= FIRST_CITIZEN and call.status != 200:
            rejected += 1
    return Pace(
        seconds=sum(b - a for a, b in spans),
        delivered=sum(1 for t in mine if inside(t)),
        rejected=rejected,
        replies=replies,
        ramp=mine[0] - bot.launched,
        first10=sum(1 for t in mine if t <= mine[0] + 10),
        peak=peak_second(sorted(spent), mine[0] + 2),
    )


def peak_second(times: list[float], after: float) -> int:
    """The most calls in any one second starting at or after ``after`` (a new process
    starts with a full bucket, so its first burst is left out)."""
    starts = [i for i, t in enumerate(times) if t >= after]
    return max((bisect.bisect_left(times, times[i] + 1.0) - i for i in starts), default=0)


def write_trace(path: Path, bots: list[Any], calls: list[Any]) -> None:
    """Every call the stand-in saw, and when each process lived (to study a run later)."""
    path.write_text(
        json.dumps(
            {
                "processes": [(b.launched, b.stopped) for b in bots],
                "calls": [(c.at, c.method, c.status, c.params.get("chat_id")) for c in calls],
            }
        )
    )
    print(f"trace of every call: {path}")


def report(
    args, bots, standin, sent, clean_sent, before_kill, killed_in_flight, waits, apologies
) -> None:
    copies = Counter(chat for _, chat in sent)
    duplicates = sum(n - 1 for n in copies.values() if n > 1)
    clean_dups = sum(n - 1 for n in clean_sent.values() if n > 1)
    after_kill_dups = sum(1 for chat, n in before_kill.items() if n >= 1 and copies[chat] > n)
    skipped = sum(
        1 for uid in range(FIRST_CITIZEN, FIRST_CITIZEN + args.citizens) if uid not in copies
    )
    times = sorted(t for t, _ in sent)
    paces = [p for p in (pace(b, standin.calls, times) for b in bots) if p is not None]
    seconds = sum(p.seconds for p in paces) or float("nan")
    used = sum(p.used for p in paces) / seconds
    delivered = sum(p.delivered for p in paces) / seconds
    peak_mb = max(b.peak_kb for b in bots) / 1024
    p95 = statistics.quantiles(waits, n=20)[-1] if len(waits) >= 2 else float("nan")
    print(
        f"citizens={args.citizens} configured_rate={args.rate:g}/s "
        f"rate-limit rejections={args.faults:.0%} (Bale profile: 400 'bot limit exceed')"
    )
    print(f"sends accepted={len(sent)} rejections injected={standin.injected_faults}")
    for i, p in enumerate(paces):
        print(
            f"  process {i + 1}: ready and sending {p.ramp:.1f}s after launch, "
            f"first 10 s {p.first10 / 10:.1f}/s; over {p.seconds:.0f}s: "
            f"delivered {p.delivered / p.seconds:.2f}/s + rejected {p.rejected / p.seconds:.2f}/s "
            f"+ replies {p.replies / p.seconds:.2f}/s = {p.used / p.seconds:.2f}/s; "
            f"most in one second {p.peak}"
        )
    print(
        f"achieved/configured={used / args.rate:.3f} (budget used; goal >= 0.95); "
        f"broadcast delivered alone {delivered / args.rate:.3f}"
    )
    print(
        f"duplicates={duplicates}: clean restart {clean_dups} (goal 0), "
        f"kill {after_kill_dups} with {killed_in_flight} in flight (goal <= in flight)"
    )
    print(f"skipped={skipped} (goal 0)")
    print(f"peak memory (VmHWM) of a bot process: {peak_mb:.0f} MB")
    print(
        f"citizen search during the broadcast (not across a restart): n={len(waits)} "
        f"p95={p95:.2f}s max={max(waits, default=0):.2f}s (goal p95 <= 2 s); "
        f"{len(apologies)} answered with the apology for a failed update instead"
    )
