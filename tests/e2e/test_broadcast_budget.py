"""Two ``skedbot webhook`` processes share one broadcast and one rate budget.

The messengers limit a bot token, not a process: two workers must together stay under
the configured rate, not each. Both processes take rows of the same broadcast (the outbox
records who sent each), and the stand-in's clock shows the pace they kept together.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.standin import BotApiStandIn
from models import clock
from models.broadcast import Broadcast, BroadcastState
from models.citizen import Citizen
from models.outbox import OutboxMessage, OutboxStatus
from tests.conftest import run_isolated
from tests.e2e.workers import TOKEN, in_database, running_workers, seed

RATE = 8
RECIPIENTS = 40
ADMIN = 9001


async def _start_broadcast() -> None:
    for uid in range(5001, 5001 + RECIPIENTS):
        await Citizen.create(messenger="bale", user_id=uid, chat_id=uid, first_name="شهروند")
    await Broadcast.create(
        messenger="bale",
        admin_user_id=ADMIN,
        admin_chat_id=ADMIN,
        text="اطلاعیه آزمایشی",
        state=BroadcastState.RUNNING,
        started_at=clock.now(),
    )


async def _senders() -> tuple[int, int]:
    rows = await OutboxMessage.filter(kind="broadcast.message", status=OutboxStatus.SENT)
    return len(rows), len({row.claimed_by for row in rows})


async def test_two_processes_stay_under_one_budget(database_url: str, tmp_path: Path) -> None:
    await run_isolated(seed(database_url))
    async with (
        BotApiStandIn(token=TOKEN, profile="bale") as standin,
        running_workers(standin, database_url, tmp_path, bale_rate=str(RATE), rate_reserve="0.25"),
    ):
        await in_database(database_url, _start_broadcast)
        async with asyncio.timeout(60):
            while (await in_database(database_url, _senders))[0] < RECIPIENTS:
                await asyncio.sleep(0.5)
        sent, processes = await in_database(database_url, _senders)
    assert sent == RECIPIENTS and processes == 2  # both workers took part
    times = sorted(
        call.at
        for call in standin.calls_to("sendMessage")
        if call.status == 200 and str(call.params.get("chat_id")) != str(ADMIN)  # not the report
    )
    assert len(times) == RECIPIENTS  # nobody twice
    # A full bucket (one second's worth) may go at once; the rest at RATE a second, for
    # both processes together (each alone at RATE would finish in half the time).
    bulk_capacity = RATE * (1 - 0.25)
    span = times[-1] - times[0]
    assert span >= (RECIPIENTS - bulk_capacity - 1) / RATE * 0.9, span
    for i, start in enumerate(times):
        in_window = sum(1 for t in times[i:] if t < start + 1.0)
        assert in_window <= RATE + 1 or start < times[0] + 1.0, (start, in_window)
