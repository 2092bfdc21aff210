"""Admins speak to citizens: /broadcast, /broadcasts, and the citizen's opt-out.

An admin composes (text, or one photo with a caption), picks an audience, sees a preview
exactly as citizens will and the number of recipients, and confirms or cancels; nothing
goes before the confirm. The recipients are outbox rows (``models.broadcast``), sent by the
one dispatcher at bulk priority under the shared rate budget; ``bot.broadcasts`` queues
them and owes the admin's progress message its edits (outbox rows too). Admin rights are
checked on every command and every button press: callback data is never trusted.

Citizens send «لغو اطلاع‌رسانی» (or /stop) to stop broadcasts and «دریافت اطلاعیه‌ها» to get
them again; request notices are not broadcasts and always arrive.

One module per idea, each importing only those above it:

* :mod:`.access` — the admin check and the buttons' callback feature;
* :mod:`.send` — a broadcast as it reaches a citizen (the outbox kind's sender);
* :mod:`.progress` — the progress message, its buttons and the final report;
* :mod:`.compose` — /broadcast: text or photo, audience, preview, confirm;
* :mod:`.controls` — /broadcasts, pause, resume and cancel.

This package holds the buttons' dispatch and the citizens' opt-out.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import flows
from handlers.broadcast.access import BC
from handlers.broadcast.compose import (
    FLOW,
    on_audience,
    on_compose,
    on_confirm,
    on_discard,
    start_compose,
)
from handlers.broadcast.controls import list_broadcasts, on_control
from handlers.broadcast.progress import (
    PROGRESS_EDIT,
    controls,
    progress_text,
    queue_progress,
    queue_report,
    report_text,
)
from handlers.broadcast.send import citizen_text
from handlers.common import Context, citizen_of, query_of, send
from handlers.texts import broadcast as texts
from models import broadcast as model

__all__ = [
    "BC",
    "PROGRESS_EDIT",
    "citizen_text",
    "controls",
    "progress_text",
    "queue_progress",
    "queue_report",
    "register",
    "report_text",
]


async def on_button(update: Update, context: Context) -> None:
    query = query_of(update)
    cb = BC.parse(query.data)
    if cb is None:
        await query.answer()
        return
    if cb.action == "aud":
        await on_audience(update, context, cb.arg)
    elif cb.action == "go":
        await on_confirm(update, context, cb.arg)
    elif cb.action == "no":
        await on_discard(update, context, cb.arg)
    elif cb.action in ("pause", "resume", "stop"):
        await on_control(update, context, cb.action, cb.arg)
    else:
        await query.answer()


# ---------------------------------------------------------------- citizens' choice
async def opt_out(update: Update, context: Context) -> None:
    citizen = await citizen_of(update, context)
    changed = await model.opt_out(citizen)
    text = texts.OPTED_OUT if changed else texts.ALREADY_OUT
    await send(update, context, text.format(opt_in=texts.BTN_OPT_IN))


async def opt_in(update: Update, context: Context) -> None:
    citizen = await citizen_of(update, context)
    changed = await model.opt_in(citizen)
    await send(update, context, texts.OPTED_IN if changed else texts.ALREADY_IN)


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    flows.register_flow(FLOW, on_compose)
    app.add_handler(CommandHandler("broadcast", start_compose, filters=private))
    app.add_handler(CommandHandler("broadcasts", list_broadcasts, filters=private))
    app.add_handler(CommandHandler("stop", opt_out, filters=private))
    app.add_handler(MessageHandler(private & filters.Text([texts.BTN_OPT_OUT]), opt_out))
    app.add_handler(MessageHandler(private & filters.Text([texts.BTN_OPT_IN]), opt_in))
    app.add_handler(CallbackQueryHandler(on_button, pattern=BC.pattern()))
