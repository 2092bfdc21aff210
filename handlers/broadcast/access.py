"""Who may run broadcasts, and their buttons' data: admin rights are checked on every
command and every press (callback data is never trusted)."""

from __future__ import annotations

from telegram import Update

from handlers.callbacks import CallbackFeature
from handlers.common import Context, send
from handlers.deps import deps
from handlers.texts import broadcast as texts

__all__ = ["BC", "is_admin", "refuse"]

BC = CallbackFeature("bc", ("aud", "go", "no", "pause", "resume", "stop"))
"""An admin's broadcast buttons: ``aud:<id>.<audience>`` (``<id>.s.<service>`` names a
service), ``go|no:<id>`` on a draft and ``pause|resume|stop:<id>`` while it runs."""


def is_admin(update: Update, context: Context) -> bool:
    user, chat = update.effective_user, update.effective_chat
    return (
        user is not None
        and chat is not None
        and chat.type == "private"
        and user.id in deps(context).admin_ids
    )


async def refuse(update: Update, context: Context) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(texts.NOT_ADMIN, show_alert=True)
    else:
        await send(update, context, texts.NOT_ADMIN)
