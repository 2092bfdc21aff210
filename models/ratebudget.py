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

**Oldest update first, across processes.** Each process queues its own sends, so without
more two webhook workers would share the tokens about evenly whatever their backlogs: the
one given more updates falls behind, and its citizens wait seconds longer than the other's.
A reply that finds the bucket empty while another process is sending therefore writes its
update's id in the row (``turn``, the oldest update waiting anywhere, for
:data:`TURN_SECONDS`); a reply to a later update leaves the next token to it, and so do
notices and broadcasts (replies before notices before bulk, across processes too). Update
ids are the messenger's arrival order, so the budget goes to the citizen who has waited
longest, whichever process holds them. A claim a dead process left lapses by itself.

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

from models import rawsql

__all__ = ["TURN_SECONDS", "Bucket", "RateBudgetRow", "Turn", "budget_key", "take", "take_many"]

TURN_SECONDS = 1.0
"""How long a claimed turn holds without being renewed: well above the waiter's look-again
pause (one token's time, or ``bot.ratebudget.MAX_WAIT``), short enough that a claim left by
a dead process delays the others' sends by at most this."""


class RateBudgetRow(Model):
    """The token bucket of one bot token."""

    key = fields.CharField(max_length=64, primary_key=True, description="messenger:hash")
    tokens = fields.FloatField(description="tokens left at updated")
    updated = fields.FloatField(description="unix time of the last take")
    version = fields.BigIntField(default=0)
    turn = fields.BigIntField(
        null=True, description="update id of the oldest reply waiting for a token, any process"
    )
    turn_until = fields.FloatField(default=0.0, description="unix time the turn lapses at")

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

    def wait(self, tokens: float, floor: float) -> float:
        """Seconds until one token above ``floor`` is there (0 if now)."""
        missing = floor + 1.0 - tokens
        return 0.0 if missing <= 0 else missing / self.rate


async def take(key: str, bucket: Bucket, *, bulk: bool) -> float:
    """Take one token if there is one for this send: 0.0; else the seconds to wait.

    A lost race with another process returns a tiny wait, and the caller tries again.
    """
    taken, pause = await take_many(key, bucket, bulk=bulk, most=1)
    return 0.0 if taken else pause


@dataclass(slots=True)
class Turn:
    """One process's part in the queue across processes (see the module doc).

    ``claimed`` is the update this process last wrote as the turn; ``seen`` the row version
    it wrote last. A row changed by anyone else means another process sends with this
    token, and only then are turns claimed: a lone process would pay a write per send for
    nothing."""

    claimed: int | None = None
    seen: int = -1

    def others_first(self, row: RateBudgetRow, now: float, update: int | None) -> bool:
        """Another process waits to answer an update older than ``update`` (None: a notice
        or a broadcast, which any reply goes before)."""
        if row.turn is None or row.turn_until <= now or row.turn == self.claimed:
            return False
        return update is None or row.turn < update

    def claims(self, row: RateBudgetRow, now: float, update: int | None) -> bool:
        """Whether to write ``update`` as the turn (the bucket is empty, others send)."""
        if update is None or row.version == self.seen or self.others_first(row, now, update):
            return False
        return row.turn != update or row.turn_until - now < TURN_SECONDS / 2


async def take_many(
    key: str,
    bucket: Bucket,
    *,
    bulk: bool,
    most: int,
    turn: Turn | None = None,
    update: int | None = None,
) -> tuple[int, float]:
    """Take up to ``most`` tokens (at least one) if there is one for this send.

    Returns (tokens taken, 0.0), or (0, seconds to wait). Several at once let a process
    sending hundreds a second pay one database write for a few sends (``bot.ratebudget``).
    With this process's ``turn``, the next token is left to an older update another
    process waits to answer, and a reply to ``update`` waiting here claims it (module doc).
    """
    now = time.time()
    # on every send or few, so as SQL (see ``models.rawsql``)
    row = await rawsql.first(RateBudgetRow, '"key"=?', [key])
    if row is None:
        with contextlib.suppress(IntegrityError):
            await RateBudgetRow.create(key=key, tokens=bucket.capacity, updated=now)
        return await take_many(key, bucket, bulk=bulk, most=most, turn=turn, update=update)
    tokens = bucket.refill(row.tokens, row.updated, now)
    floor = bucket.reserve if bulk else 0.0
    if turn is not None and turn.others_first(row, now, None if bulk else update):
        floor += 1.0  # the next token is the older waiter's
    pause = bucket.wait(tokens, floor)
    if pause > 0:
        if turn is not None and not bulk and turn.claims(row, now, update):
            await _claim(row, turn, update, now)
        return 0, pause
    count = max(1, min(most, int(tokens - floor)))
    ours = turn is not None and not bulk and row.turn is not None and row.turn == turn.claimed
    clear_turn = ',"turn"=NULL,"turn_until"=0.0' if ours else ""  # our turn came
    won = await rawsql.execute(
        RateBudgetRow,
        f'UPDATE "rate_budget" SET "tokens"=?,"updated"=?,"version"=?{clear_turn}'
        ' WHERE "key"=? AND "version"=?',
        [tokens - count, now, row.version + 1, key, row.version],
    )
    if turn is not None and won:
        turn.seen = row.version + 1
    return (count, 0.0) if won else (0, 0.001)


async def _claim(row: RateBudgetRow, turn: Turn, update: int | None, now: float) -> None:
    """Write ``update`` as the turn unless someone wrote the row meanwhile (then the
    caller looks again anyway)."""
    won = await RateBudgetRow.filter(key=row.key, version=row.version).update(
        turn=update, turn_until=now + TURN_SECONDS, version=row.version + 1
    )
    if won:
        turn.seen = row.version + 1
        turn.claimed = update
