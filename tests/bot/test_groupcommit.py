"""Calls made together are answered by one batch; nothing is lost when a caller goes away
or the batch fails (admission and the order checks depend on both)."""

from __future__ import annotations

import asyncio

import pytest

from bot.groupcommit import GroupCommit


async def test_calls_made_together_share_a_batch_and_each_gets_its_own_answer() -> None:
    batches: list[list[int]] = []

    async def double(items: list[int]) -> list[int]:
        batches.append(items)
        await asyncio.sleep(0.01)
        return [item * 2 for item in items]

    group = GroupCommit(double, most=3)
    first = await asyncio.gather(*(group.ask(n) for n in range(5)))
    assert first == [0, 2, 4, 6, 8]
    assert batches == [[0, 1, 2], [3, 4]]
    assert await group.ask(7) == 14  # an idle group answers a lone call at once
    assert batches[-1] == [7]


async def test_a_failed_batch_fails_each_of_its_callers_and_the_next_batch_runs() -> None:
    async def refuse_odd(items: list[int]) -> list[int]:
        if any(item % 2 for item in items):
            raise ConnectionError("database away")
        return items

    group = GroupCommit(refuse_odd)
    answers = await asyncio.gather(group.ask(1), group.ask(2), return_exceptions=True)
    assert [type(a) for a in answers] == [ConnectionError, ConnectionError]
    assert await group.ask(4) == 4


async def test_an_answer_whose_caller_went_away_is_handed_on() -> None:
    kept: list[int] = []
    release = asyncio.Event()

    async def slow(items: list[int]) -> list[int]:
        await release.wait()
        return items

    async def keep(answer: int) -> None:
        kept.append(answer)

    group = GroupCommit(slow, orphaned=keep)
    gone, stays = asyncio.create_task(group.ask(1)), asyncio.create_task(group.ask(2))
    await asyncio.sleep(0.01)  # both are in the batch that is out
    gone.cancel()
    release.set()
    assert await stays == 2
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert kept == [1]
