"""The shared send budget: tokens taken several at a time never exceed the bucket, and a
reply to an older update waiting in another process is served first."""

from __future__ import annotations

import time

from models.ratebudget import Bucket, RateBudgetRow, Turn, take, take_many

KEY = "telegram:bench"


async def test_take_many_takes_what_is_there_and_keeps_the_reserve_from_bulk(db) -> None:
    bucket = Bucket(rate=0.001, capacity=10, reserve=4)  # no refill worth counting
    assert await take_many(KEY, bucket, bulk=False, most=3) == (3, 0.0)
    assert await take_many(KEY, bucket, bulk=True, most=5) == (3, 0.0)  # 7 left, 4 reserved
    taken, pause = await take_many(KEY, bucket, bulk=True, most=5)
    assert taken == 0 and pause > 0  # bulk stops at the reserve
    assert await take_many(KEY, bucket, bulk=False, most=10) == (4, 0.0)  # replies take it
    assert await take(KEY, bucket, bulk=False) > 0  # empty
    row = await RateBudgetRow.get(key=KEY)
    assert row.tokens < 1.0


async def test_one_at_a_time_is_unchanged(db) -> None:
    bucket = Bucket(rate=0.001, capacity=2, reserve=0)
    assert await take(KEY, bucket, bulk=False) == 0.0
    assert await take(KEY, bucket, bulk=False) == 0.0
    assert await take(KEY, bucket, bulk=False) > 0


async def test_a_fast_budget_is_taken_ahead_a_slow_one_is_not(db) -> None:
    """At 1,000/s a process pays one write for many sends; at 20/s one per send."""
    from bot.ratebudget import BudgetLimiter
    from models.outbox import Priority

    fast = BudgetLimiter("telegram:fast", Bucket(rate=1000, capacity=1000, reserve=200))
    for _ in range(100):
        await fast.acquire(Priority.REPLY)
    row = await RateBudgetRow.get(key="telegram:fast")
    assert row.version <= 3 and row.tokens < 1000 - 50  # refilled meanwhile, a little

    slow = BudgetLimiter("bale:slow", Bucket(rate=20, capacity=20, reserve=4))
    for _ in range(5):
        await slow.acquire(Priority.REPLY)
    row = await RateBudgetRow.get(key="bale:slow")
    assert row.version == 5


async def test_the_oldest_update_waiting_in_any_process_gets_the_next_token(db) -> None:
    bucket = Bucket(rate=0.001, capacity=1, reserve=0)  # no refill worth counting
    here, there = Turn(), Turn()  # two processes sending with one token
    assert await take_many(KEY, bucket, bulk=False, most=1, turn=here, update=5) == (1, 0.0)
    # empty: the other process, answering an older update, claims the next token
    assert (await take_many(KEY, bucket, bulk=False, most=1, turn=there, update=3))[0] == 0
    assert (await RateBudgetRow.get(key=KEY)).turn == 3
    await RateBudgetRow.filter(key=KEY).update(tokens=1.0)  # one token comes
    assert (await take_many(KEY, bucket, bulk=False, most=1, turn=here, update=7))[0] == 0
    assert (await take_many(KEY, bucket, bulk=False, most=1, turn=here))[0] == 0  # a notice
    assert (await take_many(KEY, bucket, bulk=True, most=1, turn=here))[0] == 0  # a broadcast
    assert await take_many(KEY, bucket, bulk=False, most=1, turn=there, update=3) == (1, 0.0)
    row = await RateBudgetRow.get(key=KEY)
    assert row.turn is None  # served: the turn is free again


async def test_a_claim_nobody_renews_lapses(db) -> None:
    """A process that died waiting holds up the others' sends for a moment, not for good."""
    bucket = Bucket(rate=0.001, capacity=1, reserve=0)
    here, there = Turn(), Turn()
    await take_many(KEY, bucket, bulk=False, most=1, turn=here, update=5)
    await take_many(KEY, bucket, bulk=False, most=1, turn=there, update=3)  # claims, dies
    await RateBudgetRow.filter(key=KEY).update(tokens=1.0, turn_until=time.time() - 0.1)
    assert await take_many(KEY, bucket, bulk=False, most=1, turn=here, update=7) == (1, 0.0)


async def test_a_lone_process_claims_nothing(db) -> None:
    """One process keeps its own order: a claim would be a write per send for nothing."""
    bucket = Bucket(rate=0.001, capacity=1, reserve=0)
    alone = Turn()
    await take_many(KEY, bucket, bulk=False, most=1, turn=alone, update=5)
    assert (await take_many(KEY, bucket, bulk=False, most=1, turn=alone, update=6))[0] == 0
    row = await RateBudgetRow.get(key=KEY)
    assert row.turn is None and row.version == 1
