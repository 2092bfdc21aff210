"""Which owed messages the dispatcher may send now: each chat's head, urgent ones first.

One chat's messages go out in the order they were owed (a later notice never overtakes an
earlier one, nor a notice a reply owed before it), whatever is due, claimed or waiting out
a retry pause; across chats, replies before notices before broadcasts, then oldest first.
"""

from __future__ import annotations

from datetime import timedelta

from models import clock, outbox
from models.outbox import OutboxMessage, Priority


async def _owe(chat: int, priority: Priority, messenger: str = "bale") -> OutboxMessage:
    row = await outbox.enqueue(messenger, chat, "message", priority=priority)
    assert row is not None
    return row


async def test_each_chat_is_served_in_order_and_replies_first(db) -> None:
    pausing = await _owe(1, Priority.NOTICE)  # chat 1: waiting out a retry pause…
    pausing.not_before = clock.now() + timedelta(minutes=5)
    await pausing.save(update_fields=["not_before"])
    await _owe(1, Priority.NOTICE)  # …so the one owed after it waits too
    reply = await _owe(2, Priority.REPLY)
    await _owe(2, Priority.NOTICE)  # behind chat 2's reply
    taken = await _owe(3, Priority.NOTICE)  # chat 3: another worker holds it
    assert await outbox.claim_many([taken], "someone else") == [taken]
    broadcast = await _owe(4, Priority.BULK)
    await _owe(5, Priority.BULK)  # chat 5: a broadcast row, then a reply owed after it
    late_reply = await _owe(5, Priority.REPLY)
    await _owe(6, Priority.REPLY, messenger="telegram")  # not this process's messenger

    heads = await outbox.heads(["bale"], limit=10)
    assert [row.id for row in heads] == [reply.id, late_reply.id, broadcast.id]
    assert [row.id for row in await outbox.heads(["bale"], limit=2)] == [reply.id, late_reply.id]

    clock.travel(timedelta(minutes=6))  # the pause is over, and so is the other's lease
    heads = await outbox.heads(["bale", "telegram"], limit=10)
    assert [row.chat_id for row in heads] == [2, 5, 6, 1, 3, 4]
    assert heads[3].id == pausing.id
