"""Where a citizen's plain message goes: the open dialog, the main menu, or the matcher.

Commands and buttons have their own handlers; everything else a citizen sends in a private
chat comes here. The open dialog is read from the database on every message, so the answer
does not depend on which process took the update or whether it restarted.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from handlers import flows, keyboards, relay, search, start, texts
from handlers.common import Context, message_of, query_of, send, send_main_menu
from handlers.deps import deps
from handlers.render import fa

__all__ = ["register"]


async def route(update: Update, context: Context) -> None:
    message = message_of(update)
    text = message.text
    limit = deps(context).max_text_length
    if text is not None and len(text) > limit:
        await send(
            update, context, texts.TEXT_TOO_LONG.format(length=fa(len(text)), limit=fa(limit))
        )
        return
    state = await flows.current(update, context)
    if text in texts.MENU_BUTTONS:
        if state is not None and state.flow in flows.RESUMABLE:
            await send(update, context, texts.DIALOG_OPEN, keyboards.continue_or_cancel())
            return
        if state is not None:
            await state.finish()
        await start.menu_button(update, context)
        return
    if state is not None:
        handler = flows.flow_handler(state.flow)
        if handler is not None:
            await handler(update, context, state)
            return
        await state.finish()  # a flow this version no longer knows: start afresh
    if text:
        await search.handle_text(update, context, text)
    else:  # a voice note, a photo, a file…: the bot cannot read it; staff can
        await relay.offer(update, context, is_text=False)


async def dialog_button(update: Update, context: Context) -> None:
    """«ادامه» / «انصراف» offered when a menu button interrupts an open dialog."""
    query = query_of(update)
    cb = keyboards.DLG.parse(query.data)
    state = await flows.current(update, context)
    if cb is None or state is None:
        await query.answer(texts.EXPIRED_BUTTON, show_alert=True)
        return
    await query.answer()
    if cb.action == "cancel":
        await state.finish()
        await send_main_menu(update, context, texts.CANCELLED)
        return
    resume = flows.RESUMABLE.get(state.flow)
    if cb.action == "resume" and resume is not None:
        await state.advance(state.step)  # the citizen is back: restart the idle clock
        await resume(update, context, state)
        return
    await send(update, context, texts.EXPIRED_BUTTON)


async def unknown_command(update: Update, context: Context) -> None:
    await send(update, context, texts.UNKNOWN_COMMAND)


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(CallbackQueryHandler(dialog_button, pattern=keyboards.DLG.pattern()))
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(private & ~filters.COMMAND, route))
