"""The flood limit lives in the database: one count per citizen whatever process asks."""

from __future__ import annotations

from datetime import timedelta

from models import clock
from models.flood import Verdict, count_message


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


async def test_concurrent_counts_never_exceed_the_limit(db) -> None:
    """Two workers counting at once: the database serialises them; exactly ``limit`` pass."""
    import asyncio

    verdicts = await asyncio.gather(*(count_message("bale", 7, 5) for _ in range(12)))
    assert verdicts.count(Verdict.ALLOW) == 5
    assert verdicts.count(Verdict.WARN) == 1
