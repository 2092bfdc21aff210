"""The processes and databases of ``bench/e2e.py``: real bots, measured from outside.

:class:`BotProcess` is one process (``skedbot run``, a ``skedbot webhook`` worker, or the
bare echo bot of ``bench/e2e_echo.py``), with its CPU time read from ``/proc/PID/stat``
and its peak RSS (``VmHWM``) from ``/proc/PID/status``. :func:`database` gives a fresh
SQLite file or PostgreSQL database, migrated and seeded, and removes it afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.db import close_db, init_db, prepare_database  # noqa: E402
from bot.standin import BotApiStandIn  # noqa: E402
from bot.webhook import webhook_path  # noqa: E402

SECRET = "e2e-bench-secret"
OPERATOR_CHAT = -1_001_000
ADMIN = 9001
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BotProcess:
    """One bot process; its output goes to ``log``."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, port: int = 0) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.port = port
        self.process: asyncio.subprocess.Process | None = None
        self._cpu_mark = 0.0

    async def start(self) -> None:
        with self.log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                *self.args, env=self.env, cwd=ROOT, stdout=out, stderr=asyncio.subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _cpu(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS * 1000  # utime + stime, ms

    def mark(self) -> None:
        """CPU is counted from now (start-up is not the load)."""
        self._cpu_mark = self._cpu()

    def cpu_ms(self) -> float:
        return self._cpu() - self._cpu_mark

    def peak_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def log_errors(self) -> list[str]:
        """The error lines of this process's log (the bench prints them: the log goes)."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if "ERROR" in line or "Traceback" in line]

    async def ready_polling(self, standin: BotApiStandIn, timeout: float = 90) -> None:
        await self._until(lambda: bool(standin.calls_to("getUpdates")), timeout)

    async def ready_webhook(self, http: aiohttp.ClientSession, timeout: float = 90) -> None:
        async def healthy() -> bool:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{self.port}/healthz") as r:
                    return r.status == 200
            return False

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await healthy():
            self._alive()
            if loop.time() > deadline:
                raise TimeoutError(f"{self.log.name}: not healthy")
            await asyncio.sleep(0.2)

    async def _until(self, ready, timeout: float) -> None:  # type: ignore[no-untyped-def]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not ready():
            self._alive()
            if loop.time() > deadline:
                raise TimeoutError(f"{self.log.name}: not ready")
            await asyncio.sleep(0.2)

    def _alive(self) -> None:
        if self.process is not None and self.process.returncode is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.log.name} exited {self.process.returncode}: {tail}")

    async def stop(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _in_child(*args: str) -> None:
    """Run this file's ``__main__`` with ``args``: Tortoise keeps per-process state (cached
    SQL of one dialect) that must not meet a second database kind in the bench process."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, *args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    if await child.wait() != 0:
        raise RuntimeError(f"{args[0]} failed")


@contextlib.asynccontextmanager
async def database(kind: str, folder: Path, audience: int, first: int) -> AsyncIterator[str]:
    """A fresh, migrated and seeded database with ``audience`` citizens from ``first`` who
    never write (a broadcast's audience); dropped (PostgreSQL) afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        url = f"sqlite://{folder / 'bench.sqlite3'}"
        await _in_child("prepare", url, str(first), str(audience))
        yield url
        return
    import asyncpg

    name = f"skedbot_e2e_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgres://postgres@127.0.0.1:5432/{name}"
        await _in_child("prepare", url, str(first), str(audience))
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def start_broadcast(url: str) -> None:
    """An admin's broadcast to every citizen, running from now."""
    await _in_child("broadcast", url)


async def _prepare(url: str, first: int, count: int) -> None:
    from models.citizen import Citizen

    await prepare_database(url)
    try:
        rows = [
            Citizen(messenger="telegram", user_id=uid, chat_id=uid, first_name="ش")
            for uid in range(first, first + count)
        ]
        if rows:
            await Citizen.bulk_create(rows, batch_size=500)
    finally:
        await close_db()


