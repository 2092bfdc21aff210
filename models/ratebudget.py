"""One sending budget per bot token, shared by every process that sends with it.

The messengers limit a bot, not a process: several webhook workers each sending 25
messages a second would be throttled (and Bale answers "bot limit exceed"). The budget is
a token bucket kept in one database row per bot (:class:`RateBudgetRow`, keyed by the
messenger and a hash of the token, never the token itself), refilled at ``rate`` tokens a
second up to ``capacity``. Every send takes one token with a conditional ``UPDATE`` on the
row's ``version``, so processes on one database share one bucket on SQLite and PostgreSQL.

**Replies first.** Bulk sends (broadcasts) may only take a token while more than
``reserve`` tokens are left; replies and notices may take the last one. With no citizen
talking, bulk uses the whole rate; when a citizen writes, their answer finds a token at
once instead of queueing behind thousands of broadcast rows.

Time here is the wall clock (``time.time``), not :mod:`models.clock`: a rate is about real
seconds, and tests that travel the clock must not mint tokens.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

__all__ = ["Bucket", "RateBudgetRow", "budget_key", "take", "take_many"]


class RateBudgetRow(Model):
    """The token bucket of one bot token."""

    key = fields.CharField(max_length=64, primary_key=True, description="messenger:hash")
    tokens = fields.FloatField(description="tokens left at updated")
    updated = fields.FloatField(description="unix time of the last take")
    version = fields.BigIntField(default=0)

    class Meta:
        table = "rate_budget"


def budget_key(messenger: str, token: str) -> str:
    """The row of one bot: the token is hashed so that the database never holds it."""
    return f"{messenger}:{hashlib.sha256(token.encode()).hexdigest()[:24]}"


@dataclass(frozen=True, slots=True)
class Bucket:
    """The rule: ``rate`` tokens a second, at most ``capacity``, bulk stops at ``reserve``."""

    rate: float
    capacity: float
    reserve: float

    def refill(self, tokens: float, updated: float, now: float) -> float:
        return min(self.capacity, tokens + max(now - updated, 0.0) * self.rate)

    def wait(self, tokens: float, bulk: bool) -> float:
        """Seconds until one token is there for this kind of send (0 if now)."""
        floor = self.reserve if bulk else 0.0
        missing = floor + 1.0 - tokens
        return 0.0 if missing <= 0 else missing / self.rate


async def take(key: str, bucket: Bucket, *, bulk: bool) -> float:
    """Take one token if there is one for this send: 0.0; else the seconds to wait.

    A lost race with another process returns a tiny wait, and the caller tries again.
    """
    taken, pause = await take_many(key, bucket, bulk=bulk, most=1)
    return 0.0 if taken else pause


async def take_many(key: str, bucket: Bucket, *, bulk: bool, most: int) -> tuple[int, float]:
    """Take up to ``most`` tokens (at least one) if there is one for this send.

    Returns (tokens taken, 0.0), or (0, seconds to wait). Several at once let a process
    sending hundreds a second pay one database write for a few sends (``bot.ratebudget``).
    """
    now = time.time()
    row = await RateBudgetRow.get_or_none(key=key)
    if row is None:
        with contextlib.suppress(IntegrityError):
            await RateBudgetRow.create(key=key, tokens=bucket.capacity, updated=now)
        return await take_many(key, bucket, bulk=bulk, most=most)
    tokens = bucket.refill(row.tokens, row.updated, now)
    pause = bucket.wait(tokens, bulk)
    if pause > 0:
        return 0, pause
    floor = bucket.reserve if bulk else 0.0
    count = max(1, min(most, int(tokens - floor)))
    won = await RateBudgetRow.filter(key=key, version=row.version).update(
        tokens=tokens - count, updated=now, version=row.version + 1
    )
    return (count, 0.0) if won else (0, 0.001)
