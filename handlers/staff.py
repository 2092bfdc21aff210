"""«گفتگو با کارشناس»: opens a thread with the operator group (``handlers.relay``).

The button asks for the message; from then on everything the citizen sends (text, voice,
photo, file) is relayed under the same header until «پایان گفتگو».
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import flows, relay, texts
from handlers.callbacks import CallbackFeature
from handlers.common import Context, query_of, send
from handlers.deps import deps

__all__ = ["STAFF", "ask_message", "register"]

STAFF = CallbackFeature("staff", ("ask",))
"""«گفتگو با کارشناس» under a search or off-topic answer (``staff:ask:``)."""


async def ask_message(update: Update, context: Context) -> None:
    if deps(context).operator_chat_id is None:
        await send(update, context, texts.STAFF_UNAVAILABLE)
        return
    await flows.begin(update, context, "staff", "message")
    await send(update, context, texts.STAFF_PROMPT, relay.end_keyboard())


async def on_button(update: Update, context: Context) -> None:
    query = query_of(update)
    await query.answer()
    await ask_message(update, context)


def register(app: Application) -> None:  # type: ignore[type-arg]
    flows.register_flow("staff", relay.on_thread_message)
    app.add_handler(CallbackQueryHandler(on_button, pattern=STAFF.pattern()))
