"""The shared send budget: tokens taken several at a time never exceed the bucket."""

from __future__ import annotations

from models.ratebudget import Bucket, RateBudgetRow, take, take_many

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
