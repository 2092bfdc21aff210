"""One citizen's quick messages, spread over two ``skedbot webhook`` workers, answered in order.

Behind a load balancer the stand-in hands the citizen's updates round-robin to two real
worker processes, so messages 1, 3, 5… land on one and 2, 4, 6… on the other. Each worker
keeps its own updates in order in memory; only the database (``inbound_update.chat``)
makes the second worker wait for the first one's earlier update. The citizen sends eight
tracking codes one right after another, without waiting for any answer, and must read the
eight answers in the order the questions were asked (without the cross-worker wait, most
runs show an answer overtaken by a later one).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.standin import BotApiStandIn
from handlers import texts
from handlers.render import fa
from models.identifiers import new_tracking_code
from tests.conftest import run_isolated
from tests.e2e.workers import TOKEN, running_workers, seed

CITIZEN = 1001
MESSAGES = 8
REPLY_TIMEOUT = 30.0  # two processes and eight updates, on a shared 2-core machine


async def _taken_in(standin: BotApiStandIn) -> None:
    """Wait until a worker has acknowledged (written down) every update sent so far.

    That is what "arrival order" means to the bot: two updates the messenger hands to two
    workers at the very same instant have no order between them until written down. The
    wait is for a few milliseconds of another process's work, not for any answer: the
    messages still arrive far faster than they are answered."""
    async with asyncio.timeout(REPLY_TIMEOUT):
        while standin.pusher.pending_count:
            await asyncio.sleep(0.002)


async def test_quick_messages_over_two_workers_are_answered_in_order(
    database_url: str, tmp_path: Path
) -> None:
    await run_isolated(seed(database_url))
    codes = [new_tracking_code() for _ in range(MESSAGES)]
    async with (
        BotApiStandIn(token=TOKEN, profile="bale") as standin,
        running_workers(standin, database_url, tmp_path, flood_limit="1000") as workers,
    ):
        standin.deliver_to([worker.webhook_url() for worker in workers])
        person = standin.person(CITIZEN, "مریم")
        for code in codes:
            await person.send_text(f"/track {code}")
            await _taken_in(standin)
        chat = standin.state.messages_in(CITIZEN)
        await standin.wait_until(lambda: len(chat) >= MESSAGES, timeout=REPLY_TIMEOUT)

        assert sorted(standin.pusher.deliveries.values()) == [MESSAGES // 2] * 2
        expected = [texts.TRACK_NOT_FOUND.format(code=fa(code)) for code in codes]
        assert [m.text for m in chat] == expected
