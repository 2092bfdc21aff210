"""Calls that arrive together answered by one database statement (a group commit).

A webhook worker under load has many updates in flight, and some per-update statements
(admission, the cross-worker order check) cost far more in round trips than in the
database: :class:`GroupCommit` lets each caller ask for one item and waits for the answer,
while the items asked for at the same moment go to the database as one batch. The first
caller's batch is sent at the next turn of the loop, with whatever was asked by then; what
is asked while it is out goes in the next one. An idle worker therefore sends each item at
once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

__all__ = ["GroupCommit"]


class GroupCommit[A, R]:
    """Batches of ``A`` answered by ``run`` (one ``R`` per item, in order).

    ``most`` caps a batch (the rest goes in the next); ``orphaned`` receives an answer
    whose caller went away meanwhile (its request cancelled), when that answer must not be
    lost. When ``run`` fails, every caller of the batch gets its exception."""

    def __init__(
        self,
        run: Callable[[list[A]], Awaitable[list[R]]],
        *,
        most: int | None = None,
        orphaned: Callable[[R], Awaitable[None]] | None = None,
    ) -> None:
        self._run = run
        self._most = most
        self._orphaned = orphaned
        self._asked: list[tuple[A, asyncio.Future[R]]] = []
        self._answering: asyncio.Task[None] | None = None

    async def ask(self, item: A) -> R:
        """The answer for ``item``, from the batch it joins."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._asked.append((item, future))
        if self._answering is None or self._answering.done():
            self._answering = asyncio.create_task(self._answer_all())
        return await future

    async def _answer_all(self) -> None:
        """Answer the waiting calls, batch after batch, until none is left."""
        await asyncio.sleep(0)  # the calls already made at this moment join this batch
        while self._asked:
            cut = len(self._asked) if self._most is None else self._most
            batch, self._asked = self._asked[:cut], self._asked[cut:]
            try:
                answers = await self._run([item for item, _ in batch])
            except Exception as exc:  # the database is away: every caller gets the error
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), answer in zip(batch, answers, strict=True):
                if not future.done():
                    future.set_result(answer)
                elif self._orphaned is not None:
                    await self._orphaned(answer)
