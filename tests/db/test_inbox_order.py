"""Which earlier update of a chat a worker must wait for, as the inbox table answers it.

Two webhook workers share one chat's updates; the database is the only place that sees
both. An update waits only for a lower-numbered update of the same messenger and chat
that another live worker still holds.
"""

from __future__ import annotations

from datetime import timedelta

from models import clock, inbox
from models.flood import Verdict, count_message

A, B = "webhook:host:8081", "webhook:host:8082"


async def _waits(messenger: str, chat: int, update_id: int, owner: str) -> bool:
    return (await inbox.turn(messenger, chat, update_id, owner)).earlier


async def test_an_earlier_update_on_another_worker_is_waited_for_until_done(db) -> None:
    assert await inbox.admit("bale", 10, {"update_id": 10}, A, chat=7)
    assert await _waits("bale", 7, 11, B)
    assert not await _waits("bale", 7, 11, A)  # its own: kept in memory
    assert not await _waits("bale", 7, 9, B)  # a later one never blocks
    assert not await _waits("bale", 8, 11, B)  # another chat
    assert not await _waits("telegram", 7, 11, B)  # another messenger
    await inbox.done("bale", 10)
    assert not await _waits("bale", 7, 11, B)


async def test_a_dead_workers_update_stops_counting_when_its_lease_runs_out(db) -> None:
    assert await inbox.admit("bale", 20, {"update_id": 20}, A, chat=7)
    assert await inbox.admit("bale", 21, {"update_id": 21}, A)  # no chat: orders nothing
    assert await _waits("bale", 7, 22, B)
    clock.travel(inbox.LEASE + timedelta(seconds=1))
    assert not await _waits("bale", 7, 22, B)
    [taken] = [row.update_id for row in await inbox.reclaim(["bale"], B) if row.chat == 7]
    assert taken == 20 and not await _waits("bale", 7, 22, B)
    assert await _waits("bale", 7, 22, A)  # now B holds it, alive


async def test_an_update_after_the_slow_down_notice_is_silenced_whoever_counted_it(db) -> None:
    """Two workers counted a citizen's updates 31 and 30 in that order: 31 was allowed,
    30 carried the notice. Handled in order, 31 would be answered after the notice."""
    for update_id in (28, 29, 31):
        assert await count_message("bale", 7, 3, update_id=update_id) is Verdict.ALLOW
    assert await count_message("bale", 7, 3, update_id=30) is Verdict.WARN
    assert (await inbox.turn("bale", 7, 31, B, user=7)).silenced
    assert not (await inbox.turn("bale", 7, 30, A, user=7)).silenced  # the notice itself
    assert not (await inbox.turn("bale", 7, 29, A, user=7)).silenced  # before it: answered
    assert not (await inbox.turn("bale", 7, 31, B)).silenced  # not a counted update
    assert not (await inbox.turn("bale", 8, 31, B, user=8)).silenced  # another citizen
    assert not (await inbox.turn("telegram", 7, 31, B, user=7)).silenced  # another messenger
    clock.travel(timedelta(minutes=1, seconds=1))
    assert not (await inbox.turn("bale", 7, 31, B, user=7)).silenced  # the minute is over
    assert await count_message("bale", 7, 3, update_id=40) is Verdict.ALLOW  # a new minute
    assert not (await inbox.turn("bale", 7, 41, B, user=7)).silenced
