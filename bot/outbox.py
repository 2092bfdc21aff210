"""The outbox dispatcher: every undelivered status event becomes a message to its citizen.

``status_event`` is shared with back-office tools: whoever inserts a row with
``delivered_at`` empty (the operator buttons through ``move_to``, or a raw SQL ``INSERT``)
owes the citizen a message, and this job sends it on the messenger the citizen filed from.
A tool that only ``UPDATE``s ``service_request.status`` is caught too: each round first
writes the missing event (:func:`models.request.record_external_status_changes`).
Rows of a messenger this process has no Application for are left for a process that has.

Several processes, one PostgreSQL: a batch is claimed with ``SELECT … FOR UPDATE SKIP
LOCKED`` and held in a transaction while it is sent, so each row goes out once; a crash
between sending and committing sends it again (at least once, never lost). SQLite has no
row locks, so nothing is claimed there and the transaction is skipped too (on SQLite a
transaction holds the process's only connection, which would stall every handler while a
message is on the wire): run one bot process per SQLite database.

Failures: a citizen who blocked the bot (403) is marked ``blocked_bot`` and the event is
given up as delivered; any other failure counts an attempt and is retried after a growing
pause, up to :data:`MAX_ATTEMPTS`, after which the row stays undelivered for staff to see.
While an event waits for its retry, later events of the same request wait too, so a
citizen never reads «انجام شد» before «در حال بررسی».
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator

from telegram.error import Forbidden
from telegram.ext import Application
from tortoise.transactions import in_transaction

from bot.workers import periodic
from handlers import texts
from handlers.render import fa
from handlers.texts import notices
from models.citizen import Citizen
from models.request import (
    RequestStatus,
    ServiceRequest,
    StatusEvent,
    record_external_status_changes,
)

__all__ = ["MAX_ATTEMPTS", "deliver_status_events", "notice_text"]

log = logging.getLogger(__name__)

BATCH = 20
MAX_ATTEMPTS = 10
RETRY_AFTER_SECONDS = (1, 2, 5, 15, 30, 60, 120, 300, 600)
"""Pause before attempt n+1 after n failures (the last value repeats)."""
NOTE_MAX = 1500

_retry_at: dict[int, tuple[int, float]] = {}
"""Event id → (request id, monotonic time before which it is not retried). Per process:
another process may retry sooner, which is harmless."""


def notice_text(event: StatusEvent) -> str:
    """The citizen's message for one event; ``event.request.service`` must be loaded."""
    request = event.request
    lines = [
        notices.STATUS_NOTICE.format(
            code=fa(request.tracking_code),
            service=request.service.title,
            status=texts.STATUS_LABELS.get(event.status, notices.STATUS_UPDATED),
        )
    ]
    note = event.note.strip()
    if note:
        if len(note) > NOTE_MAX:
            note = note[: NOTE_MAX - 1] + "…"
        lines.append(notices.STATUS_NOTE.format(note=fa(note)))
    if event.status == RequestStatus.NEEDS_DOCUMENTS:
        lines += ["", notices.NEEDS_DOCUMENTS_HINT.format(staff=texts.BTN_STAFF)]
    return "\n".join(lines)


@contextlib.asynccontextmanager
async def _claiming() -> AsyncIterator[bool]:
    """A transaction whose row locks claim the batch, where the database has row locks."""
    if StatusEvent._meta.db.capabilities.support_for_update:
        async with in_transaction():
            yield True
    else:
        yield False


def _waiting() -> tuple[list[int], list[int]]:
    """Events still pausing before their retry, and the requests they hold back."""
    now = time.monotonic()
    for event_id, (_, at) in list(_retry_at.items()):
        if at <= now:
            del _retry_at[event_id]
    return list(_retry_at), sorted({request_id for request_id, _ in _retry_at.values()})


async def _deliver(apps: dict[str, Application], event: StatusEvent) -> None:  # type: ignore[type-arg]
    citizen = event.request.citizen
    bot = apps[citizen.messenger].bot
    try:
        await bot.send_message(citizen.chat_id, notice_text(event))
    except Forbidden:
        log.info("citizen %s blocked the bot: status event %s given up", citizen.id, event.id)
        await Citizen.filter(id=citizen.id).update(blocked_bot=True)
        await event.mark_delivered()
    except Exception as exc:
        attempts = event.attempts + 1
        await StatusEvent.filter(id=event.id).update(attempts=attempts)
        if attempts >= MAX_ATTEMPTS:
            log.error(
                "status event %s not delivered after %d attempts, giving up: %s",
                event.id,
                attempts,
                type(exc).__name__,
            )
            return
        pause = RETRY_AFTER_SECONDS[min(attempts, len(RETRY_AFTER_SECONDS)) - 1]
        _retry_at[event.id] = (event.request_id, time.monotonic() + pause)  # type: ignore[attr-defined]
        log.warning(
            "status event %s attempt %d failed (%s); retry in %ss",
            event.id,
            attempts,
            type(exc).__name__,
            pause,
        )
    else:
        _retry_at.pop(event.id, None)
        await event.mark_delivered()
        if citizen.blocked_bot:  # they came back: a message went through
            await Citizen.filter(id=citizen.id).update(blocked_bot=False)


async def _deliver_batch(apps: dict[str, Application]) -> int:  # type: ignore[type-arg]
    """Claim the requests of up to :data:`BATCH` pending events and send their notices.

    The claim locks requests, not events: a process owns all of a request's pending notices
    at once, so two processes never send one request's notices out of order. Returns how
    many pending events were seen (a full batch means "look again").
    """
    waiting_events, waiting_requests = _waiting()
    pending = StatusEvent.filter(
        delivered_at=None,
        attempts__lt=MAX_ATTEMPTS,
        request__citizen__messenger__in=list(apps),
    )
    if waiting_events:
        pending = pending.exclude(id__in=waiting_events).exclude(request_id__in=waiting_requests)
    request_ids = await pending.order_by("id").limit(BATCH).values_list("request_id", flat=True)
    if not request_ids:
        return 0
    async with _claiming() as locking:
        claimed = ServiceRequest.filter(id__in=set(request_ids))
        if locking:
            claimed = claimed.select_for_update(skip_locked=True)
        # values_list() would drop FOR UPDATE (Tortoise 1.1): fetch the rows themselves.
        owned = [request.id for request in await claimed.only("id")]
        events = (
            await pending.filter(request_id__in=owned)
            .order_by("id")
            .select_related("request__service", "request__citizen")
        )
        held: set[int] = set()
        for event in events:
            if event.request_id in held:  # type: ignore[attr-defined]
                continue  # an earlier notice of this request failed just now: keep the order
            await _deliver(apps, event)
            if event.id in _retry_at:
                held.add(event.request_id)  # type: ignore[attr-defined]
    return len(request_ids)


@periodic("outbox", 1.0)
async def deliver_status_events(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    """Deliver everything owed now; woken early by the bot's own status moves."""
    if not apps:
        return
    await record_external_status_changes()
    while await _deliver_batch(apps) == BATCH:
        pass
