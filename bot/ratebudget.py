"""The rate limiter of every Application: the shared budget first, then PTB's own limits.

:class:`BudgetLimiter` is python-telegram-bot's ``AIORateLimiter`` (per-group limits,
``retry_after`` handling) with one step before each call that says something: a token from
the bot's shared budget (:mod:`models.ratebudget`), so that all processes sending with one
token stay under one rate. The outbox dispatcher marks the sends it makes with their
priority (:func:`sending_as`); everything else (a citizen's answer) is a reply.

The sends of one process wait for the budget in one queue per kind (bulk or not), replies
first, then first come, first served: a notice the dispatcher queued never goes before a
reply queued after it. (Not by update id within a process: a flooding chat's messages,
handled one after another, would each come in with an old id and pass everyone.) Across
processes the budget row gives the next token to the oldest update waiting in any
(:class:`models.ratebudget.Turn`).

Bulk sends are not retried here on a 429: the dispatcher reschedules the row after the
pause the messenger asked for, and the process keeps sending the others, instead of
freezing every send of the process for the pause.

A citizen's answer (any call made inside an update's handler) is tried again here on the
messenger's hiccups — Bale's rate-limit 400, a 5xx, a refused connection, a timeout —
after a short pause (:data:`HICCUP_PAUSES`); PTB's limiter already does so on a 429. A
timeout may hide a message that did arrive, so the retry can show it twice: the
at-least-once window the README documents. What still fails after the last try goes to
the outbox (``handlers.common.send``), whose dispatcher keeps trying.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

from handlers.outgoing import NOT_MODIFIED, STALE_QUERY
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
"""Longest single sleep while waiting for a token (then look again)."""
RATE_LIMIT_PAUSE = 1.0
"""Pause before a reply refused with a rate-limit answer that names none (Bale) is tried again."""
HICCUP_PAUSES = (0.5, 1.0)
"""Pauses before a reply that met a 5xx, a network error or a timeout is tried again: one
retry each (the messenger's hiccups are short; a longer outage is the outbox's to wait out)."""
LANDED = (NOT_MODIFIED, STALE_QUERY)
"""What the messenger answers a retry whose timed-out first try did land: the edit is
already there, the button press already answered (it is answered once). The call is done;
failing it would abort the handler and the citizen's reply with it."""
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


Order = tuple[int, int]
"""A waiting send's place: priority, then arrival."""


class _Gate:
    """One holder at a time; the others are let in smallest :data:`Order` first.

    An ``asyncio.Lock`` lets waiters in first come, first served: a notice queued first
    would go before the reply queued after it."""

    def __init__(self) -> None:
        self._held = False
        self._waiting: list[tuple[Order, asyncio.Future[None]]] = []

    @contextlib.asynccontextmanager
    async def __call__(self, order: Order) -> AsyncIterator[None]:
        if self._held:
            entry = (order, asyncio.get_running_loop().create_future())
            heapq.heappush(self._waiting, entry)
            try:
                await entry[1]
            except asyncio.CancelledError:
                if entry[1].done() and not entry[1].cancelled():
                    self._release()  # let in just as it was cancelled: pass it on
                else:
                    self._waiting.remove(entry)
                    heapq.heapify(self._waiting)
                raise
        else:
            self._held = True
        try:
            yield
        finally:
            self._release()

    def first_waiting(self, order: Order) -> bool:
        """Someone waiting goes before ``order``."""
        return bool(self._waiting) and self._waiting[0][0] < order

    def _release(self) -> None:
        while self._waiting:
            _, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)  # the gate passes to it, still held
                return
        self._held = False


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
        self._gates = {False: _Gate(), True: _Gate()}
        """Per kind (bulk or not), one waiter of this process polls the bucket and the others
        wait behind it in :data:`Order`: not in the order of whoever's sleep happened to
        end first."""
        self._turn = Turn()
        self._arrivals = itertools.count()

    async def acquire(self, priority: Priority, update: int | None = None) -> None:
        """Until a token of the shared budget is ours (see :data:`HOLD` for the spare ones).

        ``update`` is the update this send answers, if it is a reply to one."""
        bulk = priority >= Priority.BULK
        gate = self._gates[bulk]
        order = (int(priority), next(self._arrivals))
        self._queued[bulk] += 1
        try:
            while not await self._poll(gate, order, bulk, update):
                pass  # a more urgent send came: it polls, this one waits its turn again
        finally:
            self._queued[bulk] -= 1

    async def _poll(self, gate: _Gate, order: Order, bulk: bool, update: int | None) -> bool:
        """Hold the gate and look at the bucket until a token is ours (True), or until a
        send that goes first is waiting behind us (False)."""
        async with gate(order):
            spare, taken_at = self._spare.get(bulk, (0, 0.0))
            if spare > 0 and time.monotonic() - taken_at < HOLD:
                self._spare[bulk] = (spare - 1, taken_at)
                return True
            while True:
                # enough for the sends queued behind this one too, if the bucket has them:
                # under a backlog one database write serves several answers
                most = max(self.batch, self._queued[bulk])
                got, pause = await take_many(
                    self.key, self.bucket, bulk=bulk, most=most, turn=self._turn, update=update
                )
                if got:
                    self._spare[bulk] = (got - 1, time.monotonic())
                    return True
                await asyncio.sleep(min(pause, MAX_WAIT))
                if gate.first_waiting(order):
                    return False

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
        limited = hiccups = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest as exc:
                if hiccups and any(text in exc.message.lower() for text in LANDED):
                    return True  # the try that timed out did land: nothing is missing
                # Bale's flood answer is a 400 naming no pause, which AIORateLimiter does not
                # retry: a citizen's reply would be lost to the apology. Wait, take a new
                # token (the messenger counted the refused call) and try again.
                if limited == self.retries or not self._is_rate_limit(exc):
                    raise
                limited += 1
                await asyncio.sleep(RATE_LIMIT_PAUSE)
            except NetworkError:  # a 5xx, a refused connection, a timeout (not a BadRequest)
                if hiccups == len(HICCUP_PAUSES):
                    raise
                await asyncio.sleep(HICCUP_PAUSES[hiccups])
                hiccups += 1
            if endpoint.lower() in SPENDING:
                await self.acquire(priority, update)

    def _is_rate_limit(self, exc: BadRequest) -> bool:
        text = str(exc.message).lower()
        return any(marker in text for marker in self.markers)
