"""What an inbox row keeps: a citizen's words until their update is handled, then its key."""

from __future__ import annotations

from datetime import timedelta

from models import clock, inbox
from models.inbox import InboundUpdate

A = "webhook:host:8081"


async def test_a_finished_update_keeps_its_key_and_forgets_the_citizens_words(db) -> None:
    words = {"update_id": 5, "message": {"text": "کد ملی من ۱۲۳۴۵۶۷۸۹۰ است"}}
    for update_id in (5, 6):
        assert await inbox.admit("bale", update_id, {**words, "update_id": update_id}, A, chat=7)
    assert await inbox.admit("telegram", 5, words, A, chat=7)
    await inbox.done_many("bale", [5, 6])
    await inbox.done_many("bale", [])  # nothing finished: nothing written
    done = await InboundUpdate.filter(messenger="bale").order_by("update_id")
    assert [(row.update_id, row.payload, row.claimed_until) for row in done] == [
        (5, "", None),
        (6, "", None),
    ]
    assert all(row.done_at is not None for row in done)
    other = await InboundUpdate.get(messenger="telegram", update_id=5)
    assert other.done_at is None and "\\u06a9\\u062f" in other.payload  # not this messenger's
    assert not await inbox.admit("bale", 5, words, A, chat=7)  # a redelivery is still known


async def test_a_backlog_of_marks_larger_than_one_statement_is_marked_whole(db) -> None:
    """A worker whose database was slow may have thousands of updates to mark at once: more
    than one PostgreSQL statement may carry (32,767 values; asyncpg refuses the statement)."""
    many = 33_007
    for start in range(0, many, 1000):
        batch = [(i, {"update_id": i}, i % 50) for i in range(start, min(start + 1000, many))]
        assert len(await inbox.admit_many("bale", batch, A)) == len(batch)
    await inbox.done_many("bale", list(range(many)))
    assert await InboundUpdate.filter(done_at__isnull=True).count() == 0
    assert await InboundUpdate.filter(done_at__isnull=False).count() == many


async def test_finished_keys_are_forgotten_after_two_days_and_unfinished_ones_never(db) -> None:
    """The table keeps a redelivery recognisable for :data:`~models.inbox.KEEP_FINISHED`,
    not forever; an update nobody finished is kept whatever its age (it is still owed)."""
    for update_id in (1, 2, 3):
        assert await inbox.admit("bale", update_id, {"update_id": update_id}, A, chat=7)
    await inbox.done_many("bale", [1])
    clock.travel(timedelta(days=1))
    await inbox.done_many("bale", [2])
    clock.travel(inbox.KEEP_FINISHED - timedelta(days=1) + timedelta(minutes=1))
    assert await inbox.purge_finished() == 1
    assert not await inbox.admit("bale", 2, {"update_id": 2}, A, chat=7)  # still known
    assert sorted(await InboundUpdate.all().values_list("update_id", flat=True)) == [2, 3]
    assert await inbox.admit("bale", 1, {"update_id": 1}, A, chat=7)  # forgotten: new again
