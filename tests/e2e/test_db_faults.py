"""PostgreSQL drops the bot's connections mid-traffic (pg_terminate_backend): the bot keeps
running, a citizen caught by it is asked to try again, and the next message works without a
restart (issue 12)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from tortoise import Tortoise

from handlers import texts
from tests.conftest import _admin_connection, pg_url

LOCKED_TABLE = "service_category"
"""Read by «📋 فهرست خدمات» (``handlers.browse``) and by no step of admitting an update or of
/start: a lock on it holds up the one update that lists the categories, after it was taken
in and while it is being handled, and nobody else's."""


async def _bot_database() -> str:
    """The name of this test's own database, the one the bot is connected to."""
    _, [row] = await Tortoise.get_connection("default").execute_query("SELECT current_database()")
    return row["current_database"]


async def _kill_connections() -> int:
    """Terminate every connection to this test's own database (never another's)."""
    database = await _bot_database()
    conn = await _admin_connection()
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            database,
        )
    finally:
        await conn.close()
    return len(rows)


async def _backends_waiting_on_a_lock(conn: Any, database: str, timeout: float = 10.0) -> list[int]:
    """The bot's backends that wait for a lock, once there is one (polled, bounded): the
    moment the held-up update is inside a statement, neither before nor after it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        waiting = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'"
            " AND pid <> pg_backend_pid()",
            database,
        )
        if waiting:
            return [row["pid"] for row in waiting]
        if loop.time() > deadline:
            raise TimeoutError(f"no backend of the bot waited on {LOCKED_TABLE} in {timeout}s")
        await asyncio.sleep(0.02)


@pytest.mark.backend("postgres")
async def test_the_bot_survives_killed_database_connections(harness) -> None:
    person = harness.person(1001, "مریم")
    await person.send_command("/start")
    await person.wait_for_reply()

    assert await _kill_connections() > 0
    await person.send_text(texts.BTN_SERVICES)
    [answer] = await person.wait_for_reply(timeout=15)
    # either the pool reconnected at once (a normal answer) or the citizen is asked to retry
    assert answer.text in (texts.CATEGORIES, texts.INTERNAL_ERROR)

    await person.send_text(texts.BTN_SERVICES)  # and the bot has recovered by itself
    [again] = await person.wait_for_reply(timeout=15)
    assert again.text == texts.CATEGORIES


@pytest.mark.backend("postgres")
async def test_a_connection_killed_mid_update_gets_its_citizen_an_apology(harness) -> None:
    """The connection is killed while it runs one citizen's statement (held up by a lock
    this test takes), so the failure is certain to hit an update in flight: that citizen
    is told to try again, once; another citizen writing meanwhile is answered as usual;
    and the next message works with the same bot, nothing restarted."""
    maryam = harness.person(1001, "مریم")
    reza = harness.person(1002, "رضا")
    for person in (maryam, reza):
        await person.send_command("/start")
        await person.wait_for_reply()

    database = await _bot_database()
    conn = await asyncpg.connect(pg_url(database))
    try:
        lock = conn.transaction()
        await lock.start()
        await conn.execute(f'LOCK TABLE "{LOCKED_TABLE}" IN ACCESS EXCLUSIVE MODE')
        await maryam.send_text(texts.BTN_SERVICES)
        [stuck] = await _backends_waiting_on_a_lock(conn, database)

        await reza.send_command("/start")  # only Maryam's update is held up
        [welcome] = await reza.wait_for_reply(timeout=10)
        assert welcome.text == texts.WELCOME.format(name=" رضا")

        assert await conn.fetchval("SELECT pg_terminate_backend($1)", stuck)
        await lock.rollback()
    finally:
        await conn.close()

    [answer] = await maryam.wait_for_reply(timeout=10)
    assert answer.text == texts.INTERNAL_ERROR

    await maryam.send_text(texts.BTN_SERVICES)  # recovered by itself
    [again] = await maryam.wait_for_reply(timeout=10)
    assert again.text == texts.CATEGORIES
    # one apology, and no late answer to the killed update
    assert [m.text for m in maryam.inbox][1:] == [texts.INTERNAL_ERROR, texts.CATEGORIES]

    await reza.send_text(texts.BTN_SERVICES)
    [listed] = await reza.wait_for_reply(timeout=10)
    assert listed.text == texts.CATEGORIES
    assert texts.INTERNAL_ERROR not in [m.text for m in reza.inbox]
