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
from tortoise.models import Model
from tortoise.transactions import in_transaction

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
    messenger: str, user_id: int, limit: int, album: str | None = None
) -> Verdict:
    """Count one message of ``user_id`` and say whether it may go on."""
    now = clock.now()
    async with in_transaction():
        row = await FloodWindow.select_for_update().get_or_none(
            messenger=messenger, user_id=user_id
        )
        if row is None:
            try:
                async with in_transaction():  # a savepoint: another worker may create it too
                    await FloodWindow.create(
                        messenger=messenger, user_id=user_id, started_at=now, count=1, album=album
                    )
                return Verdict.ALLOW
            except IntegrityError:
                row = await FloodWindow.select_for_update().get(
                    messenger=messenger, user_id=user_id
                )
        if album is not None and row.album == album:
            return Verdict.ALLOW
        if album is not None:
            row.album = album
        if now - row.started_at >= WINDOW:
            row.started_at, row.count, row.warned = now, 1, False
            verdict = Verdict.ALLOW
        elif row.count < limit:
            row.count += 1
            verdict = Verdict.ALLOW
        elif not row.warned:
            row.warned = True
            verdict = Verdict.WARN
        else:
            verdict = Verdict.DROP
        await row.save()
        return verdict
