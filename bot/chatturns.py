"""One chat's updates in this process: one at a time, the lowest update id first.

A messenger numbers a bot's updates increasingly, and a chat's answers must follow that
order. Across webhook workers the inbox keeps it by update id (``models.inbox.turns``); in
one process a plain lock kept it by arrival, which is the same only while the messenger
delivers one chat's updates one after another. Where two of a chat's updates wait here at
the same moment (a redelivery of an earlier one, posts that overtook each other), the lower
id goes first, as the inbox would have it across workers.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

__all__ = ["ChatTurns"]

Order = tuple[int, int]
"""How waiting updates are sorted: ``(0, update_id)``, or ``(1, n)`` for what has no id."""

_arrival = itertools.count()


def order_of(update_id: int | None) -> Order:
    """An update by its id; anything else after every update, in arrival order."""
    return (0, update_id) if update_id is not None else (1, next(_arrival))


class ChatTurns:
    """Lets one update of a chat through at a time, the lowest waiting :data:`Order` next."""

    __slots__ = ("_busy", "_waiting")

    def __init__(self) -> None:
        self._busy = False
        self._waiting: list[tuple[Order, asyncio.Future[None]]] = []

    @property
    def idle(self) -> bool:
        """Nobody holds the chat and nobody waits: the entry can be forgotten."""
        return not self._busy and not self._waiting

    async def enter(self, order: Order) -> None:
        """Wait for this update's turn; :meth:`leave` must follow once it is handled."""
        if not self._busy:
            self._busy = True
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (order, future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.leave()  # the turn was handed over just as the waiter was cancelled
            raise

    def leave(self) -> None:
        """Hand the chat to the lowest waiting update, or free it."""
        while self._waiting:
            _, future = heapq.heappop(self._waiting)
            if not future.done():  # a cancelled waiter is skipped
                future.set_result(None)
                return
        self._busy = False
