"""The inbox: every update a messenger hands us is a row here before we say "received".

A messenger forgets an update once we acknowledge it (a webhook's 200, the next
``getUpdates`` offset). Written down first, an acknowledged update survives a crash of the
process that took it: its row stays unfinished, and it is handled again by the same worker
when it restarts, or by any worker once the dead one's lease runs out (:func:`reclaim`).
The unique (messenger, update_id) pair makes a redelivered or replayed update a no-op on
every process (:func:`admit` says it is a duplicate).

The payload is kept as ASCII-escaped JSON text, not a JSON column: an update may carry
strings PostgreSQL's ``jsonb`` refuses (a lone surrogate), and such an update must be
written down and skipped like any other, not refused.

A finished row keeps only its key, so the table never holds citizens' words for longer than
they take to answer; finished keys are purged after :data:`KEEP_FINISHED`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model

from models import clock, rawsql
from models.flood import notice_moves

__all__ = [
    "KEEP_FINISHED",
    "LEASE",
    "Ask",
    "InboundUpdate",
    "Turn",
    "admit",
    "admit_many",
    "done",
    "done_many",
    "purge_finished",
    "reclaim",
    "renew",
    "turns",
]

LEASE = timedelta(seconds=60)
"""A worker renews its claims every few seconds; a claim older than this is a dead worker's."""
MARKS_AT_ONCE = 1000
"""Updates marked done in one statement at most (see :func:`done_many`)."""
KEEP_FINISHED = timedelta(days=2)
"""How long a finished update's key is kept to recognise a redelivery."""


class InboundUpdate(Model):
    """One update as received, until it has been handled."""

    id = fields.BigIntField(primary_key=True)
    messenger = fields.CharField(max_length=16)
    update_id = fields.BigIntField()
    chat = fields.BigIntField(
        null=True,
        description="whose updates it must follow in order (chat or user id)",
    )
    payload = fields.TextField(
        default="", description="the update's JSON (ASCII-escaped), emptied once handled"
    )
    claimed_by = fields.CharField(max_length=96, null=True, description="the worker handling it")
    claimed_until = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField(auto_now_add=True)
    done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbound_update"
        unique_together = (("messenger", "update_id"),)
        indexes = (("done_at", "claimed_until"), ("messenger", "chat", "update_id"))


async def admit(
    messenger: str, update_id: int, payload: dict[str, Any], owner: str, chat: int | None = None
) -> bool:
    """Write the update down, claimed by ``owner``; False if it was seen before.

    ``chat`` is the chat (or, without one, the user) whose updates must be handled in
    order; None for an update that belongs to nobody. The batch's one INSERT, for one: a
    replay meets the unique key and changes nothing."""
    return update_id in await admit_many(messenger, [(update_id, payload, chat)], owner)


async def admit_many(
    messenger: str, updates: list[tuple[int, dict[str, Any], int | None]], owner: str
) -> set[int]:
    """Write a batch of updates down (``(update_id, payload, chat)`` each, as :func:`admit`),
    claimed by ``owner`` for a :data:`LEASE`; returns the ids that were new.

    One multi-row INSERT that skips the ids already known (on any process: the unique key
    decides) and returns those it wrote, instead of a round trip per update: a
    ``getUpdates`` answer under load holds up to 100, and a webhook takes every update
    through here. Written as SQL (see ``models.rawsql``).
    """
    fresh = {update_id: (payload, chat) for update_id, payload, chat in updates}
    if not fresh:
        return set()
    now = clock.now()
    values: list[Any] = []
    for update_id, (payload, chat) in fresh.items():
        encoded = json.dumps(payload, ensure_ascii=True)
        values += [messenger, update_id, chat, encoded, owner, now + LEASE, now]
    written = await rawsql.rows(
        InboundUpdate,
        'INSERT INTO "inbound_update" ("messenger","update_id","chat","payload","claimed_by",'
        '"claimed_until","received_at") VALUES '
        + ",".join(["(?,?,?,?,?,?,?)"] * len(fresh))
        + ' ON CONFLICT ("messenger","update_id") DO NOTHING RETURNING "update_id"',
        values,
    )
    return {row["update_id"] for row in written}


async def done_many(messenger: str, update_ids: list[int]) -> None:
    """Handled (or given up), in one UPDATE: forget their content, keep their keys for
    redeliveries. Every update ends here, so it is written as SQL (``models.rawsql``); a
    backlog of marks (the database was slow) goes in statements of :data:`MARKS_AT_ONCE`,
    far below the databases' limits on a statement's values."""
    now = clock.now()
    for start in range(0, len(update_ids), MARKS_AT_ONCE):
        chunk = update_ids[start : start + MARKS_AT_ONCE]
        await rawsql.execute(
            InboundUpdate,
            'UPDATE "inbound_update" SET "done_at"=?,"payload"=?,"claimed_until"=NULL'
            ' WHERE "messenger"=? AND "update_id" IN (' + ",".join("?" * len(chunk)) + ")",
            [now, "", messenger, *chunk],
        )


