"""The per-citizen flood limit, counted where every bot process sees it.

A citizen may send :attr:`limit` messages and button presses a minute. Past that they get
one slow-down notice, then silence until the minute is over. The count lives in the
database, so several webhook workers share one limit (in memory, N workers made it N×),
and the photos of one album, which arrive as separate updates and possibly at different
workers, count once: filing a request with an album is never throttled.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.models import Model

from models import clock

__all__ = ["WINDOW", "FloodWindow", "Verdict", "count_message"]

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
    album = fields.CharField(max_length=64, null=True, description="last media_group_id")

    class Meta:
        table = "flood_window"
        unique_together = (("messenger", "user_id"),)


async def count_message(
    messenger: str, user_id: int, limit: int, album: str | None = None, *, first_try: bool = True
) -> Verdict:
    """Count one message of ``user_id`` and say whether it may go on.

    Each step is one conditional ``UPDATE`` (no read-then-write transaction), so workers
    counting at once are serialised by the database itself, SQLite's file lock included.
    The usual case (inside the minute, under the limit) comes first: one write per message.
    """
    now = clock.now()
    mine = FloodWindow.filter(messenger=messenger, user_id=user_id)
    if album is not None and await mine.filter(album=album).exists():
        return Verdict.ALLOW  # another photo of an album already counted
    extra = {"album": album} if album is not None else {}
    if await mine.filter(started_at__gt=now - WINDOW, count__lt=limit).update(
        count=F("count") + 1, **extra
    ):
        return Verdict.ALLOW
    if await mine.filter(started_at__lte=now - WINDOW).update(
        started_at=now, count=1, warned=False, **extra
    ):
        return Verdict.ALLOW  # a new minute
    if await mine.filter(warned=False, count__gte=limit).update(warned=True):
        return Verdict.WARN
    if not first_try:
        return Verdict.DROP  # the row exists (we lost the race to create it) and is full
    try:
        await FloodWindow.create(
            messenger=messenger, user_id=user_id, started_at=now, count=1, album=album
        )
    except IntegrityError:  # it exists: created a moment ago by another message, or full
        return await count_message(messenger, user_id, limit, album, first_try=False)
    return Verdict.ALLOW
