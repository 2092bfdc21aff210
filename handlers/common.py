"""Helpers every feature uses: who is writing, and answering them."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from handlers import keyboards, texts
from handlers.deps import deps
from models.citizen import Citizen

__all__ = ["Context", "citizen_of", "send", "send_main_menu"]

Context = ContextTypes.DEFAULT_TYPE


async def citizen_of(update: Update, context: Context) -> Citizen:
    """The citizen behind this update, created on first contact (one SELECT afterwards)."""
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    citizen, _ = await Citizen.get_or_create(
        messenger=deps(context).messenger,
        user_id=user.id,
        defaults={"chat_id": chat.id, "first_name": (user.first_name or "")[:128]},
    )
    return citizen


async def send(update: Update, context: Context, text: str, reply_markup=None) -> None:
    """Reply in the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, reply_markup=reply_markup)


async def send_main_menu(update: Update, context: Context, text: str = texts.MAIN_MENU) -> None:
    await send(update, context, text, keyboards.main_menu())