async def done(messenger: str, update_id: int) -> None:
    """:func:`done_many` for one update."""
    await done_many(messenger, [update_id])


@dataclass(frozen=True, slots=True)
class Turn:
    """What a webhook worker learns before handling an update of a chat (:func:`turn`)."""

    earlier: bool
    """An earlier update of the chat is still being handled by another live worker: wait."""
    defer: bool = False
    """The update went over the citizen's flood limit, but a later one was allowed and is
    still to be answered: this one stays silent, that one carries the slow-down notice."""
    carries: bool = False
    """The update is the last one the citizen's full minute allowed: once answered, it may
    have to send the notice (``models.flood.claim_notice``)."""


@dataclass(frozen=True, slots=True)
class Ask:
    """One update a webhook worker is about to handle, as :func:`turns` is asked about it."""

    chat: int
    update_id: int
    user: int | None = None
    """The citizen whose flood window to look at (None: the update is not counted)."""
    limit: int = 0
    """Their flood limit."""


_ASK_ROW = "(" + ",".join(["CAST(? AS BIGINT)"] * 5) + ")"
"""One ask as the statement's VALUES row; cast, or PostgreSQL would take them for text."""
_EARLIER = (
    'EXISTS(SELECT 1 FROM "inbound_update" AS e WHERE e."messenger"=? AND e."chat"=v."chat"'
    ' AND e."update_id"<v."update_id" AND e."done_at" IS NULL AND e."claimed_until">?'
    ' AND (e."claimed_by" IS NULL OR e."claimed_by"<>?))'
)


async def turns(messenger: str, owner: str, asks: list[Ask]) -> list[Turn]:
    """Is it each update's turn, and where does its slow-down notice go? In ``asks``' order.

    Messengers number updates increasingly, so "earlier" is a lower ``update_id``. Only
    other workers' rows count (this worker keeps its own in order in memory), and only while
    their claim holds: a dead worker's update is recovered after :data:`LEASE` and must not
    hold the chat up meanwhile. For counted updates the flood window says whether the
    notice moves (``models.flood.notice_moves``).

    Every update a webhook worker handles is asked about, so the updates asked about at the
    same moment, of any chats, share one statement of indexed lookups (as SQL, see
    ``models.rawsql``): a round trip each was 1.35 of a webhook worker's 7.2 statements
    per update in the benchmark."""
    if not asks:
        return []
    values: list[Any] = []
    for n, ask in enumerate(asks):
        values += [n, ask.chat, ask.update_id, ask.user, ask.limit]
    defer, carries, more = notice_moves(messenger)
    values += [messenger, clock.now(), owner, *more]
    found = await rawsql.rows(
        InboundUpdate,
        'WITH v("n","chat","update_id","user_id","lim") AS (VALUES '
        + ",".join([_ASK_ROW] * len(asks))
        + f') SELECT v."n" AS "n", {_EARLIER} AS "earlier", {defer} AS "defer",'
        f' {carries} AS "carries" FROM v',
        values,
    )
    answers = {
        row["n"]: Turn(
            earlier=bool(row["earlier"]), defer=bool(row["defer"]), carries=bool(row["carries"])
        )
        for row in found
    }
    return [answers[n] for n in range(len(asks))]


async def renew(owner: str) -> int:
    """Extend the lease of every unfinished update ``owner`` holds (it is still alive)."""
    return await InboundUpdate.filter(claimed_by=owner, done_at__isnull=True).update(
        claimed_until=clock.now() + LEASE
    )


async def reclaim(
    messengers: list[str], owner: str, *, own_leftovers: bool = False, limit: int = 500
) -> list[InboundUpdate]:
    """Unfinished updates that nobody alive is handling, now claimed by ``owner``.

    "Nobody alive": the lease ran out; with ``own_leftovers`` (once, at start-up) also what
    ``owner`` held in a previous life, so a restarted worker takes its leftovers at once
    instead of waiting out the lease.
    """
    now = clock.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    if own_leftovers:
        free |= Q(claimed_by=owner)
    rows = (
        await InboundUpdate.filter(
            free,
            done_at__isnull=True,
            messenger__in=messengers,
        )
        .order_by("id")
        .limit(limit)
    )
    taken: list[InboundUpdate] = []
    for row in rows:
        won = await InboundUpdate.filter(
            free,
            id=row.id,
            done_at__isnull=True,
        ).update(claimed_by=owner, claimed_until=now + LEASE)
        if won:
            taken.append(row)
    return taken


async def purge_finished() -> int:
    """Drop the keys of updates finished long ago."""
    return await InboundUpdate.filter(done_at__lt=clock.now() - KEEP_FINISHED).delete()
