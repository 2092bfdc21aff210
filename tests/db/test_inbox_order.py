"""Which earlier update of a chat a worker must wait for, as the inbox table answers it.

Two webhook workers share one chat's updates; the database is the only place that sees
both. An update waits only for a lower-numbered update of the same messenger and chat
that another live worker still holds.
"""

from __future__ import annotations

from datetime import timedelta

from models import clock, inbox

A, B = "webhook:host:8081", "webhook:host:8082"


async def test_an_earlier_update_on_another_worker_is_waited_for_until_done(db) -> None:
    assert await inbox.admit("bale", 10, {"update_id": 10}, A, chat=7)
    assert await inbox.earlier_unfinished("bale", 7, 11, B)
    assert not await inbox.earlier_unfinished("bale", 7, 11, A)  # its own: kept in memory
    assert not await inbox.earlier_unfinished("bale", 7, 9, B)  # a later one never blocks
    assert not await inbox.earlier_unfinished("bale", 8, 11, B)  # another chat
    assert not await inbox.earlier_unfinished("telegram", 7, 11, B)  # another messenger
    await inbox.done("bale", 10)
    assert not await inbox.earlier_unfinished("bale", 7, 11, B)


async def test_a_dead_workers_update_stops_counting_when_its_lease_runs_out(db) -> None:
    assert await inbox.admit("bale", 20, {"update_id": 20}, A, chat=7)
    assert await inbox.admit("bale", 21, {"update_id": 21}, A)  # no chat: orders nothing
    assert await inbox.earlier_unfinished("bale", 7, 22, B)
    clock.travel(inbox.LEASE + timedelta(seconds=1))
    assert not await inbox.earlier_unfinished("bale", 7, 22, B)
    [taken] = [row.update_id for row in await inbox.reclaim(["bale"], B) if row.chat == 7]
    assert taken == 20 and not await inbox.earlier_unfinished("bale", 7, 22, B)
    assert await inbox.earlier_unfinished("bale", 7, 22, A)  # now B holds it, alive
