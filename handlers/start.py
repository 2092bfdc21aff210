"""/start, /help, /cancel and the main menu's buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import browse, flows, keyboards, search, staff, texts, track
from handlers.common import (
    Context,
    NotForUs,
    citizen_of,
    message_of,
    query_of,
    send,
    send_main_menu,
)

__all__ = ["register"]


async def start(update: Update, context: Context) -> None:
    """Greet and show the main menu; an unfinished dialog stays where it was."""
    citizen = await citizen_of(update, context)
    name = f" {citizen.first_name}" if citizen.first_name else ""
    await send_main_menu(update, context, texts.WELCOME.format(name=name))


async def help_command(update: Update, context: Context) -> None:
    await send(
        update,
        context,
        texts.HELP.format(
            services=texts.BTN_SERVICES, track=texts.BTN_TRACK, staff=texts.BTN_STAFF
        ),
        keyboards.main_menu(),
    )


async def cancel(update: Update, context: Context) -> None:
    state = await flows.current(update, context)
    if state is None:
        await send_main_menu(update, context, texts.NOTHING_TO_CANCEL)
        return
    await state.finish()
    await send_main_menu(update, context, texts.CANCELLED)


async def home(update: Update, context: Context) -> None:
    """The «منوی اصلی» inline button."""
    query = query_of(update)
    await query.answer()
    await send_main_menu(update, context)


MENU_ACTIONS = {
    texts.BTN_SEARCH: search.ask_query,
    texts.BTN_SERVICES: browse.show_categories,
    texts.BTN_TRACK: track.ask_code,
    texts.BTN_HELP: help_command,
    texts.BTN_STAFF: staff.ask_message,
}


async def menu_button(update: Update, context: Context) -> None:
    """A main-menu label typed or pressed (called by the router, which checks dialogs)."""
    message = message_of(update)
    if message.text is None:
        raise NotForUs("no text")
    await MENU_ACTIONS[message.text](update, context)


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", start, filters=private))
    app.add_handler(CommandHandler("help", help_command, filters=private))
    app.add_handler(CommandHandler("cancel", cancel, filters=private))
    app.add_handler(CallbackQueryHandler(home, pattern=keyboards.MENU.pattern()))
