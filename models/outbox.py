"""The outbox: every message the bot sends on its own is a row here first.

A feature that has something to say without being asked (a status notice, a request's
announcement to the operator group, a reminder) writes an :class:`OutboxMessage` in the
same transaction as the change that causes it, so the message exists exactly when its
cause does. One dispatcher (``bot.outbox``) sends the rows; the rules it follows live here,
where they can be tested without a messenger:

* **Order per conversation.** Only the oldest unfinished row of a chat may be sent
  (:func:`heads`): a later row of the same chat waits while an earlier one is retrying.
  Only rows of the same or a more urgent priority hold a row back: a status notice does
  not wait behind a broadcast row of the same chat that is still queued.
* **Priority across conversations.** Among the chats that have something to send, rows of
  a lower :class:`Priority` go first (replies, then notices, then bulk).
* **Claimed, not locked.** A process takes a row with a conditional ``UPDATE`` that sets a
  short lease (:func:`claim`); the row is sent outside any transaction and then finished.
  A process that dies mid-send leaves a lease that runs out, and the row is sent again:
  delivery is at least once, and twice only for a message in flight at the moment of a
  crash. The same works on SQLite and PostgreSQL.
* **Retries.** A failed attempt is rescheduled after a growing pause (or the messenger's
  ``retry_after``); after :data:`MAX_ATTEMPTS` the row is given up as ``failed`` and stays
  for staff to see. A chat that blocked the bot fails at once.

``kind`` names the feature's sender (``handlers.delivery``); ``payload`` is what it needs,
kept until the row is sent.
``dedup_key`` makes enqueueing the same message twice a no-op (unique where set).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from tortoise import fields
from tortoise.expressions import F, Q
from tortoise.models import Model

from models import clock, rawsql

__all__ = [
    "LEASE",
    "MAX_ATTEMPTS",
    "OutboxMessage",
    "OutboxStatus",
    "Priority",
    "claim_many",
    "due",
    "enqueue",
    "finish",
    "give_up",
    "heads",
    "pending_count",
    "retry_later",
    "retry_pause",
    "unclaimed",
    "waiting",
]

MAX_ATTEMPTS = 12
RETRY_PAUSES = (1, 2, 5, 15, 30, 60, 120, 300, 600)
"""Seconds before attempt n+1 after n failures (the last value repeats)."""
LEASE = timedelta(seconds=60)
"""How long a claim holds; longer than any one send (PTB's timeouts are 5–20 s)."""
ERROR_MAX = 200


class Priority(IntEnum):
    """Lower goes first across chats; within one chat, rows keep their order."""

    REPLY = 0  # an answer the citizen is waiting for
    NOTICE = 1  # status notices, announcements, reminders, relayed messages
    BULK = 2  # broadcasts


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # given up: blocked chat, permanent error or too many attempts


class OutboxMessage(Model):
    """One message owed to one chat."""

    id = fields.BigIntField(primary_key=True)
    messenger = fields.CharField(max_length=16, description="telegram or bale")
    chat_id = fields.BigIntField(description="the chat it goes to")
    kind = fields.CharField(max_length=48, description="which sender renders and sends it")
    ref = fields.BigIntField(null=True, description="the row it is about (request, event…)")
    payload: dict[str, Any] = fields.JSONField(default=dict, description="the sender's input")
    priority = fields.SmallIntField(default=Priority.NOTICE)
    dedup_key = fields.CharField(max_length=96, null=True, unique=True)
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.PENDING)
    not_before = fields.DatetimeField(description="not sent before this time (retry pause)")
    attempts = fields.IntField(default=0)
    claimed_by = fields.CharField(max_length=96, null=True)
    claimed_until = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=ERROR_MAX, default="")
    message_id = fields.BigIntField(null=True, description="the first message it produced")
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox"
        indexes = (("status", "priority", "id"), ("messenger", "chat_id", "status"))


async def enqueue(
    messenger: str,
    chat_id: int,
    kind: str,
    *,
    payload: dict[str, Any] | None = None,
    ref: int | None = None,
    priority: Priority = Priority.NOTICE,
    dedup_key: str | None = None,
) -> OutboxMessage | None:
    """Owe ``chat_id`` a message; call inside the transaction of its cause.

    Returns None when a row with the same ``dedup_key`` exists already (enqueued by this or
    another process): the message is owed once.
    """
    row = OutboxMessage(
        messenger=messenger,
        chat_id=chat_id,
        kind=kind,
        payload=payload or {},
        ref=ref,
        priority=int(priority),
        dedup_key=dedup_key,
        not_before=clock.now(),
    )
    if dedup_key is None:
        await row.save()
        return row
    # one statement: a taken key neither raises nor aborts the caller's transaction, so no
    # look first and no savepoint (notices to the operator group go on most filings)
    return row if await rawsql.insert_unless_taken(row, "dedup_key") else None


def due(now: datetime):  # type: ignore[no-untyped-def]
    """Pending rows whose time has come (a row waiting out a retry pause is not due)."""
    return OutboxMessage.filter(status=OutboxStatus.PENDING, not_before__lte=now)


