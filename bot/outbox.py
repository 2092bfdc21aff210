"""The one dispatcher: sends every outbox row, whatever feature wrote it.

Rows are written by the features (``models.outbox.enqueue``, in the transaction of their
cause) and rendered by the sender each feature registered for its kind
(``handlers.delivery``). Each round this job also turns back-office writes into rows (a
``status_event`` inserted, a ``service_request.status`` updated) so that they reach the
citizen like the bot's own.

What a failure means is decided here, once for every kind:

* ``Forbidden`` (the citizen blocked the bot, or the bot left the group): given up; a
  citizen's chat is marked ``blocked_bot`` and unmarked when a later message goes through;
* ``RetryAfter`` (429) and Bale's HTTP 400 "bot limit exceed": retried after the pause the
  messenger asked for (or :data:`RATE_LIMIT_PAUSE`), without spending an attempt;
* network errors, timeouts, 5xx and any bug: retried after a growing pause;
* any other ``BadRequest``: final, given up (sending it again cannot help).

Rows of a messenger this process has no Application for are left for a process that has.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot.health import answered
from bot.metrics import OUTBOX_FAILED, OUTBOX_SENT
from bot.ratebudget import sending_as
from bot.workers import OUTBOX_JOB, periodic, stopping
from handlers import announce, broadcast, delivery, notices, relay, track  # noqa: F401
from handlers.delivery import SENDERS, Postponed, Undeliverable
from handlers.deps import KEY
from handlers.sla import rating, upload  # noqa: F401  (register kinds)
from models import outbox
from models.citizen import Citizen
from models.outbox import OutboxMessage, Priority
from models.request import queue_undelivered_events, record_external_status_changes

__all__ = ["BATCH", "OWNER", "RATE_LIMIT_PAUSE", "deliver_outbox"]

log = logging.getLogger(__name__)

BATCH = 25
"""Chats served at once; the rate limiter spaces the actual calls."""
ROUND_WAIT = 1.0
"""Longest the dispatcher waits for the sends under way before it claims more. A slow send
(an album to the operator group, a group held back by the messenger's per-group limit)
goes on by itself and holds up nobody else's messages."""
RATE_LIMIT_PAUSE = 3.0
"""Seconds to wait after a rate-limit reply that names no pause (Bale's)."""
OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
"""This process, as the outbox's claims name it."""


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def _set_blocked(row: OutboxMessage, blocked: bool) -> None:
    if row.chat_id > 0:  # a private chat is a citizen; groups are staff
        await Citizen.filter(
            messenger=row.messenger, chat_id=row.chat_id, blocked_bot=not blocked
        ).update(blocked_bot=blocked)  # writes only when it changes something


async def _give_up(row: OutboxMessage, why: str) -> None:
    OUTBOX_FAILED.labels(row.messenger, row.kind).inc()  # counted before the row shows it
    await outbox.give_up(row, OWNER, why)


async def _send(apps: dict[str, Application], row: OutboxMessage) -> None:  # type: ignore[type-arg]
    """Send one claimed row and record what happened."""
    app = apps[row.messenger]
    send = SENDERS.get(row.kind)
    if send is None:
        log.error("outbox row %s: no sender for kind %r", row.id, row.kind)
        await _give_up(row, f"unknown kind {row.kind}")
        return
    deps = app.bot_data[KEY]
    try:
        with sending_as(Priority(row.priority)):
            message_id = await send(app.bot, deps, row)
    except Forbidden as exc:
        log.info("outbox row %s (%s): chat refuses the bot", row.id, row.kind)
        await _set_blocked(row, True)
        await _give_up(row, f"forbidden: {exc.message}")
    except RetryAfter as exc:
        await outbox.retry_later(row, OWNER, "429", after=_seconds(exc.retry_after), count=False)
    except BadRequest as exc:
        if deps.is_rate_limit(exc.message):
            await outbox.retry_later(row, OWNER, exc.message, after=RATE_LIMIT_PAUSE, count=False)
        else:
            log.error("outbox row %s (%s) refused: %s", row.id, row.kind, exc.message)
            await _give_up(row, f"bad request: {exc.message}")
    except Postponed as exc:
        await outbox.retry_later(row, OWNER, str(exc), after=exc.after, count=False)
    except Undeliverable as exc:
        log.warning("outbox row %s (%s) undeliverable: %s", row.id, row.kind, exc)
        await _give_up(row, str(exc))
    except TelegramError as exc:  # network, timeout, 5xx: the messenger's hiccup
        if await outbox.retry_later(row, OWNER, type(exc).__name__):
            log.warning("outbox row %s (%s) failed (%s); retrying", row.id, row.kind, exc)
        else:
            log.error("outbox row %s (%s) given up after retries", row.id, row.kind)
            OUTBOX_FAILED.labels(row.messenger, row.kind).inc()
    except Exception as exc:  # a bug in a sender must not stop the others
        log.exception("outbox row %s (%s): sender failed", row.id, row.kind)
        if not await outbox.retry_later(row, OWNER, type(exc).__name__):
            OUTBOX_FAILED.labels(row.messenger, row.kind).inc()
    else:
        answered(row.messenger)
        OUTBOX_SENT.labels(row.messenger, row.kind).inc()  # counted before the row shows it
        await outbox.finish(row, OWNER, message_id)
        await _set_blocked(row, False)


@periodic(OUTBOX_JOB, 1.0)
async def deliver_outbox(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    """Send everything owed now; woken early whenever a feature writes a row."""
    if not apps:
        return
    await record_external_status_changes()
    await queue_undelivered_events()
    sending: dict[asyncio.Task[None], tuple[str, int]] = {}  # each send's chat
    try:
        while True:
            if not stopping():  # a clean stop finishes the sends under way, starts no other
                room = BATCH - len(sending)
                busy = set(sending.values())  # a lease can run out mid-send: not twice here
                rows = await outbox.heads(list(apps), room) if room > 0 else []
                rows = [row for row in rows if (row.messenger, row.chat_id) not in busy]
                for row in await outbox.claim_many(rows, OWNER):
                    sending[asyncio.create_task(_send(apps, row))] = (row.messenger, row.chat_id)
            if not sending:
                return  # nothing due, or everything visible is another process's
            done, _ = await asyncio.wait(sending, timeout=None if stopping() else ROUND_WAIT)
            for task in done:
                del sending[task]
                task.result()  # what the sender could not handle (the database) ends the job
    except asyncio.CancelledError:
        for task in sending:
            task.cancel()
        raise
    finally:  # an error ends the job, not the sends under way: they finish and are marked
        await asyncio.gather(*sending, return_exceptions=True)
