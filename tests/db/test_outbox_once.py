"""A message owed once stays owed once, and a second ask for it spoils nothing around it."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models.citizen import Citizen
from models.outbox import OutboxMessage, OutboxStatus, Priority, enqueue


async def test_the_same_message_enqueued_twice_is_one_row_read_back_whole(db) -> None:
    first = await enqueue(
        "bale", 42, "status", payload={"متن": "درخواست شما ثبت شد"}, ref=7,
        priority=Priority.REPLY, dedup_key="status:7:filed",
    )  # fmt: skip
    again = await enqueue("bale", 42, "status", payload={"x": 1}, ref=7, dedup_key="status:7:filed")

    assert first is not None and again is None
    rows = await OutboxMessage.all()
    assert [r.id for r in rows] == [first.id]
    row = rows[0]
    assert (row.messenger, row.chat_id, row.kind, row.ref) == ("bale", 42, "status", 7)
    assert row.payload == {"متن": "درخواست شما ثبت شد"}
    assert (row.priority, row.status, row.attempts) == (Priority.REPLY, OutboxStatus.PENDING, 0)
    assert row.created_at is not None and row.not_before is not None
    assert first.created_at == row.created_at


async def test_a_repeated_key_inside_a_transaction_keeps_the_transaction(db) -> None:
    """On PostgreSQL a failed INSERT aborts the transaction around it: the cause written
    with the notice (here a citizen) must still commit."""
    await enqueue("bale", 42, "status", dedup_key="k")
    async with in_transaction():
        assert await enqueue("bale", 42, "status", dedup_key="k") is None
        await Citizen.create(messenger="bale", user_id=42, chat_id=42)
        assert await enqueue("bale", 43, "status", dedup_key="k2") is not None
    assert await Citizen.filter(user_id=42).count() == 1
    assert sorted(r.dedup_key for r in await OutboxMessage.all()) == ["k", "k2"]


async def test_messages_without_a_key_are_each_owed(db) -> None:
    a = await enqueue("telegram", 5, "relay", payload={"n": 1})
    b = await enqueue("telegram", 5, "relay", payload={"n": 1})
    assert a is not None and b is not None and a.id != b.id
    assert await OutboxMessage.filter(chat_id=5).count() == 2
