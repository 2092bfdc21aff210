"""A flooder whose updates two ``skedbot webhook`` workers counted out of order gets the
limit's answers and then the slow-down notice: one notice, nothing after it, nothing lost.

Each worker counts an update against the flood limit when it takes it in. Two workers
taking one citizen's updates 3 and 4 at the same moment can count 4 first: 4 is the last
one the limit allows, 3 the one over it. Updates are answered in order, so 3's notice would
come before 4's answer (in the benchmark, 2–4 of a flooder's 30 answers came after it);
silencing 4 instead cost the flooder answers the limit allows (13 of 30 with two workers).
Now 3 stays silent and 4, once answered, carries the notice (``models.flood``). The
stand-in here hands 4 to worker B before 3 reaches worker A, while both still hold the
citizen's earlier updates; once with answers that take a moment, once with answers slower
than the order wait, past which each worker stops waiting for the other's earlier update
and goes on.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.orderchecks import ORDER_WAIT
from bot.standin import BotApiStandIn
from handlers import texts
from handlers.render import fa
from models.identifiers import new_tracking_code
from tests.conftest import run_isolated
from tests.e2e.workers import TOKEN, Worker, in_database, running_workers, seed

CITIZEN = 1001
LIMIT = 3
TIMEOUT = 30.0  # two processes on a shared 2-core machine
SLOW_ANSWER = 1.5
"""Seconds each answer takes to send while 3 and 4 are handed in: the citizen's earlier
updates are still in hand on both workers, as in a real flood."""


async def _taken_in(standin: BotApiStandIn) -> None:
    """Wait until the worker has acknowledged (admitted and counted) what it was handed."""
    async with asyncio.timeout(TIMEOUT):
        while standin.pusher.pending_count:
            await asyncio.sleep(0.002)


async def _handed(standin: BotApiStandIn, worker: Worker, update: dict[str, object]) -> None:
    """Deliver one update the messenger holds to ``worker`` alone, and see it taken in."""
    standin.deliver_to(None)
    standin.updates.put_back([update])
    standin.deliver_to([worker.webhook_url()])
    await _taken_in(standin)


async def _finished() -> int:
    from models.inbox import InboundUpdate

    return await InboundUpdate.filter(done_at__isnull=False).count()


@pytest.mark.parametrize(
    "answers_take",
    [
        pytest.param(SLOW_ANSWER, id="answers-slow-a-moment"),
        # each worker gives up waiting for the other's earlier update (the notice among
        # them) and goes on: the flood window must be looked at on that path too
        pytest.param(ORDER_WAIT + 1.0, id="answers-slower-than-the-order-wait"),
    ],
)
async def test_updates_counted_out_of_order_get_their_answers_then_the_notice(
    database_url: str, tmp_path: Path, answers_take: float
) -> None:
    await run_isolated(seed(database_url))
    codes = [new_tracking_code() for _ in range(4)]
    async with (
        BotApiStandIn(token=TOKEN, profile="bale") as standin,
        running_workers(standin, database_url, tmp_path, flood_limit=str(LIMIT)) as (a, b),
    ):
        person = standin.person(CITIZEN, "مریم")
        standin.slow("sendMessage", answers_take)
        standin.deliver_to(None)  # the messenger holds every update until handed below
        for code in codes:
            await person.send_text(f"/track {code}")
        first, second, third, fourth = standin.updates.take_all()
        await _handed(standin, a, first)
        await _handed(standin, b, second)
        await _handed(standin, b, fourth)  # counted before the third: the limit's last
        await _handed(standin, a, third)  # over the limit: its notice goes with the fourth
        if answers_take < ORDER_WAIT:
            standin.slow("sendMessage", 0)

        async with asyncio.timeout(TIMEOUT):  # the notice goes after its carrier is done
            while await in_database(database_url, _finished) < len(codes) or len(
                standin.state.messages_in(CITIZEN)
            ) < len(codes):
                await asyncio.sleep(0.05)
        answers = [m.text for m in standin.state.messages_in(CITIZEN)]
        expected = [texts.TRACK_NOT_FOUND.format(code=fa(code)) for code in codes]
        assert answers == [*expected[:2], expected[3], texts.FLOOD]
