"""One chat's turns in a process: lowest update id first, and never stuck by a cancelled
waiter (a webhook request or a shutdown can cancel an update while it waits)."""

from __future__ import annotations

import asyncio

import pytest

from bot.chatturns import ChatTurns, order_of


async def _waiting(turns: ChatTurns, update_id: int, went: list[int]) -> asyncio.Task[None]:
    async def wait_then_note() -> None:
        await turns.enter(order_of(update_id))
        went.append(update_id)

    task = asyncio.create_task(wait_then_note())
    await asyncio.sleep(0)  # it is waiting now
    return task


async def test_waiting_updates_go_lowest_id_first_then_the_chat_is_free() -> None:
    turns, went = ChatTurns(), []
    await turns.enter(order_of(1))
    tasks = [await _waiting(turns, update_id, went) for update_id in (5, 3, 4)]
    for _ in tasks:
        turns.leave()
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert went == [3, 4, 5]
    turns.leave()
    assert turns.idle


async def test_a_cancelled_waiter_is_passed_over() -> None:
    turns, went = ChatTurns(), []
    await turns.enter(order_of(1))
    second = await _waiting(turns, 2, went)
    third = await _waiting(turns, 3, went)
    second.cancel()
    turns.leave()
    await third
    assert went == [3]
    with pytest.raises(asyncio.CancelledError):
        await second


async def test_a_waiter_cancelled_as_its_turn_comes_hands_it_on() -> None:
    turns, went = ChatTurns(), []
    await turns.enter(order_of(1))
    second = await _waiting(turns, 2, went)
    third = await _waiting(turns, 3, went)
    turns.leave()  # the turn is 2's, but 2 has not run yet ...
    second.cancel()  # ... and never will
    with pytest.raises(asyncio.CancelledError):
        await second
    await asyncio.wait_for(third, timeout=1)
    assert went == [3]
    turns.leave()
    assert turns.idle
