"""The getUpdates queue with Telegram's offset, limit and long-poll semantics.

Long polling waits on an :class:`asyncio.Event` rather than sleeping, so a bot under
test sees a person's message within a millisecond instead of a poll interval, which
keeps the test-suite fast. A second concurrent ``getUpdates`` ends the first with 409,
as Telegram does when two bot instances poll one token.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from bot.standin.errors import ApiError

CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class UpdateQueue:
    """Pending updates for ``getUpdates`` (or waiting to be pushed to a webhook)."""

    def __init__(self, first_update_id: int = 1) -> None:
        self._pending: list[dict[str, Any]] = []
        self._event = asyncio.Event()
        self._generation = 0
        self._closed = False
        self._ids = itertools.count(first_update_id)

    def next_id(self) -> int:
        return next(self._ids)

    def __len__(self) -> int:
        return len(self._pending)

    def put(self, update: dict[str, Any]) -> None:
        self._pending.append(update)
        self._event.set()

    def put_back(self, updates: list[dict[str, Any]]) -> None:
        """Return undelivered webhook updates, keeping update_id order."""
        self._pending = sorted(self._pending + updates, key=lambda u: u["update_id"])
        self._event.set()

    def take_all(self) -> list[dict[str, Any]]:
        taken, self._pending = self._pending, []
        return taken

    def drop_all(self) -> None:
        self._pending.clear()

    def confirm(self, offset: int) -> None:
        """Forget confirmed updates: ids below ``offset``; negative = keep the last -offset."""
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    def reopen(self) -> None:
        """Allow long polls again (the server is (re)starting)."""
        self._closed = False
        self._event = asyncio.Event()

    def close(self) -> None:
        """Release every long poll (the server is stopping)."""
        self._closed = True
        self._event.set()

    async def get(self, offset: int | None, limit: int, timeout: float) -> list[dict[str, Any]]:
        self._generation += 1
        generation = self._generation
        self._event.set()  # wake an older long poll so it can answer 409
        await asyncio.sleep(0)
        if offset:
            self.confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        while True:
            if generation != self._generation:
                raise ApiError(409, CONFLICT_POLL)
            remaining = deadline - loop.time()
            if self._pending or self._closed or remaining <= 0:
                break
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                break
        if generation != self._generation:
            raise ApiError(409, CONFLICT_POLL)
        return self._pending[: max(1, min(limit, 100))]
