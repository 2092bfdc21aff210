"""The per-citizen flood limit, counted where every bot process sees it.

A citizen may send :attr:`limit` messages and button presses a minute. Past that they get
one slow-down notice, then silence until the minute is over. The count lives in the
database, so several webhook workers share one limit (in memory, N workers made it N×),
and the photos of one album, which arrive as separate updates and possibly at different
workers, count once: filing a request with an album is never throttled.

Workers count their updates as they arrive, so near the limit two workers can count one
citizen's updates out of order: the later update allowed, the earlier one told to slow
down. Updates are handled in order, so the allowed one would be answered *after* the
notice. The window therefore keeps the id of the update that carried the notice
(``warned_update``), and the webhook workers' order check (``models.inbox.turn``) silences
an update of the same window that comes after it.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from tortoise import fields
from tortoise.models import Model

from models import clock, rawsql

__all__ = ["WINDOW", "FloodWindow", "Verdict", "count_message", "count_messages", "warned_before"]

WINDOW = timedelta(minutes=1)


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # the first message over the limit: say "slow down" once
    DROP = "drop"  # over the limit and already told: silence


class FloodWindow(Model):
    """One citizen's current minute: how many messages, whether warned, the last album."""

    id = fields.IntField(primary_key=True)
    messenger = fields.CharField(max_length=16)
    user_id = fields.BigIntField()
    started_at = fields.DatetimeField()
    count = fields.IntField(default=0)
    warned = fields.BooleanField(default=False)
    warned_update = fields.BigIntField(
        null=True, description="the update that carried this minute's slow-down notice"
    )
    album = fields.CharField(max_length=64, null=True, description="last media_group_id")

    class Meta:
        table = "flood_window"
        unique_together = (("messenger", "user_id"),)


async def count_message(
    messenger: str,
    user_id: int,
    limit: int,
    album: str | None = None,
    update_id: int | None = None,
) -> Verdict:
    """Count one message of ``user_id`` (update ``update_id``) and say whether it may go on.

    Each step is one conditional statement (an ``UPDATE``, or an upsert for a new minute; no
    read-then-write transaction), so workers counting at once are serialised by the
    database itself, SQLite's file lock included. The usual case (inside the minute, under
    the limit) comes first: one write per message.
    """
    if (
        album is not None
        and await FloodWindow.filter(messenger=messenger, user_id=user_id, album=album).exists()
    ):
        return Verdict.ALLOW  # another photo of an album already counted
    if await _under_limit(messenger, [user_id], limit, album):
        return Verdict.ALLOW
    return await _past_usual(messenger, user_id, limit, album, update_id)


async def count_messages(messenger: str, updates: dict[int, int], limit: int) -> dict[int, Verdict]:
    """Count one message (not an album's photo) of each of several distinct citizens
    (user id → update id), as :func:`count_message` does, with one statement for all those
    in the usual case: a polled batch of updates from many citizens costs one write, not one
    each. Returns user id → verdict."""
    allowed = await _under_limit(messenger, list(updates), limit)
    verdicts = dict.fromkeys(allowed, Verdict.ALLOW)
    for user_id, update_id in updates.items():
        if user_id not in verdicts:
            verdicts[user_id] = await _past_usual(messenger, user_id, limit, None, update_id)
    return verdicts


async def _under_limit(
    messenger: str, user_ids: list[int], limit: int, album: str | None = None
) -> set[int]:
    """Add one to each citizen's count who is inside their minute and under the limit;
    returns those counted. Written as SQL (see ``models.rawsql``): it runs for every
    citizen update."""
    if not user_ids:
        return set()
    set_album = ',"album"=?' if album is not None else ""
    keys = ",".join("?" * len(user_ids))
    sql = (
        f'UPDATE "flood_window" SET "count"="count"+1{set_album} WHERE "messenger"=?'
        f' AND "user_id" IN ({keys}) AND "started_at">? AND "count"<?'
    )
    values = [*([album] if album is not None else []), messenger, *user_ids]
    values += [clock.now() - WINDOW, limit]
    counted = await rawsql.rows(FloodWindow, f'{sql} RETURNING "user_id"', values)
    return {row["user_id"] for row in counted}


async def _past_usual(
    messenger: str, user_id: int, limit: int, album: str | None, update_id: int | None
) -> Verdict:
    """The rarer cases, once the usual one did not apply, one statement each: a new minute
    or a new citizen, the message that goes over the limit, the silence after it."""
    if await _new_minute(messenger, user_id, album):
        return Verdict.ALLOW
    if await _under_limit(messenger, [user_id], limit, album):
        return Verdict.ALLOW  # another worker started this minute a moment ago
    if await rawsql.execute(
        FloodWindow,
        'UPDATE "flood_window" SET "warned"=?,"warned_update"=? WHERE "messenger"=?'
        ' AND "user_id"=? AND "warned"=? AND "count">=?',
        [True, update_id, messenger, user_id, False, limit],
    ):
        return Verdict.WARN
    return Verdict.DROP


async def _new_minute(messenger: str, user_id: int, album: str | None) -> bool:
    """Start the citizen's minute with this message if they have none or it is over (one
    upsert, so two workers cannot both start it); False when a current one exists."""
    now = clock.now()
    set_album = ',"album"=excluded."album"' if album is not None else ""
    found = await rawsql.rows(
        FloodWindow,
        'INSERT INTO "flood_window" ("messenger","user_id","started_at","count","warned",'
        '"warned_update","album") VALUES (?,?,?,1,?,NULL,?) ON CONFLICT ("messenger","user_id")'
        ' DO UPDATE SET "started_at"=excluded."started_at","count"=1,"warned"=excluded."warned",'
        f'"warned_update"=NULL{set_album} WHERE "flood_window"."started_at"<=?'
        ' RETURNING "user_id"',
        [messenger, user_id, now, False, album, now - WINDOW],
    )
    return bool(found)


def warned_before(messenger: str, user_id: int, update_id: int) -> tuple[str, list[object]]:
    """An SQL condition and its values: the citizen's current minute carried its slow-down
    notice with an update before ``update_id`` (which then gets silence, see the module doc).
    A condition, not a query: the webhook workers' order check asks it in the statement it
    runs for every update anyway (``models.inbox.turn``)."""
    sql = (
        'EXISTS(SELECT 1 FROM "flood_window" WHERE "messenger"=? AND "user_id"=?'
        ' AND "started_at">? AND "warned_update"<?)'
    )
    return sql, [messenger, user_id, clock.now() - WINDOW, update_id]
