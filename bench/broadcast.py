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
import os
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.broadcast_pace import FIRST_CITIZEN, SEARCHER, report, write_trace  # noqa: E402
from bot.db import close_db, init_db, prepare_database  # noqa: E402
from bot.standin import BotApiStandIn  # noqa: E402
from bot.webhook import webhook_path  # noqa: E402
from handlers import texts  # noqa: E402
from handlers.broadcast import citizen_text  # noqa: E402
from models import clock  # noqa: E402
from models.broadcast import Broadcast, BroadcastState  # noqa: E402
from models.citizen import Citizen  # noqa: E402
from models.outbox import OutboxMessage, OutboxStatus  # noqa: E402
from tests.e2e.workers import SECRET, TOKEN, worker_env  # noqa: E402

TEXT = "اطلاعیه: فردا ساعت ۱۰ تا ۱۲ برق شهرک صنعتی برای تعمیرات قطع است."


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
    standin: BotApiStandIn,
    stop: asyncio.Event,
    waits: list[float],
    up: asyncio.Event,
    apologies: list[float],
) -> None:
    """A citizen searching once a second while the broadcast runs (and a process is up).

    An answer that is the bot's apology for a failed update (its reply was rejected with
    the rate-limit error) is timed like the others and also counted in ``apologies``."""
    person = standin.person(user_id=SEARCHER, first_name="مریم")
    while not stop.is_set():
        await up.wait()
        restarts = RESTARTS[0]
        started = time.monotonic()
        await person.send_text("کنتورم خراب شده")
        try:
            answers = await person.wait_for_reply(timeout=30)
            wait = time.monotonic() - started
        except TimeoutError:
            answers, wait = [], 30.0
        if RESTARTS[0] == restarts:
            waits.append(wait)
            if any(a.text == texts.INTERNAL_ERROR for a in answers):
                apologies.append(wait)
        await asyncio.sleep(1.0)


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
        env = worker_env(standin, url, folder, bale_rate=str(args.rate), flood_limit="1000")
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
        apologies: list[float] = []
        bot = await launch()
        search = asyncio.create_task(searcher(standin, stop, waits, up, apologies))

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
        report(
            args, bots, standin, sent, clean_sent, before_kill, killed_in_flight, waits, apologies
        )
        write_trace(folder / "trace.json", bots, standin.calls)
        print(f"wall={elapsed:.0f}s{' TIMED OUT' if timed_out else ''} load after: {load()}")


if __name__ == "__main__":
    asyncio.run(main())
