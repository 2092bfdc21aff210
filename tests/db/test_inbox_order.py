"""Which earlier update of a chat a worker must wait for, as the inbox table answers it.

Two webhook workers share one chat's updates; the database is the only place that sees
both. An update waits only for a lower-numbered update of the same messenger and chat
that another live worker still holds.
"""

from __future__ import annotations

from datetime import timedelta

from models import clock, inbox
from models.flood import Verdict, claim_notice, count_message
from models.inbox import Ask

A, B = "webhook:host:8081", "webhook:host:8082"


async def _turn(messenger: str, owner: str, ask: Ask) -> inbox.Turn:
    """What ``owner`` learns about one update asked about alone."""
    [one] = await inbox.turns(messenger, owner, [ask])
    return one


async def _waits(messenger: str, chat: int, update_id: int, owner: str) -> bool:
    return (await _turn(messenger, owner, Ask(chat, update_id))).earlier


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


async def test_the_notice_moves_to_the_last_allowed_update_while_it_is_unanswered(db) -> None:
    """Two workers counted a citizen's updates 31 and 30 in that order: 31 was allowed, 30
    went over the limit. Handled in order, 30's notice would come before 31's answer: 30
    stays silent and 31, once answered, carries the notice, sent once."""
    for update_id in (28, 29, 31):
        assert await inbox.admit("bale", update_id, {"update_id": update_id}, A, chat=7)
        assert await count_message("bale", 7, 3, update_id=update_id) is Verdict.ALLOW
    assert await count_message("bale", 7, 3, update_id=30) is Verdict.WARN
    await inbox.done_many("bale", [28, 29])
    defer = await _turn("bale", A, Ask(7, 30, 7, 3))
    assert defer.defer and not defer.carries
    carrier = await _turn("bale", B, Ask(7, 31, 7, 3))
    assert carrier.carries and not carrier.defer
    assert not (await _turn("bale", A, Ask(7, 29, 7, 3))).carries  # answered only
    assert not (await _turn("bale", B, Ask(7, 31))).carries  # not a counted update
    assert not (await _turn("bale", B, Ask(8, 31, 8, 3))).carries  # another citizen
    assert not (await _turn("telegram", B, Ask(7, 31, 7, 3))).carries
    assert not await claim_notice("bale", 7, 29, carrier=True)  # not the last allowed one
    assert await claim_notice("bale", 7, 31, carrier=True)
    assert not await claim_notice("bale", 7, 31, carrier=True)  # once a minute
    assert not await claim_notice("bale", 7, 30, carrier=False)  # sent already
    assert not (await _turn("bale", A, Ask(7, 30, 7, 3))).defer


async def test_the_update_over_the_limit_keeps_its_notice_once_the_later_one_is_done(
    db,
) -> None:
    """The allowed update numbered after it was answered before it arrived (it came late):
    nothing can follow the notice any more, so it goes with the update over the limit."""
    for update_id in (28, 29, 31):
        assert await inbox.admit("bale", update_id, {"update_id": update_id}, A, chat=7)
        assert await count_message("bale", 7, 3, update_id=update_id) is Verdict.ALLOW
    await inbox.done_many("bale", [28, 29, 31])
    assert await count_message("bale", 7, 3, update_id=30) is Verdict.WARN
    assert not (await _turn("bale", A, Ask(7, 30, 7, 3))).defer
    assert await claim_notice("bale", 7, 30, carrier=False)
    clock.travel(timedelta(minutes=1, seconds=1))
    assert await count_message("bale", 7, 3, update_id=40) is Verdict.ALLOW  # a new minute
    assert not (await _turn("bale", B, Ask(7, 40, 7, 3))).carries


async def test_a_citizen_under_the_limit_costs_no_notice_claims(db) -> None:
    """Every update of a quiet citizen is the highest their minute allowed: only a full
    minute makes it a possible carrier."""
    assert await count_message("bale", 7, 3, update_id=50) is Verdict.ALLOW
    assert not (await _turn("bale", A, Ask(7, 50, 7, 3))).carries
    assert await count_message("bale", 7, 3, update_id=51) is Verdict.ALLOW
    assert await count_message("bale", 7, 3, update_id=52) is Verdict.ALLOW
    assert (await _turn("bale", A, Ask(7, 52, 7, 3))).carries
    assert not await claim_notice("bale", 7, 52, carrier=True)  # nothing over the limit


async def test_updates_asked_about_together_get_each_their_own_answer(db) -> None:
    """A busy worker asks about many chats' updates in one statement: each answer is the
    one that update would get alone, in the order asked."""
    assert await inbox.admit("bale", 10, {"update_id": 10}, A, chat=7)
    for update_id in (28, 29, 31):
        assert await inbox.admit("bale", update_id, {"update_id": update_id}, A, chat=9)
        assert await count_message("bale", 9, 3, update_id=update_id) is Verdict.ALLOW
    assert await count_message("bale", 9, 3, update_id=30) is Verdict.WARN
    await inbox.done_many("bale", [28, 29])
    asks = [Ask(7, 11), Ask(8, 11), Ask(9, 30, 9, 3), Ask(7, 9), Ask(9, 31, 9, 3), Ask(7, 12)]
    together = await inbox.turns("bale", B, asks)
    assert [(t.earlier, t.defer, t.carries) for t in together] == [
        (True, False, False),
        (False, False, False),
        (False, True, False),  # over the limit: its notice goes with 31
        (False, False, False),
        (False, False, True),
        (True, False, False),
    ]
    assert together == [await _turn("bale", B, ask) for ask in asks]
