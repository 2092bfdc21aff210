"""End to end: N citizens at once through the Bot API stand-in, against a bare echo bot.

Each of N citizens (default 200, all at once) does a whole visit through the stand-in:
``/start``, a free-text search, the card, the filing dialog of capacity-change with three
photos, and a question about the tracking code they got (16 updates each). Meanwhile one
citizen floods 60 messages, 140 updates that need no answer arrive (channel posts, polls,
foreign groups…), and in the default-budget mode a broadcast to 1,000 citizens runs.
The bot runs as real processes: one ``skedbot run`` (polling), or two ``skedbot webhook``
workers behind the stand-in's round robin; on SQLite and PostgreSQL. In the same run a
bare python-telegram-bot echo bot (its own process, polling) gets as many citizens each
sending as many texts, each waiting for its answer.

    .venv/bin/python bench/e2e.py [--budget default|high] [--citizens N]
        [--database sqlite|postgres ...] [--processes 1 2] [--repeat R] [--profile DIR]

Printed only, never asserted. Figures: updates/s, first-reply latency p50/p95/p99, bot
CPU ms per update, peak RSS of the bot processes, errors, lost/duplicated, messages sent
per update, replies overtaken by later arrivals, garbage answered, the flooder's notices,
and for the budget: the achieved send rate while a backlog existed and p95 latency
against ``backlog ÷ budget + 1 s``. ``--profile DIR`` runs the bot processes under
pyinstrument and saves one session per process there (read it with
``pyinstrument --load FILE [-p flat]``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from e2e_load import GARBAGE_CHAT, Watch, echo_journey, flood, garbage_updates, journey  # noqa: E402
from e2e_procs import BotProcess, database, echo_bot, skedbot, start_broadcast  # noqa: E402

from bot.ratebudget import SPENDING  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.standin import BotApiStandIn  # noqa: E402
from handlers import texts  # noqa: E402

TOKEN = "123456:E2E-BENCH"
JOURNEY_UPDATES = 16
FLOOD = 60
GARBAGE = 140
AUDIENCE = 1000
FIRST_CITIZEN = 10_000
FLOODER = 9_999
HIGH_BUDGET = 1000.0


@dataclass
class Result:
    """One configuration's figures."""

    label: str
    updates: int
    seconds: float
    latencies: list[float]
    cpu_ms: float
    peak_mb: list[float]
    errors: str
    lost: int
    duplicated: int
    per_update: float
    overtaken: float
    extra: str = ""

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_per_update(self) -> float:
        return self.cpu_ms / self.updates

    def quantile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cuts[q - 1] * 1000

    def ratios(self, echo: Result, name: str) -> str:
        return (
            f" | ×{name}: rate {self.rate / echo.rate:.2f} "
            f"cpu {self.cpu_per_update / echo.cpu_per_update:.2f} "
            f"mem {max(self.peak_mb) / max(echo.peak_mb):.1f}"
        )

    def line(self, echo: Result | None, shaped: Result | None = None) -> str:
        """``echo`` is the one polling echo process (the goals' reference); ``shaped`` the
        echo bot in this configuration's shape (as many webhook workers), if it has one."""
        ratio = "" if echo is None else self.ratios(echo, "echo")
        if shaped is not None:
            ratio += self.ratios(shaped, f"echo{len(shaped.peak_mb)}")
        rss = "+".join(f"{m:.0f}" for m in self.peak_mb)
        return (
            f"{self.label:24} {self.rate:6.1f} upd/s  p50 {self.quantile(50):6.0f} "
            f"p95 {self.quantile(95):6.0f} p99 {self.quantile(99):6.0f} ms  "
            f"cpu {self.cpu_per_update:5.2f} ms/upd  rss {rss} MB  "
            f"msgs/upd {self.per_update:.2f}  lost {self.lost} dup {self.duplicated}  "
            f"overtaken≥1s {self.overtaken:.1%}  errors {self.errors}{ratio}{self.extra}"
        )


def overtaken(watch: Watch) -> float:
    """Share of updates answered after an update that arrived a second or more later."""
    sent = sorted((s for s in watch.updates if s.answered is not None), key=lambda s: s.at)
    late = 0
    best = float("inf")  # earliest answer among updates that arrived later
    j = len(sent)
    for i in range(len(sent) - 1, -1, -1):
        while j > i + 1 and sent[j - 1].at >= sent[i].at + 1.0:
            j -= 1
            best = min(best, sent[j].answered)  # type: ignore[arg-type]
        if best < sent[i].answered:  # type: ignore[operator]
            late += 1
    return late / max(len(sent), 1)


