"""Helpers every feature uses: who is writing, and answering them.

Handlers get what they need from an update through :func:`sender_of`, :func:`message_of`,
:func:`query_of` and :func:`pressed_message`, never through ``assert``: an update the Bot
API may send without a user, a chat or a message (a channel post, a poll, a future kind)
raises :class:`NotForUs`, which the error handler drops quietly. It is input, not a bug.
"""

from __future__ import annotations

from telegram import CallbackQuery, Chat, MaybeInaccessibleMessage, Message, Update, User
from telegram.ext import ContextTypes

from handlers import keyboards, texts
from handlers.callbacks import Callback, CallbackFeature, RowArg
from handlers.deps import deps
from models.citizen import Citizen
from models.followup import own_request
from models.request import ServiceRequest

__all__ = [
    "Context",
    "NotForUs",
    "citizen_of",
    "message_of",
    "pressed_message",
    "pressed_own_request",
    "query_of",
    "send",
    "send_main_menu",
    "sender_of",
]

Context = ContextTypes.DEFAULT_TYPE


class NotForUs(Exception):
    """The update lacks what this handler needs; it is dropped without an answer."""


def sender_of(update: Update) -> tuple[User, Chat]:
    """Who wrote, and where."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        raise NotForUs("no user or chat")
    return user, chat


def message_of(update: Update) -> Message:
    message = update.effective_message
    if message is None:
        raise NotForUs("no message")
    return message


def pressed_message(query: CallbackQuery) -> MaybeInaccessibleMessage:
    """The message whose button was pressed: its chat and id, also when the messenger no
    longer shows the bot its content (an old message)."""
    if query.message is None:
        raise NotForUs("a press on no message")
    return query.message


def query_of(update: Update) -> CallbackQuery:
    query = update.callback_query
    if query is None:
        raise NotForUs("no button press")
    return query


async def citizen_of(update: Update, context: Context) -> Citizen:
    """The citizen behind this update, created on first contact (one SELECT afterwards)."""
    user, chat = sender_of(update)
    return await Citizen.of(deps(context).messenger, user.id, chat.id, user.first_name or "")


async def pressed_own_request(
    update: Update, context: Context, feature: CallbackFeature
) -> tuple[CallbackQuery, Callback | None, ServiceRequest | None]:
    """A citizen's button naming a request (``<feature>:<action>:<request id>``): the press,
    its data (None if not of ``feature``'s shape) and the request, None unless it is the
    presser's own (unknown and foreign ids alike: callback data is never trusted)."""
    query = query_of(update)
    cb = feature.parse(query.data)
    citizen = await citizen_of(update, context)
    row = RowArg.unpack(cb.arg) if cb is not None else None
    request = None
    if row is not None and row.detail is None:
        request = await own_request(row.id, citizen.id)
    return query, cb, request


async def send(update: Update, context: Context, text: str, reply_markup=None) -> None:
    """Reply in the chat the update came from."""
    chat = update.effective_chat
    if chat is None:
        raise NotForUs("no chat to answer in")
    await context.bot.send_message(chat.id, text, reply_markup=reply_markup)


async def send_main_menu(update: Update, context: Context, text: str = texts.MAIN_MENU) -> None:
    await send(update, context, text, keyboards.main_menu())
