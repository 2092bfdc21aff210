"""Background work of broadcasts: queueing their recipients and the admin's progress.

``queue`` writes the recipient rows of every confirmed broadcast (resumable after a crash:
``models.broadcast.queue_recipients``). ``progress`` owes the admin an edit of each running
broadcast's progress message every ``SKEDBOT_BROADCAST_PROGRESS_SECONDS`` (one process per
interval takes the turn with a conditional update, and writes the outbox row in the same
transaction), and when the last row is finished marks the broadcast done and owes the
admin the final report and the last edit, in one transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot.workers import periodic
from handlers import broadcast as view
from handlers.deps import KEY
from models import broadcast as model
from models import clock
from models.broadcast import Broadcast, BroadcastState

__all__ = ["PROGRESS_EVERY", "broadcast_progress", "queue_broadcasts"]

log = logging.getLogger(__name__)

PROGRESS_EVERY = 5.0
"""Default seconds between progress edits (the setting overrides it per process)."""


@periodic("broadcast-queue", 2.0)
async def queue_broadcasts(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    """Write the recipient rows of confirmed broadcasts not fully queued yet."""
    if not apps:
        return
    waiting = await Broadcast.filter(
        state__in=[BroadcastState.RUNNING, BroadcastState.PAUSED], queued_at=None
    )
    for b in waiting:
        total = await model.queue_recipients(b)
        log.info("broadcast %s: %s recipients queued", b.id, total)
        for app in apps.values():
            app.bot_data[KEY].wake_workers()
            break


async def _take_turn(b: Broadcast, every: timedelta) -> bool:
    """This process owes the progress edit now, unless another did within ``every``."""
    now = clock.now()
    return bool(
        await Broadcast.filter(
            Q(progress_at__isnull=True) | Q(progress_at__lte=now - every), id=b.id
        ).update(progress_at=now)
    )


@periodic("broadcast-progress", 1.0)
async def broadcast_progress(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    """Edit the progress messages; finish and report the broadcasts whose rows are done."""
    if not apps:
        return
    every = timedelta(seconds=_interval(apps))
    active = await Broadcast.filter(
        state__in=[BroadcastState.RUNNING, BroadcastState.PAUSED], messenger__in=list(apps)
    )
    for b in active:
        async with in_transaction():  # each branch writes first (see finish_if_done)
            if await model.finish_if_done(b):
                b = await Broadcast.get(id=b.id)
                await view.queue_report(b)
            elif not await _take_turn(b, every):
                continue
            await view.queue_progress(b)
        apps[b.messenger].bot_data[KEY].wake_workers()


def _interval(apps: dict[str, Application]) -> float:  # type: ignore[type-arg]
    for app in apps.values():
        return app.bot_data[KEY].broadcast_progress_seconds
    return PROGRESS_EVERY