def send_rate(standin: BotApiStandIn, watch: Watch) -> tuple[float, float]:
    """(sends a second while a backlog existed, seconds with a backlog)."""
    spans = sorted((s.at, s.answered) for s in watch.updates if s.answered is not None)
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    offset = time.time() - time.monotonic()  # calls are stamped with the wall clock
    stamps = sorted(
        c.at - offset for c in standin.calls if c.status == 200 and c.method.lower() in SPENDING
    )
    import bisect

    sends = sum(bisect.bisect(stamps, b) - bisect.bisect(stamps, a) for a, b in merged)
    busy = sum(b - a for a, b in merged)
    return sends / busy if busy else 0.0, busy


async def run_echo(citizens: int, folder: Path, processes: int = 1) -> Result:
    folder.mkdir(parents=True, exist_ok=True)
    async with BotApiStandIn(token=TOKEN, profile="telegram") as standin:
        watch = Watch(standin)
        procs = await echo_bot(standin, folder, processes)
        try:
            people = [standin.person(FIRST_CITIZEN + i, f"شهروند{i}") for i in range(citizens)]
            for proc in procs:
                proc.mark()
            started = time.monotonic()
            done = await asyncio.gather(
                *(echo_journey(watch, p, JOURNEY_UPDATES) for p in people), return_exceptions=True
            )
            seconds = time.monotonic() - started
            cpu = sum(p.cpu_ms() for p in procs)
            peaks = [p.peak_mb() for p in procs]
        finally:
            for proc in procs:
                await proc.stop()
    failed = sum(isinstance(d, BaseException) for d in done)
    label = "echo (bare PTB)" if processes == 1 else f"echo, {processes} webhook workers"
    return result(label, watch, standin, seconds, cpu, peaks, failed, *procs)


def result(
    label: str,
    watch: Watch,
    standin: BotApiStandIn,
    seconds: float,
    cpu: float,
    peaks: list[float],
    failed: int,
    *procs: BotProcess,
) -> Result:
    answered = [s for s in watch.updates if s.answered is not None]
    lost = len(watch.updates) - len(answered)
    chats = {s.chat_id for s in watch.updates}
    counts = [watch.new_messages[c] for c in chats]
    usual = statistics.mode(counts) if counts else 0
    duplicated = sum(max(0, n - usual) for n in counts)
    refused = sum(1 for c in standin.calls if c.status != 200)
    logged = [f"{p.log.name}: {line}" for p in procs for line in p.log_errors()]
    for line in logged[:5]:
        print(f"    {line[:300]}", file=sys.stderr)
    return Result(
        label=label,
        updates=len(watch.updates),
        seconds=seconds,
        latencies=[s.answered - s.at for s in answered],  # type: ignore[operator]
        cpu_ms=cpu,
        peak_mb=peaks,
        errors=f"{failed}/{refused}/{len(logged)}",
        lost=lost,
        duplicated=duplicated,
        per_update=sum(counts) / max(len(watch.updates), 1),
        overtaken=overtaken(watch),
    )


