"""What faults cost: announcements under injected errors, a poison update, a killed worker.

Three measurements through the Bot API stand-in, printed, never asserted (issue 14):

* ``announce``: 20 citizens reach the summary of an urgent report; then 10% of every
  send call fails (5xx or 429; Bale's 429 is its HTTP 400 "bot limit exceed") while all 20
  confirm. Counts the requests filed, and those whose announcement reached the operator
  group whole (details, photo, status buttons), per messenger.
* ``poison``: a message the library cannot parse (a poll without ``persistent_id``), then
  another citizen's ``/start``: how long the answer takes, how many getUpdates calls and
  how many bytes of log lines that cost, polling and webhook.
* ``kill``: a ``skedbot webhook`` worker acknowledges 300 updates (100 citizens × 3), is
  SIGKILLed while answering them, and is started again: how many were never answered.

    .venv/bin/python bench/faults.py [announce|poison|poison:polling|poison:webhook|kill …]

The script imports the bot from the checkout it lives in (and starts the worker from it),
so the same file measures an older checkout when copied there with its ``bot/standin``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bot.app import build_application, shared_resources  # noqa: E402
from bot.db import close_db, prepare_database  # noqa: E402
from bot.runtime import running_bots  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.standin import BotApiStandIn  # noqa: E402
from bot.webhook import build_webhook_app, webhook_path  # noqa: E402
from handlers.texts import apply as apply_texts  # noqa: E402
from models.request import ServiceRequest  # noqa: E402
from tests.e2e.announced import announced_parts  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
SECRET = "bench-secret"
OPERATOR_CHAT = -1001000
FILINGS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def bot_on(standin: BotApiStandIn, folder: Path, messenger: str, *, polling: bool = True):
    """The real bot in this process, on a fresh SQLite file, against ``standin``."""
    url = f"sqlite://{folder / 'bench.sqlite3'}"
    await prepare_database(url)
    settings = Settings(
        _env_file=None,
        database_url=url,
        storage_dir=folder / "documents",
        flood_limit=1000,
        **{f"{messenger}_operator_chat_id": OPERATOR_CHAT},
    )
    try:
        resources = await shared_resources(settings)
        app = build_application(
            settings, messenger, resources, token=TOKEN,
            base_url=standin.base_url, base_file_url=standin.base_file_url,
        )  # fmt: skip
        async with running_bots([app], resources, polling=polling):
            yield app
    finally:
        await close_db()


async def step(person: Any, action: Any) -> None:
    await action
    await person.wait_for_reply(timeout=10)


def png(seed: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + bytes([seed % 256] * 6) for _ in range(2)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def whole(standin: BotApiStandIn, code: str) -> tuple[bool, bool]:
    """(every part there, some part twice) for one request's announcement."""
    parts = announced_parts(standin.messages(OPERATOR_CHAT), code).values()
    return all(parts), any(n > 1 for n in parts)


async def announce(messenger: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        standin = BotApiStandIn(token=TOKEN, profile=messenger)
        async with standin, bot_on(standin, Path(tmp), messenger):
            if True:
                people = [standin.person(3000 + n, f"شهروند{n}") for n in range(FILINGS)]
                for person in people:
                    await step(person, person.press_data("app:start:safety-hazard"))
                    await step(person, person.press(apply_texts.BTN_SEND_LOCATION))
                    await step(person, person.send_text("سیم برق پاره شده و روی زمین افتاده"))
                    await step(person, person.send_photo(png(person.user_id)))
                    await step(person, person.press(apply_texts.BTN_NEXT))
                    await step(person, person.press(apply_texts.BTN_SEND_CONTACT))
                standin.fail_randomly(0.10, seed=14)
                for person in people:
                    await person.press(apply_texts.BTN_CONFIRM)
                    await asyncio.sleep(0.3)
                # Telegram allows 20 messages a minute in a group, so 20 announcements of
                # 3 messages take about 3 minutes: wait until nothing moves for 30 s.
                codes: list[str] = []
                seen, quiet_since = -1, time.monotonic()
                while time.monotonic() - quiet_since < 30:
                    codes = list(await ServiceRequest.all().values_list("tracking_code", flat=True))
                    if len(codes) == FILINGS and all(whole(standin, c)[0] for c in codes):
                        break
                    now_seen = len(standin.messages(OPERATOR_CHAT))
                    if now_seen != seen:
                        seen, quiet_since = now_seen, time.monotonic()
                    await asyncio.sleep(0.5)
                announced = sum(whole(standin, c)[0] for c in codes)
                twice = sum(whole(standin, c)[1] for c in codes)
                print(
                    f"announce {messenger:8} filed={len(codes)}/{FILINGS} "
                    f"announced_whole={announced}/{len(codes)} with_a_part_twice={twice} "
                    f"faults_injected={standin.injected_faults}"
                )


def poison_update(update_id: int) -> dict[str, Any]:
    user = {"id": 4004, "is_bot": False, "first_name": "پوریا"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1, "date": 1_700_000_000, "from": user,
            "chat": {"id": 4004, "type": "private", "first_name": "پوریا"},
            "poll": {
                "id": "p1", "question": "نظرسنجی", "total_voter_count": 0, "is_closed": False,
                "options": [{"text": "بله", "voter_count": 0}], "is_anonymous": True,
                "type": "regular", "allows_multiple_answers": False,
            },
        },
    }  # fmt: skip


