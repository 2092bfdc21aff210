"""The rate limiter of every Application: the shared budget first, then PTB's own limits.

:class:`BudgetLimiter` is python-telegram-bot's ``AIORateLimiter`` (per-group limits,
``retry_after`` handling) with one step before each call that says something: a token from
the bot's shared budget (:mod:`models.ratebudget`), so that all processes sending with one
token stay under one rate. The outbox dispatcher marks the sends it makes with their
priority (:func:`sending_as`); everything else (a citizen's answer) is a reply.

Bulk sends are not retried here on a 429: the dispatcher reschedules the row after the
pause the messenger asked for, and the process keeps sending the others, instead of
freezing every send of the process for the pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Iterator
from typing import Any

from telegram.error import BadRequest
from telegram.ext import AIORateLimiter

from models.logcontext import current
from models.outbox import Priority
from models.ratebudget import Bucket, Turn, take_many

__all__ = ["BudgetLimiter", "current_priority", "sending_as"]

SPENDING = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendmediagroup",
        "sendvoice",
        "sendlocation",
        "sendvideo",
        "sendanimation",
        "sendsticker",
        "copymessage",
        "forwardmessage",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
    }
)
"""Calls the messengers count against a bot's sending rate."""
MAX_WAIT = 1.0
RATE_LIMIT_PAUSE = 1.0
"""Pause before a reply refused with a rate-limit answer that names none (Bale) is tried again."""
"""Longest single sleep while waiting for a token (then look again)."""
HOLD = 0.05
"""Seconds of the budget a process may take ahead of its sends. At a high rate (the
stand-in's 1,000/s) one database write then pays for up to 50 sends instead of one, and
tokens not spent within this time are dropped. At the messengers' rates (under 40/s) it
is less than one token: every send takes its own, as before."""

_priority: contextvars.ContextVar[Priority] = contextvars.ContextVar(
    "send_priority", default=Priority.REPLY
)
_dispatched: contextvars.ContextVar[bool] = contextvars.ContextVar("dispatched", default=False)


def current_priority() -> Priority:
    return _priority.get()


@contextlib.contextmanager
def sending_as(priority: Priority) -> Iterator[None]:
    """Calls made inside count as ``priority`` (the dispatcher wraps each row's send), and
    are the dispatcher's: it reschedules a refused row itself, so they are not retried here."""
    token = _priority.set(priority)
    dispatched = _dispatched.set(True)
    try:
        yield
    finally:
        _dispatched.reset(dispatched)
        _priority.reset(token)


class BudgetLimiter(AIORateLimiter):
    """AIORateLimiter behind one shared token bucket per bot token."""

    def __init__(
        self,
        key: str,
        bucket: Bucket,
        *,
        max_retries: int = 2,
        rate_limit_markers: tuple[str, ...] = (),
    ) -> None:
        super().__init__(
            overall_max_rate=0,  # the shared budget is the overall limit
            max_retries=max_retries,
        )
        self.key = key
        self.bucket = bucket
        self.retries = max_retries
        self.markers = tuple(m.lower() for m in rate_limit_markers)
        self.batch = max(1, int(bucket.rate * HOLD))
        self._spare: dict[bool, tuple[int, float]] = {}  # bulk? -> (tokens, taken at)
        self._queued = {False: 0, True: 0}  # sends of this process waiting, per kind
        self._gates = {False: asyncio.Lock(), True: asyncio.Lock()}
        """Per kind (bulk or not), one waiter of this process polls the bucket and the others
        queue behind it first come, first served (an asyncio Lock wakes its waiters in
        order): answers leave in the order they were ready, not in the order of whoever's
        sleep happened to end first."""
        self._turn = Turn()
        """This process's place in the order across processes (``models.ratebudget``)."""

    async def acquire(self, priority: Priority, update: int | None = None) -> None:
        """Until a token of the shared budget is ours (see :data:`HOLD` for the spare ones).

        ``update`` is the update this send answers, if it is a reply to one."""
        bulk = priority >= Priority.BULK
        self._queued[bulk] += 1
        try:
            async with self._gates[bulk]:
                spare, taken_at = self._spare.get(bulk, (0, 0.0))
                if spare > 0 and time.monotonic() - taken_at < HOLD:
                    self._spare[bulk] = (spare - 1, taken_at)
                    return
                while True:
                    # enough for the sends queued behind this one too, if the bucket has them:
                    # under a backlog one database write serves several answers
                    most = max(self.batch, self._queued[bulk])
                    got, pause = await take_many(
                        self.key, self.bucket, bulk=bulk, most=most, turn=self._turn,
                        update=update,
                    )  # fmt: skip
                    if got:
                        self._spare[bulk] = (got - 1, time.monotonic())
                        return
                    await asyncio.sleep(min(pause, MAX_WAIT))
        finally:
            self._queued[bulk] -= 1

    async def process_request(  # type: ignore[override]
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        priority = current_priority()
        # a citizen's answer knows its update (the handler's task); the dispatcher's rows not
        update = None if _dispatched.get() else current()[0]
        if endpoint.lower() in SPENDING:
            await self.acquire(priority, update)
        if priority >= Priority.BULK:
            return await callback(*args, **kwargs)  # the dispatcher retries (see above)
        if _dispatched.get():
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        for attempt in range(self.retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest as exc:
                # Bale's flood answer is a 400 naming no pause, which AIORateLimiter does not
                # retry: a citizen's reply would be lost to the apology. Wait, take a new
                # token (the messenger counted the refused call) and try again.
                if attempt == self.retries or not self._is_rate_limit(exc):
                    raise
                await asyncio.sleep(RATE_LIMIT_PAUSE)
                if endpoint.lower() in SPENDING:
                    await self.acquire(priority, update)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _is_rate_limit(self, exc: BadRequest) -> bool:
        text = str(exc.message).lower()
        return any(marker in text for marker in self.markers)