async def run_bot(
    kind: str, processes: int, budget: str, citizens: int, folder: Path, profile: Path | None
) -> Result:
    rate = HIGH_BUDGET if budget == "high" else Settings(_env_file=None).rate("telegram")
    audience = AUDIENCE if budget == "default" else 0
    first = FIRST_CITIZEN + 100_000
    async with (
        database(kind, folder, audience, first) as url,
        BotApiStandIn(token=TOKEN) as standin,
    ):
        watch = Watch(standin)
        env = {"TELEGRAM_RATE": str(rate)} if budget == "high" else {}
        procs = await skedbot(standin, url, folder, processes, env, profile)
        try:
            if audience:
                await start_broadcast(url)
            people = [standin.person(FIRST_CITIZEN + i, f"شهروند{i}") for i in range(citizens)]
            flooder = standin.person(FLOODER, "پرحرف")
            for proc in procs:
                proc.mark()
            started = time.monotonic()
            for update in garbage_updates(standin, GARBAGE):
                standin.inject_update(update)
            floods = asyncio.create_task(flood(flooder, watch, FLOOD))
            done = await asyncio.gather(
                *(journey(watch, p, i) for i, p in enumerate(people)), return_exceptions=True
            )
            seconds = time.monotonic() - started
            await floods
            cpu = sum(p.cpu_ms() for p in procs)
            await asyncio.sleep(1.0)  # late answers to the flooder or the garbage land now
            peaks = [p.peak_mb() for p in procs]
        finally:
            for proc in procs:
                await proc.stop()
        listeners = range(first, first + AUDIENCE)
        broadcast_sends = sum(
            1 for c in standin.calls if c.status == 200 and _chat(c.params) in listeners
        )
    failed = [d for d in done if isinstance(d, BaseException)]
    for error in failed[:3]:
        print(f"   journey failed: {type(error).__name__}: {str(error)[:300]}")
    label = f"{kind} {'1 process' if processes == 1 else f'{processes} webhook workers'}"
    res = result(label, watch, standin, seconds, cpu, peaks, len(failed), *procs)
    flood_texts = watch.texts_in[FLOODER]
    notices = sum(t == texts.FLOOD for t in flood_texts)
    before = flood_texts.index(texts.FLOOD) if notices else len(flood_texts)
    after = len(flood_texts) - before - notices
    garbage = sum(n for chat, n in watch.new_messages.items() if chat <= GARBAGE_CHAT)
    achieved, busy = send_rate(standin, watch)
    res.extra = (
        f"\n{'':24} flooder sent {FLOOD}: {before} answered, {notices} slow-down notice(s), "
        f"{after} answered after it | garbage answered {garbage}/{GARBAGE} | sends while backlog "
        f"{achieved:.1f}/s = {achieved / rate:.2f}× budget {rate:g}/s over {busy:.0f}s"
        f" | broadcast sends {broadcast_sends}"
    )
    if budget == "default":
        answered = [s for s in watch.updates if s.answered is not None]
        bound = [s.backlog / rate + 1.0 for s in answered]
        within = sum(s.answered - s.at <= b for s, b in zip(answered, bound, strict=True))  # type: ignore[operator]
        res.extra += (
            f"\n{'':24} p95 latency {res.quantile(95) / 1000:.1f}s vs p95 of backlog÷budget+1s "
            f"{statistics.quantiles(bound, n=20)[-1]:.1f}s (backlog at arrival, mean "
            f"{statistics.fmean(s.backlog for s in answered):.0f}); "
            f"{within / len(answered):.1%} answered within their own bound"
        )
    return res


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", choices=("default", "high"), default="high")
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--database", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--processes", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-echo", action="store_true")
    parser.add_argument("--profile", type=Path, help="pyinstrument the bot processes")
    args = parser.parse_args()
    print(f"{os.uname().nodename}: {os.cpu_count()} cores, {_load()}; budget {args.budget}, "
          f"{args.citizens} citizens × {JOURNEY_UPDATES} updates")  # fmt: skip
    print("errors = journeys failed / Bot API calls refused / error lines in the bot's log")
    with tempfile.TemporaryDirectory(prefix="skedbot-e2e-") as tmp:
        folder = Path(tmp)
        for round_ in range(args.repeat):
            echo = None
            shaped: dict[int, Result] = {}
            if not args.no_echo:
                echo = await run_echo(args.citizens, folder / f"echo-{round_}")
                print(echo.line(None), flush=True)
                for processes in sorted(set(args.processes) - {1}):
                    shaped[processes] = await run_echo(
                        args.citizens, folder / f"echo{processes}-{round_}", processes
                    )
                    print(shaped[processes].line(echo), flush=True)
            for kind in args.database:
                for processes in args.processes:
                    res = await run_bot(
                        kind, processes, args.budget, args.citizens,
                        folder / f"{kind}{processes}-{round_}",  # fresh: update ids restart
                        args.profile and args.profile / f"{kind}{processes}-{round_}",
                    )  # fmt: skip
                    print(res.line(echo, shaped.get(processes)), flush=True)
    print(f"after: {_load()}")


def _chat(params: dict[str, object]) -> int:
    try:
        return int(str(params.get("chat_id", "")))
    except ValueError:
        return 0


def _load() -> str:
    with contextlib.suppress(OSError):
        return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "load unknown"


if __name__ == "__main__":
    asyncio.run(main())