async def poison(mode: str) -> None:
    log_bytes = io.StringIO()
    handler = logging.StreamHandler(log_bytes)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            standin = BotApiStandIn(token=TOKEN, profile="bale")
            async with (
                standin,
                bot_on(standin, Path(tmp), "bale", polling=mode == "polling") as app,
            ):
                if True:
                    runner = None
                    if mode == "webhook":
                        runner = web.AppRunner(build_webhook_app({"bale": app}, SECRET))
                        await runner.setup()
                        port = free_port()
                        await web.TCPSite(runner, "127.0.0.1", port).start()
                        url = f"http://127.0.0.1:{port}" + webhook_path("bale", SECRET)
                        standin.deliver_to([url])
                    before = len(standin.calls_to("getUpdates"))
                    standin.inject_update(poison_update(standin.updates.next_id()))
                    person = standin.person(1001, "مریم")
                    started = time.monotonic()
                    await person.send_command("/start")
                    try:
                        await person.wait_for_reply(timeout=20)
                        answered = f"{time.monotonic() - started:.2f}s"
                    except TimeoutError:
                        answered = "none in 20s"
                    polls = len(standin.calls_to("getUpdates")) - before
                    if runner is not None:
                        standin.deliver_to(None)
                        await runner.cleanup()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    print(
        f"poison   {mode:8} other_citizen_answered={answered} getUpdates={polls} "
        f"log_bytes={len(log_bytes.getvalue().encode())}"
    )


async def kill() -> None:
    people, each = 100, 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with BotApiStandIn(token=TOKEN, profile="bale") as standin:
            port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("SKEDBOT_")}
            env.update(
                PYTHONPATH=str(ROOT),
                SKEDBOT_DATABASE_URL=f"sqlite://{folder / 'bench.sqlite3'}",
                SKEDBOT_BALE_TOKEN=TOKEN,
                SKEDBOT_BALE_BASE_URL=standin.base_url,
                SKEDBOT_BALE_BASE_FILE_URL=standin.base_file_url,
                SKEDBOT_WEBHOOK_SECRET=SECRET,
                SKEDBOT_WEBHOOK_PORT=str(port),
                SKEDBOT_STORAGE_DIR=str(folder / "documents"),
                SKEDBOT_FLOOD_LIMIT="1000",
                SKEDBOT_LOG_LEVEL="WARNING",
            )

            async def start() -> asyncio.subprocess.Process:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "webhook", env=env, cwd=folder,
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
                )  # fmt: skip
                async with aiohttp.ClientSession() as http:
                    for _ in range(300):
                        with contextlib.suppress(aiohttp.ClientError):
                            async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                                if r.status == 200:
                                    return process
                        await asyncio.sleep(0.1)
                raise RuntimeError("worker did not start")

            worker = await start()
            standin.slow("sendMessage", 0.03)
            standin.deliver_to([f"http://127.0.0.1:{port}" + webhook_path("bale", SECRET)])
            persons = [standin.person(5000 + n, f"شهروند{n}") for n in range(people)]
            for _ in range(each):
                for person in persons:
                    await person.send_command("/help")
            await standin.wait_until(lambda: standin.pusher.delivered == people * each, 60)
            worker.send_signal(signal.SIGKILL)
            await worker.wait()
            before = sum(min(len(p.inbox), each) for p in persons)
            standin.slow("sendMessage", 0)
            worker = await start()
            with contextlib.suppress(TimeoutError):
                await standin.wait_until(lambda: all(len(p.inbox) >= each for p in persons), 60)
            after = sum(min(len(p.inbox), each) for p in persons)
            extra = sum(max(len(p.inbox) - each, 0) for p in persons)
            standin.deliver_to(None)
            worker.send_signal(signal.SIGTERM)
            await worker.wait()
    total = people * each
    print(
        f"kill     acknowledged={total} answered_before_kill={before} "
        f"never_answered={total - after} answered_twice={extra}"
    )


async def main(which: list[str]) -> None:
    logging.basicConfig(level=logging.CRITICAL)
    if "announce" in which:
        for messenger in ("telegram", "bale"):
            await announce(messenger)
    for mode in ("polling", "webhook"):
        if "poison" in which or f"poison:{mode}" in which:
            await poison(mode)
    if "kill" in which:
        await kill()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or ["announce", "poison", "kill"]))
