"""PostgreSQL drops the bot's connections mid-traffic (pg_terminate_backend): the bot keeps
running, a citizen caught by it is asked to try again, and the next message works without a
restart (issue 12)."""

from __future__ import annotations

import pytest
from tortoise import Tortoise

from handlers import texts
from tests.conftest import _admin_connection


async def _kill_connections() -> int:
    """Terminate every connection to this test's own database (never another's)."""
    _, [row] = await Tortoise.get_connection("default").execute_query("SELECT current_database()")
    conn = await _admin_connection()
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            row["current_database"],
        )
    finally:
        await conn.close()
    return len(rows)


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
