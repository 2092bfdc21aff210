"""«گفتگو با کارشناس»: the citizen's next message goes to the operator group.

The operator group sees the citizen's first name and messenger id only, never their
national code or phone number.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import flows, texts
from handlers.callbacks import pattern
from handlers.common import Context, citizen_of, message_of, query_of, send, send_main_menu
from handlers.deps import deps
from models.dialog import DialogState

__all__ = ["ask_message", "register"]


async def ask_message(update: Update, context: Context) -> None:
    if deps(context).operator_chat_id is None:
        await send(update, context, texts.STAFF_UNAVAILABLE)
        return
    await flows.begin(update, context, "staff", "message")
    await send(update, context, texts.STAFF_PROMPT)


async def on_button(update: Update, context: Context) -> None:
    query = query_of(update)
    await query.answer()
    await ask_message(update, context)


async def on_staff_flow(update: Update, context: Context, state: DialogState) -> None:
    message = message_of(update)
    if not message.text:
        await send(update, context, texts.NOT_TEXT)
        return
    operator_chat = deps(context).operator_chat_id
    await state.finish()
    if operator_chat is None:
        await send(update, context, texts.STAFF_UNAVAILABLE)
        return
    citizen = await citizen_of(update, context)
    who = f"{citizen.first_name} · {citizen.messenger}:{citizen.user_id}"
    await context.bot.send_message(
        operator_chat, texts.OPERATOR_CITIZEN_MESSAGE.format(who=who, text=message.text)
    )
    await send_main_menu(update, context, texts.STAFF_SENT)


def register(app: Application) -> None:  # type: ignore[type-arg]
    flows.register_flow("staff", on_staff_flow)
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern("staff")))
