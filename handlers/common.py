"""Helpers every feature uses: who is writing, and answering them.

Handlers get what they need from an update through :func:`sender_of`, :func:`message_of`,
:func:`query_of` and :func:`pressed_message`, never through ``assert``: an update the Bot
API may send without a user, a chat or a message (a channel post, a poll, a future kind)
raises :class:`NotForUs`, which the error handler drops quietly. It is input, not a bug.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, Chat, MaybeInaccessibleMessage, Message, Update, User
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import Application, CallbackContext, ExtBot

from handlers import keyboards, texts
from handlers.callbacks import Callback, CallbackFeature, RowArg
from handlers.delivery import MESSAGE, message_payload
from handlers.deps import deps
from handlers.outgoing import send_text
from models import outbox
from models.citizen import Citizen
from models.followup import own_request
from models.outbox import Priority
from models.request import ServiceRequest
from models.service import Service
from models.visit import Visit

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

log = logging.getLogger(__name__)


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context of one update (``bot.app`` makes it the Application's context type),
    holding the rows the update read first (:func:`models.visit.read_visit`) until a
    handler asks for them. Each is handed out once: a second ask reads afresh, as it did
    before they were read together."""

    __slots__ = ("_citizen", "_service")

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self._citizen: Citizen | None = None
        self._service: Service | None = None

    def read_with(self, visit: Visit) -> None:
        """Keep the citizen and the service ``visit`` read for this update's handlers."""
        self._citizen, self._service = visit.citizen, visit.service

    def take_citizen(self, messenger: str, user_id: int) -> Citizen | None:
        citizen, self._citizen = self._citizen, None
        if citizen is None or citizen.messenger != messenger or citizen.user_id != user_id:
            return None
        return citizen

    def take_service(self, code: str) -> Service | None:
        service, self._service = self._service, None
        return service if service is not None and service.code == code else None


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
    """The citizen behind this update, created on first contact (one SELECT afterwards,
    none if the update read them with its dialog)."""
    user, chat = sender_of(update)
    messenger = deps(context).messenger
    citizen = context.take_citizen(messenger, user.id)
    if citizen is not None:
        return citizen
    return await Citizen.of(messenger, user.id, chat.id, user.first_name or "")


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
    """Reply in the chat the update came from.

    The send budget's limiter already tried again on the messenger's hiccups; a reply that
    still fails becomes an outbox row at reply priority, so that the dispatcher keeps trying
    after the messenger is back instead of the citizen's answer being lost."""
    chat = update.effective_chat
    if chat is None:
        raise NotForUs("no chat to answer in")
    try:
        await send_text(context.bot, chat.id, text, reply_markup)
    except (NetworkError, RetryAfter) as error:
        d = deps(context)
        if isinstance(error, BadRequest) and not d.is_rate_limit(error.message):
            raise  # our mistake, not a hiccup: sending it again cannot help
        log.warning("reply not sent (%s); left to the outbox", type(error).__name__)
        payload = message_payload(text, reply_markup)
        await outbox.enqueue(
            d.messenger, chat.id, MESSAGE, payload=payload, priority=Priority.REPLY
        )
        d.wake_workers()


async def send_main_menu(update: Update, context: Context, text: str = texts.MAIN_MENU) -> None:
    await send(update, context, text, keyboards.main_menu())
