"""The flood limit lives in the database: one count per citizen whatever process asks."""

from __future__ import annotations

from datetime import timedelta

from models import clock
from models.flood import FloodWindow, Verdict, count_message, count_messages


async def test_album_counts_once_and_the_window_drains(db) -> None:
    for _ in range(10):  # one album: ten photos, one act
        assert await count_message("bale", 1, 3, album="g1") is Verdict.ALLOW
    assert await count_message("bale", 1, 3) is Verdict.ALLOW
    assert await count_message("bale", 1, 3) is Verdict.ALLOW
    assert await count_message("bale", 1, 3) is Verdict.WARN  # the 4th act: warned once
    assert await count_message("bale", 1, 3) is Verdict.DROP  # then silence
    assert await count_message("bale", 2, 3) is Verdict.ALLOW  # other citizens unaffected
    assert await count_message("telegram", 1, 3) is Verdict.ALLOW  # same id, other messenger
    clock.travel(timedelta(seconds=61))
    assert await count_message("bale", 1, 3) is Verdict.ALLOW  # the window drained
    assert await count_message("bale", 1, 3) is Verdict.ALLOW
    assert await count_message("bale", 1, 3) is Verdict.ALLOW
    assert await count_message("bale", 1, 3, update_id=9) is Verdict.WARN  # a new minute's
    window = await FloodWindow.get(messenger="bale", user_id=1)
    assert (window.count, window.warned_update) == (3, 9)


async def test_concurrent_counts_never_exceed_the_limit(db) -> None:
    """Two workers counting at once: the database serialises them; exactly ``limit`` pass."""
    import asyncio

    verdicts = await asyncio.gather(*(count_message("bale", 7, 5) for _ in range(12)))
    assert verdicts.count(Verdict.ALLOW) == 5
    assert verdicts.count(Verdict.WARN) == 1


async def test_a_batch_counts_each_citizen_as_one_by_one_would(db) -> None:
    """A polled batch counts many citizens in one statement: each verdict is the one that
    counting their message alone gives (the same story told on the other messenger)."""
    history = {1: 3, 2: 4, 3: 1, 4: 1}  # at the limit, warned, under it, minute running out
    for messenger in ("bale", "telegram"):
        for user, messages in history.items():
            for _ in range(messages):
                await count_message(messenger, user, 3)
    clock.travel(timedelta(seconds=30))
    for messenger in ("bale", "telegram"):
        await count_message(messenger, 5, 3)  # a fresh minute
        await count_message(messenger, 1, 3)  # 1 warned
    clock.travel(timedelta(seconds=20))
    seen = []
    for batch in ([1, 2, 3, 5, 6], [2, 3, 5, 6], [4, 5]):
        batched = await count_messages("bale", {user: 100 + user for user in batch}, 3)
        alone = {
            user: await count_message("telegram", user, 3, update_id=100 + user) for user in batch
        }
        assert batched == alone
        seen += batched.values()
    clock.travel(timedelta(seconds=11))  # the first minute is over for 1–4, not for 5
    for batch in ([3, 5, 6, 7], [1, 2, 4, 5]):
        batched = await count_messages("bale", {user: 100 + user for user in batch}, 3)
        alone = {
            user: await count_message("telegram", user, 3, update_id=100 + user) for user in batch
        }
        assert batched == alone
        seen += batched.values()
    assert set(seen) == set(Verdict)  # every kind of verdict came up
    notices = {
        messenger: await FloodWindow.filter(messenger=messenger)
        .order_by("user_id")
        .values_list("user_id", "warned_update")
        for messenger in ("bale", "telegram")
    }
    assert notices["bale"] == notices["telegram"]  # the same update carried each notice
    assert any(update is not None for _, update in notices["bale"])  # a notice in a batch