def unclaimed(now: datetime) -> Q:
    """Rows no dispatcher holds: never claimed, or their lease ran out."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def waiting(kind: str, ref: int, now: datetime):  # type: ignore[no-untyped-def]
    """The pending rows of ``kind`` about ``ref`` that no dispatcher has in hand (a claimed
    one may be on its way already)."""
    return OutboxMessage.filter(unclaimed(now), kind=kind, ref=ref, status=OutboxStatus.PENDING)


_HEADS = (
    'SELECT o.* FROM "outbox" AS o WHERE o."status"=? AND o."priority"=? AND o."not_before"<=?'
    ' AND (o."claimed_until" IS NULL OR o."claimed_until"<?) AND o."messenger" IN ({messengers})'
    ' AND NOT EXISTS (SELECT 1 FROM "outbox" AS e WHERE e."messenger"=o."messenger"'
    ' AND e."chat_id"=o."chat_id" AND e."status"=? AND e."priority"<=o."priority"'
    ' AND e."id"<o."id") ORDER BY o."id" LIMIT ?'
)
"""A priority's rows that head their chat: no earlier unfinished row of that priority or a
more urgent one in the same chat (due or not, claimed or not)."""


async def heads(messengers: Sequence[str], limit: int) -> list[OutboxMessage]:
    """Rows that may be sent now: each the oldest unfinished row of its chat, not claimed
    by a live lease, past its retry pause; lowest priority first, then oldest.

    The database picks the chats' heads (:data:`_HEADS`, as SQL: see ``models.rawsql``):
    reading candidates and sorting them out here loaded, every round, up to four rounds'
    worth of rows of one busy chat (the operator group's announcements under a burst of
    filings) to send one of them."""
    if not messengers:
        return []
    now = clock.now()
    sql = _HEADS.format(messengers=",".join("?" * len(messengers)))
    found: list[OutboxMessage] = []
    chats: set[tuple[str, int]] = set()  # one row per chat in a round, whatever its priority
    for priority in Priority:
        values = [OutboxStatus.PENDING.value, int(priority), now, now, *messengers]
        candidates = await rawsql.rows(
            OutboxMessage, sql, [*values, OutboxStatus.PENDING.value, limit]
        )
        for row in (OutboxMessage._init_from_db(**found_row) for found_row in candidates):
            if (row.messenger, row.chat_id) not in chats:
                chats.add((row.messenger, row.chat_id))
                found.append(row)
        if len(found) >= limit:
            break
    return found[:limit]


async def claim_many(rows: Sequence[OutboxMessage], owner: str) -> list[OutboxMessage]:
    """Take whichever of ``rows`` are still free (unclaimed or their lease run out, still
    pending and due) for ``owner`` until the lease ends, in one ``UPDATE``; the ones taken,
    in their order.

    A round of the dispatcher claims its rows at once: one statement instead of one per
    row, which on a busy machine is what keeps a broadcast at its configured rate. The
    rows taken are told apart by the exact lease end this call wrote.
    """
    if not rows:
        return []
    now = clock.now()
    until = now + LEASE
    ids = [row.id for row in rows]
    await due(now).filter(unclaimed(now), id__in=ids).update(claimed_by=owner, claimed_until=until)
    taken = set(
        await OutboxMessage.filter(id__in=ids, claimed_by=owner, claimed_until=until).values_list(
            "id", flat=True
        )
    )
    return [row for row in rows if row.id in taken]


async def finish(row: OutboxMessage, owner: str, message_id: int | None = None) -> None:
    """Sent: the row is done, with the id of the first message it produced.

    Its payload is emptied: it served only the sending, and it may hold people's words (an
    operator's answer naming the citizen), which the table must not keep once delivered,
    as the inbox keeps no update once handled. Failed rows keep theirs for staff to see.
    """
    await OutboxMessage.filter(id=row.id, claimed_by=owner).update(
        status=OutboxStatus.SENT,
        finished_at=clock.now(),
        claimed_until=None,
        message_id=message_id,
        payload={},
    )


async def give_up(row: OutboxMessage, owner: str, error: str) -> None:
    """Never to be sent: a blocked chat, a permanent error, or too many attempts."""
    await OutboxMessage.filter(id=row.id, claimed_by=owner).update(
        status=OutboxStatus.FAILED,
        finished_at=clock.now(),
        claimed_until=None,
        attempts=F("attempts") + 1,
        last_error=error[:ERROR_MAX],
    )


def retry_pause(attempts: int) -> float:
    """Seconds to wait after ``attempts`` failures."""
    return float(RETRY_PAUSES[min(max(attempts, 1), len(RETRY_PAUSES)) - 1])


async def retry_later(
    row: OutboxMessage, owner: str, error: str, *, after: float | None = None, count: bool = True
) -> bool:
    """Reschedule after a failed attempt; gives up (and returns False) past the limit.

    ``after`` overrides the pause (a messenger's ``retry_after``); ``count=False`` does not
    spend an attempt (being told to slow down is not the message's fault).
    """
    attempts = row.attempts + (1 if count else 0)
    if attempts >= MAX_ATTEMPTS:
        await give_up(row, owner, error)
        return False
    pause = after if after is not None else retry_pause(attempts)
    await OutboxMessage.filter(id=row.id, claimed_by=owner).update(
        attempts=attempts,
        not_before=clock.now() + timedelta(seconds=pause),
        claimed_until=None,
        last_error=error[:ERROR_MAX],
    )
    return True


async def pending_count(messengers: Iterable[str] | None = None) -> int:
    """Rows still owed (for health checks and tests)."""
    query = OutboxMessage.filter(status=OutboxStatus.PENDING)
    if messengers is not None:
        query = query.filter(messenger__in=list(messengers))
    return await query.count()
