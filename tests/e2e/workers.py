"""Real ``python -m bot webhook`` (and ``jobs``, ``api``) processes for end-to-end tests,
behind one Bot API stand-in.

Shared by the webhook tests: a test that wants to know the bot keeps nothing between two
updates in memory starts two of these on one database and lets the stand-in round-robin
the citizen's updates over them; a deployment test adds a job worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp

from bot.db import close_db, init_db
from bot.standin import BotApiStandIn
from bot.webhook import webhook_path
from tests.conftest import run_isolated

__all__ = [
    "SECRET",
    "TOKEN",
    "Worker",
    "free_port",
    "in_database",
    "running_workers",
    "seed",
    "worker_env",
]

TOKEN = "123456:TEST-TOKEN"
SECRET = "s3cret-Path_token"
PORT_SETTING = {
    "webhook": "SKEDBOT_WEBHOOK_PORT",
    "jobs": "SKEDBOT_JOBS_PORT",
    "api": "SKEDBOT_API_PORT",
}
"""The setting naming the port each command serves its /healthz on."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def seed(database_url: str) -> None:
    """Load the service catalog into a database the test process has not initialised."""
    from models.catalog import load_catalog
    from models.seeding import seed_catalog

    await init_db(database_url)
    try:
        await seed_catalog(load_catalog())
    finally:
        await close_db()


async def in_database[T](database_url: str, query: Callable[[], Awaitable[T]]) -> T:
    """Run ``query`` against ``database_url`` from the test process, isolated from its ``db``."""

    async def run() -> T:
        await init_db(database_url)
        try:
            return await query()
        finally:
            await close_db()

    return await run_isolated(run())


class Worker:
    """One ``python -m bot <command>`` process; its output goes to a file, not a pipe."""

    def __init__(self, name: str, env: dict[str, str], log: Path, command: str = "webhook") -> None:
        self.name = name
        self.command = command
        self.port = int(env[PORT_SETTING[command]])
        self.env = env
        self.log = log.with_suffix(".log")
        self.process: asyncio.subprocess.Process | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def webhook_url(self, messenger: str = "bale") -> str:
        return self.base + webhook_path(messenger, SECRET)

    async def start(self, cwd: Path) -> None:
        with self.log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", self.command,
                env=self.env, cwd=cwd, stdout=out, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip

    async def wait_healthy(self, http: aiohttp.ClientSession, timeout: float = 60.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        assert self.process is not None
        while loop.time() < deadline:
            if self.process.returncode is not None:
                break
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(self.base + "/healthz") as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.1)
        raise AssertionError(f"worker {self.name} not healthy: {self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]

    async def stop(self) -> int | None:
        """SIGTERM (a clean stop), then SIGKILL if it does not go within 10 s."""
        process = self.process
        if process is None or process.returncode is not None:
            return process.returncode if process else None
        process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            return await process.wait()


def worker_env(
    standin: BotApiStandIn, database_url: str, folder: Path, **settings: str
) -> dict[str, str]:
    """The environment of a worker process: this one's, with the bot's settings replaced."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKEDBOT_")}
    env.update(
        SKEDBOT_DATABASE_URL=database_url,
        SKEDBOT_BALE_TOKEN=TOKEN,
        SKEDBOT_BALE_BASE_URL=standin.base_url,
        SKEDBOT_BALE_BASE_FILE_URL=standin.base_file_url,
        SKEDBOT_WEBHOOK_SECRET=SECRET,
        SKEDBOT_STORAGE_DIR=str(folder / "documents"),
        SKEDBOT_LOG_LEVEL="WARNING",
        SKEDBOT_DIGEST_HOUR="24",  # no daily digest in the group unless a test asks for one
    )
    env.update({f"SKEDBOT_{key.upper()}": value for key, value in settings.items()})
    return env


@contextlib.asynccontextmanager
async def running_workers(
    standin: BotApiStandIn,
    database_url: str,
    folder: Path,
    names: tuple[str, ...] = ("a", "b"),
    jobs: tuple[str, ...] = (),
    **settings: str,
) -> AsyncIterator[list[Worker]]:
    """Bale webhook workers on ``database_url``, healthy, talking to ``standin``; then a job
    worker (``skedbot jobs``) for each name in ``jobs``.

    ``settings`` are extra ``SKEDBOT_*`` variables (without the prefix, any case). Every
    worker is stopped on the way out, also when the test failed; delivery is detached first
    so the stand-in does not retry into processes that are going away.
    """
    env = worker_env(standin, database_url, folder, **settings)
    roles = [(name, "webhook") for name in names] + [(name, "jobs") for name in jobs]
    workers = [
        Worker(name, {**env, PORT_SETTING[command]: str(free_port())}, folder / name, command)
        for name, command in roles
    ]
    try:
        async with aiohttp.ClientSession() as http:
            for worker in workers:
                await worker.start(folder)
            for worker in workers:
                await worker.wait_healthy(http)
        yield workers
    finally:
        standin.deliver_to(None)
        for worker in workers:
            await worker.stop()
