"""A broadcast to many citizens on the stand-in: pace, duplicates, skips, memory, replies.

A real ``python -m bot webhook`` process sends a broadcast to N citizens (default 20,000)
through the Bot API stand-in, which answers a share of the sends with 429. At a quarter
of the recipients the process is stopped cleanly (SIGTERM) and a new one started; at half
it is killed (SIGKILL) and another started. Meanwhile a citizen searches every second and
the time to their answer is measured. Printed only; nothing is asserted.

    .venv/bin/python bench/broadcast.py [--citizens N] [--rate R] [--faults 0.02]

Figures: achieved rate ÷ configured rate (while a process was sending), duplicates (from
the clean restart, and from the kill next to the sends in flight at that moment), skipped,
peak memory of the bot processes, and the p95 reply time of the searching citizen.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.db import close_db, init_db, prepare_database  # noqa: E402
from bot.standin import BotApiStandIn  # noqa: E402
from bot.webhook import webhook_path  # noqa: E402
from handlers.broadcast import citizen_text  # noqa: E402
from models import clock  # noqa: E402
from models.broadcast import Broadcast, BroadcastState  # noqa: E402
from models.citizen import Citizen  # noqa: E402
from models.outbox import OutboxMessage, OutboxStatus  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
SECRET = "bench-secret"
TEXT = "اطلاعیه: فردا ساعت ۱۰ تا ۱۲ برق شهرک صنعتی برای تعمیرات قطع است."
SEARCHER = 1
FIRST_CITIZEN = 100_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Bot:
    """One ``python -m bot webhook`` process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.env = {**env, "SKEDBOT_WEBHOOK_PORT": str(self.port)}
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self.peak_kb = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}" + webhook_path("bale", SECRET)

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "webhook",
                env=self.env, cwd=ROOT, stdout=out, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip

    def sample_memory(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_kb = max(self.peak_kb, int(line.split()[1]))

    async def stop(self, sig: int) -> None:
        assert self.process is not None
        self.sample_memory()
        self.process.send_signal(sig)
        await self.process.wait()


async def prepare(url: str, citizens: int) -> None:
    await prepare_database(url)
    await init_db(url)
    try:
        batch = []
        for uid in range(FIRST_CITIZEN, FIRST_CITIZEN + citizens):
            batch.append(Citizen(messenger="bale", user_id=uid, chat_id=uid, first_name="ش"))
            if len(batch) == 2000:
                await Citizen.bulk_create(batch)
                batch = []
        if batch:
            await Citizen.bulk_create(batch)
    finally:
        await close_db()


async def start_broadcast(url: str) -> None:
    await init_db(url)
    try:
        await Broadcast.create(
            messenger="bale",
            admin_user_id=9001,
            admin_chat_id=9001,
            text=TEXT,
            state=BroadcastState.RUNNING,
            started_at=clock.now(),
        )
    finally:
        await close_db()


async def in_flight(url: str) -> int:
    """Rows claimed by a live lease: sent or not, nobody can know after a kill."""
    await init_db(url)
    try:
        return await OutboxMessage.filter(
            kind="broadcast.message", status=OutboxStatus.PENDING, claimed_until__gt=clock.now()
        ).count()
    finally:
        await close_db()


RESTARTS = [0]
"""Bumped whenever a bot process stops or starts: a search spanning one is not counted."""


async def searcher(
    standin: BotApiStandIn, stop: asyncio.Event, waits: list[float], up: asyncio.Event
) -> None:
    """A citizen searching once a second while the broadcast runs (and a process is up)."""
    person = standin.person(user_id=SEARCHER, first_name="مریم")
    while not stop.is_set():
        await up.wait()
        restarts = RESTARTS[0]
        started = time.monotonic()
        await person.send_text("کنتورم خراب شده")
        try:
            await person.wait_for_reply(timeout=30)
            wait = time.monotonic() - started
        except TimeoutError:
            wait = 30.0
        if RESTARTS[0] == restarts:
            waits.append(wait)
        await asyncio.sleep(1.0)


def steady(times: list[float], gap: float = 5.0) -> tuple[float, float, int]:
    """The longest run of sends without a pause longer than ``gap`` (a lease running out
    after a kill is not the sending pace): (start, end, sends)."""
    best = (times[0], times[0], 1)
    start = 0
    for i in range(1, len(times) + 1):
        if i == len(times) or times[i] - times[i - 1] > gap:
            if i - start > best[2]:
                best = (times[start], times[i - 1], i - start)
            start = i
    return best


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--faults", type=float, default=0.02, help="share of sends answered 429")
    parser.add_argument("--database", default="", help="default: a SQLite file in a temp dir")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="skedbot-bench-"))
    url = args.database or f"sqlite://{folder / 'bench.sqlite3'}"
    await prepare(url, args.citizens)
    wanted = citizen_text(TEXT)

    async with BotApiStandIn(token=TOKEN, profile="bale") as standin:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SKEDBOT_")}
        env.update(
            SKEDBOT_DATABASE_URL=url,
            SKEDBOT_BALE_TOKEN=TOKEN,
            SKEDBOT_BALE_BASE_URL=standin.base_url,
            SKEDBOT_BALE_BASE_FILE_URL=standin.base_file_url,
            SKEDBOT_WEBHOOK_SECRET=SECRET,
            SKEDBOT_STORAGE_DIR=str(folder / "documents"),
            SKEDBOT_LOG_LEVEL="WARNING",
            SKEDBOT_BALE_RATE=str(args.rate),
            SKEDBOT_FLOOD_LIMIT="1000",
        )
        sent_at: list[tuple[float, int]] = []

        def on_message(message) -> None:
            if message.chat_id >= FIRST_CITIZEN and (message.text or "") == wanted:
                sent_at.append((time.monotonic(), message.chat_id))

        standin.on_message(on_message)
        standin.fail_randomly(args.faults, statuses=(429,))

        bots: list[Bot] = []
        phases: list[tuple[float, float, int]] = []  # (start, end, sends) per process

        up = asyncio.Event()

        async def launch() -> Bot:
            bot = Bot(env, folder / f"bot-{len(bots)}.log")
            bots.append(bot)
            await bot.start()
            standin.deliver_to([bot.url], secret_token=SECRET)
            await asyncio.sleep(8)  # the process starts (matcher, database)
            RESTARTS[0] += 1
            up.set()
            return bot

        async def halt(bot: Bot, sig: int) -> None:
            up.clear()
            RESTARTS[0] += 1
            await bot.stop(sig)

        async def run_until(bot: Bot, share: float | None) -> None:
            start_count = len(sent_at)
            while True:
                bot.sample_memory()
                done = len({chat for _, chat in sent_at})
                if share is not None and done >= share * args.citizens:
                    break
                if share is None and done >= args.citizens:
                    await asyncio.sleep(2.0)  # late duplicates, if any, land now
                    break
                await asyncio.sleep(0.2)
            mine = [t for t, _ in sent_at[start_count:]]
            if len(mine) > 1:
                phases.append(steady(mine))

        stop = asyncio.Event()
        waits: list[float] = []
        started = time.monotonic()
        bot = await launch()
        await start_broadcast(url)
        search = asyncio.create_task(searcher(standin, stop, waits, up))

        await run_until(bot, 0.25)
        await halt(bot, signal.SIGTERM)  # clean stop: sends in flight finish and are marked
        clean_sent = Counter(chat for _, chat in sent_at)
        bot = await launch()
        await run_until(bot, 0.5)
        await halt(bot, signal.SIGKILL)  # a crash: whatever was in flight is unknown
        killed_in_flight = await in_flight(url)
        before_kill = Counter(chat for _, chat in sent_at)
        bot = await launch()
        await run_until(bot, None)
        stop.set()
        await search
        await halt(bot, signal.SIGTERM)
        elapsed = time.monotonic() - started

    copies = Counter(chat for _, chat in sent_at)
    duplicates = sum(n - 1 for n in copies.values() if n > 1)
    clean_dups = sum(n - 1 for n in clean_sent.values() if n > 1)
    after_kill_dups = sum(1 for chat, n in before_kill.items() if n >= 1 and copies[chat] > n)
    skipped = sum(
        1 for uid in range(FIRST_CITIZEN, FIRST_CITIZEN + args.citizens) if uid not in copies
    )
    rates = [n / (end - start) for start, end, n in phases if end > start]
    achieved = sum(n for _, _, n in phases) / sum(end - start for start, end, _ in phases)
    peak_mb = max(b.peak_kb for b in bots) / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    p95 = statistics.quantiles(waits, n=20)[-1] if len(waits) >= 2 else float("nan")
    print(f"citizens={args.citizens} configured_rate={args.rate}/s 429s={args.faults:.0%}")
    print(f"sends={len(sent_at)} wall={elapsed:.0f}s injected_429={standin.injected_faults}")
    print(f"rate per process while sending: {', '.join(f'{r:.1f}/s' for r in rates)}")
    print(f"achieved/configured={achieved / args.rate:.3f} (goal >= 0.95)")
    print(
        f"duplicates={duplicates}: clean restart {clean_dups} (goal 0), "
        f"kill {after_kill_dups} with {killed_in_flight} in flight (goal <= in flight)"
    )
    print(f"skipped={skipped} (goal 0)")
    print(f"peak memory: bot process {max(peak_mb, child_mb):.0f} MB")
    print(
        f"citizen search during the broadcast (not across a restart): n={len(waits)} "
        f"p95={p95:.2f}s max={max(waits, default=0):.2f}s (goal p95 <= 2 s)"
    )


if __name__ == "__main__":
    asyncio.run(main())
