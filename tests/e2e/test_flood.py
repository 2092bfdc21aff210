"""A flood of messages gets one Persian warning, not a reply each, and the bot stays usable."""

from __future__ import annotations

import asyncio

from handlers import texts
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
