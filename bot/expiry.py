"""Unfinished dialogs: one reminder, then expiry.

A citizen who walks away from the application dialog gets, after
``dialog_reminder_minutes`` idle, one reminder with «ادامه»/«انصراف» (the router already
answers those buttons); after ``dialog_timeout_minutes`` the dialog is deleted and they are
told the unfinished request expired. Nothing is filed; documents already stored stay on
disk (the store is content-addressed and shared, so a file cannot be known to be unused).
Short flows (search, track, staff) have nothing worth a reminder and expire silently.

Idle time is ``dialog_state.updated_at``, written by every step; marking the reminder does
not touch it. Each change is a conditional write on the row as read (same version, still
idle), so a citizen answering at that moment wins, and of several bot processes only one
queues each reminder or notice: an outbox row written in the same transaction as the
change, sent by the one dispatcher. The job runs every minute; ``Workers.wake`` runs it at
once (tests do that after ageing a dialog in the database).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.ext import Application
from tortoise.transactions import in_transaction

from bot.workers import periodic
from handlers import keyboards
from handlers.delivery import MESSAGE, message_payload
from handlers.deps import KEY, Deps
from handlers.flows import RESUMABLE
from handlers.texts import notices
from models import clock, outbox
from models.dialog import DialogState

__all__ = ["expire_dialogs"]

log = logging.getLogger(__name__)


async def _tell(
    state: DialogState, text: str, markup: InlineKeyboardMarkup | ReplyKeyboardMarkup
) -> None:
    """Owe the citizen ``text``: an outbox row, in the caller's transaction."""
    await outbox.enqueue(
        state.messenger, state.chat_id, MESSAGE, payload=message_payload(text, markup)
    )


async def _expire(d: Deps, now: datetime) -> int:
    cutoff = now - timedelta(minutes=d.dialog_timeout_minutes)
    told = 0
    for state in await DialogState.filter(messenger=d.messenger, updated_at__lt=cutoff):
        async with in_transaction():
            deleted = await DialogState.filter(
                id=state.id, version=state.version, updated_at__lt=cutoff
            ).delete()
            if deleted and state.flow in RESUMABLE:
                log.info("dialog %s (%s) expired", state.id, state.flow)
                await _tell(state, notices.DIALOG_EXPIRED, keyboards.main_menu())
                told += 1
    return told


async def _remind(d: Deps, now: datetime) -> int:
    cutoff = now - timedelta(minutes=d.dialog_reminder_minutes)
    idle = DialogState.filter(
        messenger=d.messenger, reminded=False, updated_at__lt=cutoff, flow__in=list(RESUMABLE)
    )
    told = 0
    for state in await idle:
        async with in_transaction():
            claimed = await DialogState.filter(
                id=state.id, version=state.version, reminded=False
            ).update(reminded=True)
            if claimed:
                await _tell(state, notices.DIALOG_REMINDER, keyboards.continue_or_cancel())
                told += 1
    return told


@periodic("dialog-expiry", 60.0)
async def expire_dialogs(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    now = clock.now()
    for app in apps.values():
        d: Deps = app.bot_data[KEY]
        told = await _expire(d, now)
        if d.dialog_reminder_minutes < d.dialog_timeout_minutes:
            told += await _remind(d, now)
        if told:
            d.wake_workers()  # the outbox sends them now, not at its next round
