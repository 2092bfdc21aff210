"""The per-citizen flood limit, counted where every bot process sees it.

A citizen may send :attr:`limit` messages and button presses a minute. Past that they get
one slow-down notice, then silence until the minute is over. The count lives in the
database, so several webhook workers share one limit (in memory, N workers made it N×),
and the photos of one album, which arrive as separate updates and possibly at different
workers, count once: filing a request with an album is never throttled.

Workers count their updates as they arrive, so near the limit two workers can count one
citizen's updates out of order: a later update allowed, an earlier one over the limit.
Updates are handled in order, so the notice, carried by the earlier one, would come before
the later one's answer. The window therefore keeps the highest update it allowed
(``allowed_max``), and the webhook workers' order check (``models.inbox.turns``) moves the
notice there: the update over the limit stays silent while that one is still to be
answered, and that one, once answered, sends the notice (:func:`claim_notice`). So a
flooder gets the limit's answers and then the notice on every process, as on one (before,
the allowed updates numbered after the notice's were silenced: a flooder on two workers
got 13 of 30 answers in the benchmark). ``noticed`` makes sure it is sent once. The
carrier is marked done before it claims the notice (``bot.inbox``), so an update over the
limit counted while the carrier finishes either sees it done and sends the notice itself,
or was counted before the carrier's claim, which then sends it.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from tortoise import fields
from tortoise.models import Model

from models import clock, rawsql

__all__ = [
    "WINDOW",
    "FloodWindow",
    "Verdict",
    "claim_notice",
    "count_message",
    "count_messages",
    "notice_moves",
]

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
    allowed_max = fields.BigIntField(
        null=True, description="the highest update this minute allowed (see the module doc)"
    )
    noticed = fields.BooleanField(default=False, description="this minute's notice was sent")

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
    if await _under_limit(messenger, {user_id: update_id}, limit, album):
        return Verdict.ALLOW
    return await _past_usual(messenger, user_id, limit, album, update_id)


async def count_messages(messenger: str, updates: dict[int, int], limit: int) -> dict[int, Verdict]:
    """Count one message (not an album's photo) of each of several distinct citizens
    (user id → update id), as :func:`count_message` does, with one statement for all those
    in the usual case: a polled batch of updates from many citizens costs one write, not one
    each. Returns user id → verdict."""
    allowed = await _under_limit(messenger, updates, limit)
    verdicts = dict.fromkeys(allowed, Verdict.ALLOW)
    for user_id, update_id in updates.items():
        if user_id not in verdicts:
            verdicts[user_id] = await _past_usual(messenger, user_id, limit, None, update_id)
    return verdicts


async def _under_limit(
    messenger: str, updates: dict[int, int | None], limit: int, album: str | None = None
) -> set[int]:
    """Add one to each citizen's count (user id → the update counted, if known) who is
    inside their minute and under the limit, and raise their ``allowed_max`` to it; returns
    those counted. Written as SQL (see ``models.rawsql``): it runs for every citizen
    update."""
    if not updates:
        return set()
    set_album = ',"album"=?' if album is not None else ""
    known = {user: update for user, update in updates.items() if update is not None}
    highest: list[object] = []
    set_highest = ""
    if known:
        case = 'CASE "user_id" ' + "WHEN ? THEN CAST(? AS BIGINT) " * len(known) + "END"
        pairs = [value for pair in known.items() for value in pair]
        set_highest = (
            f',"allowed_max"=CASE WHEN {case} > COALESCE("allowed_max",-1) THEN {case}'
            ' ELSE "allowed_max" END'
        )
        highest = [*pairs, *pairs]
    keys = ",".join("?" * len(updates))
    sql = (
        f'UPDATE "flood_window" SET "count"="count"+1{set_album}{set_highest} WHERE'
        f' "messenger"=? AND "user_id" IN ({keys}) AND "started_at">? AND "count"<?'
    )
    values = [*([album] if album is not None else []), *highest, messenger, *updates]
    values += [clock.now() - WINDOW, limit]
    counted = await rawsql.rows(FloodWindow, f'{sql} RETURNING "user_id"', values)
    return {row["user_id"] for row in counted}


async def _past_usual(
    messenger: str, user_id: int, limit: int, album: str | None, update_id: int | None
) -> Verdict:
    """The rarer cases, once the usual one did not apply, one statement each: a new minute
    or a new citizen, the message that goes over the limit, the silence after it."""
    if await _new_minute(messenger, user_id, album, update_id):
        return Verdict.ALLOW
    if await _under_limit(messenger, {user_id: update_id}, limit, album):
        return Verdict.ALLOW  # another worker started this minute a moment ago
    if await rawsql.execute(
        FloodWindow,
        'UPDATE "flood_window" SET "warned"=?,"warned_update"=? WHERE "messenger"=?'
        ' AND "user_id"=? AND "warned"=? AND "count">=?',
        [True, update_id, messenger, user_id, False, limit],
    ):
        return Verdict.WARN
    return Verdict.DROP


async def _new_minute(
    messenger: str, user_id: int, album: str | None, update_id: int | None
) -> bool:
    """Start the citizen's minute with this message if they have none or it is over (one
    upsert, so two workers cannot both start it); False when a current one exists."""
    now = clock.now()
    set_album = ',"album"=excluded."album"' if album is not None else ""
    found = await rawsql.rows(
        FloodWindow,
        'INSERT INTO "flood_window" ("messenger","user_id","started_at","count","warned",'
        '"warned_update","album","allowed_max","noticed") VALUES (?,?,?,1,?,NULL,?,?,?)'
        ' ON CONFLICT ("messenger","user_id") DO UPDATE SET "started_at"=excluded."started_at",'
        '"count"=1,"warned"=excluded."warned","warned_update"=NULL,'
        f'"allowed_max"=excluded."allowed_max","noticed"=excluded."noticed"{set_album}'
        ' WHERE "flood_window"."started_at"<=? RETURNING "user_id"',
        [messenger, user_id, now, False, album, update_id, False, now - WINDOW],
    )
    return bool(found)


def notice_moves(messenger: str) -> tuple[str, str, list[object]]:
    """Two SQL conditions and their values (both conditions' values, in order) for the
    webhook workers' order check, which runs one statement for the updates it asks about
    anyway (``models.inbox.turns``); each condition is about one row ``v`` of that
    statement's asks, with its ``update_id``, counted ``user_id`` (NULL for an update that
    is not counted) and flood ``lim``; see the module doc:

    * *defer*: the update went over the limit, but a later update of its minute was
      allowed and is not answered yet: this one stays silent, the notice goes with that one;
    * *carries*: the update is the highest its full minute allowed: once answered, it
      sends the notice if an earlier update went over the limit meanwhile
      (:func:`claim_notice`).

    The update's own id names its minute (a new minute starts afresh), so an update handled
    after its minute is over, behind a backlog, is still placed right."""
    mine = 'w."messenger"=? AND w."user_id"=v."user_id" AND NOT w."noticed"'
    defer = (
        f'EXISTS(SELECT 1 FROM "flood_window" AS w WHERE {mine}'
        ' AND w."warned_update"=v."update_id" AND w."allowed_max">v."update_id"'
        ' AND EXISTS(SELECT 1 FROM "inbound_update" AS i WHERE i."messenger"=w."messenger"'
        ' AND i."update_id"=w."allowed_max" AND i."done_at" IS NULL))'
    )
    carries = (
        f'EXISTS(SELECT 1 FROM "flood_window" AS w WHERE {mine}'
        ' AND w."allowed_max"=v."update_id" AND w."count">=v."lim")'
    )
    return defer, carries, [messenger, messenger]


async def claim_notice(messenger: str, user_id: int, update_id: int, *, carrier: bool) -> bool:
    """Whether ``update_id`` is to send its minute's slow-down notice now: True once.

    ``carrier``: an answered update :func:`notice_moves` named as the possible carrier, which
    sends it if an update went over the limit meanwhile; else the update over the limit
    itself, which sends it unless a carrier did."""
    which = '"warned" AND "allowed_max"=?' if carrier else '"warned_update"=?'
    found = await rawsql.rows(
        FloodWindow,
        'UPDATE "flood_window" SET "noticed"=? WHERE "messenger"=? AND "user_id"=?'
        f' AND "noticed"=? AND {which} RETURNING "user_id"',
        [True, messenger, user_id, False, update_id],
    )
    return bool(found)
