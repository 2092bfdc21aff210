"""A flood of messages gets one Persian warning, not a reply each, and the bot stays usable."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from handlers import texts
from handlers.deps import KEY
from models import clock
from models.flood import FloodWindow
from models.inbox import InboundUpdate
from models.querylog import QueryLog
from tests.e2e.conftest import Harness


async def test_flood_is_throttled_and_recovers(harness: Harness) -> None:
    limit = harness.settings.flood_limit
    person = harness.person()
    for i in range(limit + 15):
        await person.send_text(f"سلام {i}")
    await harness.standin.wait_until(
        lambda: any(m.text == texts.FLOOD for m in person.inbox), timeout=20
    )
    await person.send_text("پایان")  # still inside the minute: dropped silently
    for _ in range(250):  # until the bot has taken every update off its queue
        if harness.app.update_queue.empty():
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)  # and had time to (not) answer the last one
    warnings = [m for m in person.inbox if m.text == texts.FLOOD]
    assert len(warnings) == 1
    assert len(person.inbox) == limit + 1  # one answer per allowed message + one warning
    assert await QueryLog.all().count() == limit  # dropped messages did no work


async def test_the_limit_counts_messages_when_they_arrive(harness: Harness) -> None:
    """A minute is the minute the citizen sent in: answers that lag behind (a busy bot, a
    slow messenger) do not open a fresh window for the rest of a flood."""
    harness.app.bot_data[KEY].flood_limit = 3
    harness.standin.slow("sendMessage", 5.0)  # the first answer holds the chat's queue
    person = harness.person()
    for i in range(8):
        await person.send_text(f"سلام {i}")

    async def all_counted() -> bool:  # the 4th warned about, the 4 past it dropped
        warned = await FloodWindow.filter(warned=True).exists()
        return warned and await InboundUpdate.filter(done_at__isnull=False).count() == 4

    for _ in range(200):
        if await all_counted():
            break
        await asyncio.sleep(0.02)
    assert await all_counted(), "not counted while the first answer was still going out"
    clock.travel(timedelta(minutes=2))  # the rest is handled after their minute is over
    harness.standin.slow("sendMessage", 0)
    await harness.standin.wait_until(
        lambda: any(m.text == texts.FLOOD for m in person.inbox), timeout=20
    )
    await asyncio.sleep(0.5)  # and time to (not) answer the rest
    assert [m.text == texts.FLOOD for m in person.inbox] == [False] * 3 + [True]
