"""Planned outages' periodic work: the subscribers' notices the evening before and shortly
before each outage (``models.outage``).

Each notice of an outage is claimed with a conditional UPDATE (``eve_queued`` /
``soon_queued``) in the transaction that writes one outbox row per subscriber, with the
dedup keys ``outage-eve:<outage>:<citizen>`` / ``outage-soon:<outage>:<citizen>``: once
each, however many processes run the job and however often. Rows go to every subscriber,
whichever messenger they use: the process serving that messenger sends them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application
from tortoise.transactions import in_transaction

from bot.workers import periodic
from handlers.delivery import MESSAGE, message_payload
from handlers.deps import KEY, Deps
from handlers.outages import outage_fields
from handlers.texts import outages as texts
from models import clock, outbox
from models.outage import Notice, claim_notice, due_notices, subscribers

__all__ = ["outage_round", "queue_outage_notices"]

log = logging.getLogger(__name__)


async def queue_outage_notices(evening_hour: int, soon_minutes: int) -> int:
    """Queue every notice owed now; the number of rows written."""
    written = 0
    for outage, notice in await due_notices(
        clock.now(), evening_hour, timedelta(minutes=soon_minutes)
    ):
        template = texts.NOTICE_EVE if notice is Notice.EVE else texts.NOTICE_SOON
        text = template.format(**outage_fields(outage))
        async with in_transaction():
            if not await claim_notice(outage, notice):
                continue  # another round or process took it
            for citizen in await subscribers(outage.area):
                row = await outbox.enqueue(
                    citizen.messenger, citizen.chat_id, MESSAGE, payload=message_payload(text),
                    ref=outage.id, dedup_key=f"outage-{notice.value}:{outage.id}:{citizen.id}",
                )  # fmt: skip
                written += row is not None
    return written


@periodic("outages", 60.0)
async def outage_round(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    if not apps:
        return
    d: Deps = next(iter(apps.values())).bot_data[KEY]
    written = await queue_outage_notices(d.outage_evening_hour, d.outage_soon_minutes)
    if written:
        for app in apps.values():
            app.bot_data[KEY].wake_workers()
