"""A broadcast to many citizens on the stand-in: pace, duplicates, skips, memory, replies.

A real ``python -m bot webhook`` process sends a broadcast to N citizens (default 20,000)
through the Bot API stand-in (Bale profile), which answers a share of the sends with a
rate-limit error (Bale's 400 "bot limit exceed", the 429 of that messenger). At a quarter
of the recipients the process is stopped cleanly (SIGTERM) and a new one started; at half
it is killed (SIGKILL) and another started. Meanwhile a citizen searches every second and
the time to their answer is measured. Printed only; nothing is asserted. The whole run is
bounded by ``--max-minutes`` (it stops the bot and prints what it has when that runs out).

    .venv/bin/python bench/broadcast.py [--citizens N] [--rate R] [--faults 0.02]
                                        [--postgres postgres://postgres@127.0.0.1:5432/test]

With ``--postgres`` the bench creates a database of its own on that server and drops it
at the end; by default it uses a SQLite file in a temporary folder.

How the rate is counted, per process while it was sending (from its first broadcast send
to its last, cut where nothing at all was sent for 5 s, e.g. leases running out):

* **budget used** = every call that spends the bot's sending budget (bot.ratebudget's
  SPENDING calls) that reached the messenger, per second: broadcast messages delivered,
  broadcast sends answered with the rate-limit error (the messenger counted them), and the
  replies to the searching citizen (they take their tokens from the same budget, first).
  This ÷ the configured rate is the headline (goal >= 0.95).
* **broadcast delivered** = broadcast messages the stand-in accepted, per second: budget
  used less the replies and the rejected sends. A rejected send is retried after its own
  pause (3 s on Bale) while the process goes on with the other rows, so the pause itself
  costs no time unless nothing else is left to send (the end of the broadcast).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.db import close_db, init_db, prepare_database  # noqa: E402
from bot.ratebudget import SPENDING  # noqa: E402
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
GAP = 5.0
"""Seconds without any send that cut a process's sending window (a lease running out)."""


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
        self.launched = 0.0
        self.stopped = float("inf")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}" + webhook_path("bale", SECRET)

    async def start(self) -> None:
        self.launched = time.time()
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
        if self.process.returncode is None:
            self.process.send_signal(sig)
        await self.process.wait()
        self.stopped = time.time()


async def prepare(url: str, citizens: int) -> None:
    await prepare_database(url)
    try:
        batch = []
        for uid in range(FIRST_CITIZEN, FIRST_CITIZEN + citizens):
            batch.append(Citizen(messenger="bale", user_id=uid, chat_id=uid, first_name="ش"))
            if len(batch) == 2000:
                await Citizen.bulk_create(batch)
                batch = []
        if batch:
            await Citizen.bulk_create(batch)
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


async def _pg_admin(server: str, sql: str) -> None:
    import asyncpg

    parts = urlsplit(server)
    conn = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


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

    @property
    def used(self) -> int:
        return self.delivered + self.rejected + self.replies


def pace(bot: Bot, calls: list, delivered_at: list[float]) -> Pace | None:
    """The sending windows of ``bot`` and what went through in them."""
    mine = [t for t in delivered_at if bot.launched <= t <= bot.stopped]
    if len(mine) < 2:
        return None
    spans = windows(mine)

    def inside(t: float) -> bool:
        return any(a <= t <= b for a, b in spans)

    rejected = replies = 0
    for call in calls:
        if call.method.lower() not in SPENDING or not inside(call.at):
            continue
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
    )


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=25.0, help="SKEDBOT_BALE_RATE")
    parser.add_argument("--faults", type=float, default=0.02, help="share of sends rejected")
    parser.add_argument("--postgres", default="", help="server URL; default: a SQLite file")
    parser.add_argument("--max-minutes", type=float, default=0, help="default: 2x the sending")
    args = parser.parse_args()
    limit = args.max_minutes * 60 or 2 * args.citizens / args.rate + 180

    folder = Path(tempfile.mkdtemp(prefix="skedbot-bench-"))
    pg_name = ""
    if args.postgres:
        pg_name = f"skedbot_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        await _pg_admin(args.postgres, f'CREATE DATABASE "{pg_name}"')
        url = urlunsplit(urlsplit(args.postgres)._replace(path=f"/{pg_name}"))
    else:
        url = f"sqlite://{folder / 'bench.sqlite3'}"
    try:
        await run(args, url, folder, limit)
    finally:
        if pg_name:
            await _pg_admin(args.postgres, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


async def run(args: argparse.Namespace, url: str, folder: Path, limit: float) -> None:
    print(f"database={url.split('://')[0]} load before: {load()}", flush=True)
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
        sent: list[tuple[float, int]] = []  # (time, chat) of each broadcast message accepted

        def on_message(message) -> None:
            if message.chat_id >= FIRST_CITIZEN and (message.text or "") == wanted:
                sent.append((time.time(), message.chat_id))

        standin.on_message(on_message)
        standin.fail_randomly(args.faults, statuses=(429,))

        bots: list[Bot] = []
        up = asyncio.Event()
        started = time.monotonic()
        timed_out = False

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

        async def run_until(bot: Bot, share: float) -> None:
            nonlocal timed_out
            while not timed_out:
                bot.sample_memory()
                done = len({chat for _, chat in sent})
                if done >= share * args.citizens:
                    if share >= 1:
                        await asyncio.sleep(2.0)  # late duplicates, if any, land now
                    return
                timed_out = time.monotonic() - started > limit
                await asyncio.sleep(0.2)

        stop = asyncio.Event()
        waits: list[float] = []
        bot = await launch()
        search = asyncio.create_task(searcher(standin, stop, waits, up))

        await run_until(bot, 0.25)
        await halt(bot, signal.SIGTERM)  # clean stop: sends in flight finish and are marked
        clean_sent = Counter(chat for _, chat in sent)
        bot = await launch()
        await run_until(bot, 0.5)
        await halt(bot, signal.SIGKILL)  # a crash: whatever was in flight is unknown
        killed_in_flight = await in_flight(url)
        before_kill = Counter(chat for _, chat in sent)
        bot = await launch()
        await run_until(bot, 1.0)
        stop.set()
        await search
        await halt(bot, signal.SIGTERM)
        elapsed = time.monotonic() - started
        report(args, bots, standin, sent, clean_sent, before_kill, killed_in_flight, waits)
        trace = folder / "trace.json"
        trace.write_text(
            json.dumps(
                {
                    "processes": [(b.launched, b.stopped) for b in bots],
                    "calls": [
                        (c.at, c.method, c.status, c.params.get("chat_id")) for c in standin.calls
                    ],
                }
            )
        )
        print(f"trace of every call: {trace}")
        print(f"wall={elapsed:.0f}s{' TIMED OUT' if timed_out else ''} load after: {load()}")


def report(args, bots, standin, sent, clean_sent, before_kill, killed_in_flight, waits) -> None:
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
            f"+ replies {p.replies / p.seconds:.2f}/s = {p.used / p.seconds:.2f}/s"
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
        f"p95={p95:.2f}s max={max(waits, default=0):.2f}s (goal p95 <= 2 s)"
    )


if __name__ == "__main__":
    asyncio.run(main())
