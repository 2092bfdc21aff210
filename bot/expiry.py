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
sends each reminder or notice. The job runs every minute; ``Deps.wake_workers`` runs it at
once (tests do that after ageing a dialog in the database).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application
from tortoise import timezone

from bot.workers import periodic
from handlers import keyboards
from handlers.deps import KEY, Deps
from handlers.flows import RESUMABLE
from handlers.texts import notices
from models.citizen import Citizen
from models.dialog import DialogState

__all__ = ["expire_dialogs"]

log = logging.getLogger(__name__)


async def _tell(
    app: Application,  # type: ignore[type-arg]
    state: DialogState,
    text: str,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup,
) -> None:
    try:
        await app.bot.send_message(state.chat_id, text, reply_markup=markup)
    except Forbidden:
        await Citizen.filter(messenger=state.messenger, user_id=state.user_id).update(
            blocked_bot=True
        )
    except TelegramError as exc:
        log.warning("dialog %s: notice not sent (%s)", state.id, type(exc).__name__)


async def _expire(app: Application, d: Deps, now: datetime) -> None:  # type: ignore[type-arg]
    cutoff = now - timedelta(minutes=d.dialog_timeout_minutes)
    for state in await DialogState.filter(messenger=d.messenger, updated_at__lt=cutoff):
        deleted = await DialogState.filter(
            id=state.id, version=state.version, updated_at__lt=cutoff
        ).delete()
        if deleted and state.flow in RESUMABLE:
            log.info("dialog %s (%s) expired", state.id, state.flow)
            await _tell(app, state, notices.DIALOG_EXPIRED, keyboards.main_menu())


async def _remind(app: Application, d: Deps, now: datetime) -> None:  # type: ignore[type-arg]
    cutoff = now - timedelta(minutes=d.dialog_reminder_minutes)
    idle = DialogState.filter(
        messenger=d.messenger, reminded=False, updated_at__lt=cutoff, flow__in=list(RESUMABLE)
    )
    for state in await idle:
        claimed = await DialogState.filter(
            id=state.id, version=state.version, reminded=False
        ).update(reminded=True)
        if claimed:
            await _tell(app, state, notices.DIALOG_REMINDER, keyboards.continue_or_cancel())


@periodic("dialog-expiry", 60.0)
async def expire_dialogs(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    now = timezone.now()
    for app in apps.values():
        d: Deps = app.bot_data[KEY]
        await _expire(app, d, now)
        if d.dialog_reminder_minutes < d.dialog_timeout_minutes:
            await _remind(app, d, now)
