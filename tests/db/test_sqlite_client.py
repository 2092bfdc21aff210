"""The bot's SQLite statements run on the event loop, yet another program's write lock
neither fails them nor freezes the bot: a back-office tool (or a second worker) writing to
the same file holds SQLite's write lock; meanwhile the bot reads, its own write waits without
blocking the loop, and lands once the lock is released.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

from bot.db import close_db, init_db
from bot.sqlite_client import BUSY_TIMEOUT_MS
from models.citizen import Citizen
from tests.conftest import run_isolated

pytestmark = pytest.mark.backend("sqlite")


async def _bot_under_back_office_lock(database_url: str) -> None:
    await init_db(database_url)
    try:
        await Citizen.create(messenger="telegram", user_id=1, chat_id=1, first_name="یک")
        back_office = sqlite3.connect(database_url.removeprefix("sqlite://"), isolation_level=None)
        back_office.execute("BEGIN IMMEDIATE")  # the write lock, held
        back_office.execute("UPDATE citizen SET first_name = 'دفتر' WHERE user_id = 1")

        read = await Citizen.get(user_id=1)  # WAL: readers are not blocked by a writer
        assert read.first_name == "یک"

        write = asyncio.create_task(
            Citizen.create(messenger="telegram", user_id=2, chat_id=2, first_name="دو")
        )
        started = time.monotonic()
        for _ in range(50):  # the loop keeps turning while the write waits for the lock
            await asyncio.sleep(0)
        # not frozen for the busy timeout (a hang check, not a speed target)
        assert time.monotonic() - started < BUSY_TIMEOUT_MS / 1000 / 2
        assert not write.done(), "the write neither failed nor went through under the lock"

        back_office.execute("COMMIT")
        back_office.close()
        await write

        names = {c.user_id: c.first_name for c in await Citizen.all()}
        assert names == {1: "دفتر", 2: "دو"}
    finally:
        await close_db()


async def test_back_office_lock_delays_a_write_but_loses_nothing(database_url: str) -> None:
    await run_isolated(_bot_under_back_office_lock(database_url))
