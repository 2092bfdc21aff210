"""Waiting until the bot has finished every update the stand-in gave it.

The bot handles updates as concurrent tasks (``bot.inbox``), so a reply to the last update
sent says only that *that* one was handled: updates of other chats may still be in flight.
Tests that assert what the bot did *not* do (no answer, nothing changed) must wait for
all of them first, or they would pass by looking too early.
"""

from __future__ import annotations

import asyncio

from telegram.ext import Application

from bot.standin import BotApiStandIn

__all__ = ["all_handled"]

TICK = 0.01
"""Seconds between looks: nothing announces the end of a handler's task to the test."""


def _idle(app: Application, standin: BotApiStandIn) -> bool:  # type: ignore[type-arg]
    """Nothing left to poll, nothing queued, nothing admitted and unfinished.

    The stand-in forgets an update only when the next ``getUpdates`` confirms it, and the
    poller asks again only after its batch was admitted (``InboxRequest``), when every
    update of it counts in the processor's ``taken`` until its handlers are done."""
    processor = app.update_processor
    return not len(standin.updates) and app.update_queue.empty() and processor.taken == 0  # type: ignore[attr-defined]


async def all_handled(app: Application, standin: BotApiStandIn, timeout: float = 60.0) -> None:  # type: ignore[type-arg]
    """Return once the polling ``app`` has finished every update ``standin`` holds; raises
    :class:`TimeoutError` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not _idle(app, standin):
        if loop.time() >= deadline:
            raise TimeoutError(
                f"updates still in hand after {timeout}s: {len(standin.updates)} to poll, "
                f"{app.update_processor.taken} admitted"  # type: ignore[attr-defined]
            )
        await asyncio.sleep(TICK)