async def _broadcast(url: str) -> None:
    from models import clock
    from models.broadcast import Broadcast, BroadcastState

    await init_db(url)
    try:
        await Broadcast.create(
            messenger="telegram", admin_user_id=ADMIN, admin_chat_id=ADMIN,
            text="اطلاعیه: فردا ساعت ۱۰ تا ۱۲ برق شهرک صنعتی برای تعمیرات قطع است.",
            state=BroadcastState.RUNNING, started_at=clock.now(),
        )  # fmt: skip
    finally:
        await close_db()


def _base_env(standin: BotApiStandIn) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKEDBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


async def skedbot(
    standin: BotApiStandIn,
    url: str,
    folder: Path,
    processes: int,
    settings: dict[str, str],
    profile: Path | None = None,
) -> list[BotProcess]:
    """One ``skedbot run`` or ``processes`` webhook workers, ready for traffic."""
    env = _base_env(standin)
    env.update(
        SKEDBOT_DATABASE_URL=url,
        SKEDBOT_TELEGRAM_TOKEN=standin.token,
        SKEDBOT_TELEGRAM_BASE_URL=standin.base_url,
        SKEDBOT_TELEGRAM_BASE_FILE_URL=standin.base_file_url,
        SKEDBOT_TELEGRAM_OPERATOR_CHAT_ID=str(OPERATOR_CHAT),
        SKEDBOT_TELEGRAM_ADMIN_IDS=str(ADMIN),
        SKEDBOT_WEBHOOK_SECRET=SECRET,
        SKEDBOT_STORAGE_DIR=str(folder / "documents"),
        SKEDBOT_LOG_LEVEL="WARNING",
        SKEDBOT_DIGEST_HOUR="24",
    )
    env.update({f"SKEDBOT_{k}": v for k, v in settings.items()})
    command = "run" if processes == 1 else "webhook"
    procs = []
    for i in range(processes):
        port = free_port()
        args = [sys.executable, "-m", "bot", command]
        if profile is not None:
            profile.mkdir(parents=True, exist_ok=True)
            out = profile / f"{command}-{i}.pyisession"
            args = [sys.executable, "-m", "pyinstrument", "-r", "pyisession", "-o", str(out),
                    "-m", "bot", command]  # fmt: skip
        worker_env = {**env, "SKEDBOT_WEBHOOK_PORT": str(port)}
        proc = BotProcess(args, worker_env, folder / f"{i}.log", port)
        await proc.start()
        procs.append(proc)
    if processes == 1:
        await procs[0].ready_polling(standin)
    else:
        await _round_robin(standin, procs, webhook_path("telegram", SECRET), SECRET)
    return procs


async def _round_robin(
    standin: BotApiStandIn, procs: list[BotProcess], path: str, secret: str | None = None
) -> None:
    """Once every webhook worker answers its health check, the stand-in posts updates to
    them in turn."""
    async with aiohttp.ClientSession() as http:
        for proc in procs:
            await proc.ready_webhook(http)
    standin.deliver_to([f"http://127.0.0.1:{p.port}{path}" for p in procs], secret_token=secret)


async def echo_bot(standin: BotApiStandIn, folder: Path, processes: int = 1) -> list[BotProcess]:
    """The bare echo bot (``bench/e2e_echo.py``): one polling process, or ``processes``
    webhook workers behind the stand-in's round robin, ready for traffic."""
    echo = Path(__file__).with_name("e2e_echo.py")
    env = {**_base_env(standin), "E2E_TOKEN": standin.token}
    base = [sys.executable, str(echo), standin.base_url, standin.base_file_url]
    if processes == 1:
        proc = BotProcess(base, env, folder / "echo.log")
        await proc.start()
        await proc.ready_polling(standin)
        return [proc]
    procs = []
    for i in range(processes):
        port = free_port()
        args = [*base, "webhook", str(port), "/echo"]
        proc = BotProcess(args, env, folder / f"echo-{i}.log", port)
        await proc.start()
        procs.append(proc)
    await _round_robin(standin, procs, "/echo")
    return procs


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        asyncio.run(_prepare(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    elif sys.argv[1] == "broadcast":
        asyncio.run(_broadcast(sys.argv[2]))
