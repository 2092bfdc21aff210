"""Who may use the desk, and the request a press or command names.

Every desk press and command re-checks, in order: the operator chat, the presser's rights,
the data's shape, the request (exists, filed on this messenger) and its state now. The
checks live here once; ``handlers.reject`` uses them for «رد درخواست» too.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from telegram import CallbackQuery, Message, Update

from handlers import texts
from handlers.callbacks import Callback, CallbackFeature, RowArg
from handlers.common import Context, message_of, query_of
from handlers.deps import Deps, deps
from handlers.operator import DESK
from handlers.texts import desk as dtexts
from handlers.texts import operator as otexts
from models.digits import to_latin_digits
from models.request import ServiceRequest

__all__ = [
    "Pressed",
    "actor_of",
    "command_args",
    "load_request",
    "pressed_request",
    "reply",
    "staff_check",
    "staff_message",
]

log = logging.getLogger(__name__)

MESSAGE_MAX = 4000


def actor_of(d: Deps, user_id: int) -> str:
    return f"operator:{d.messenger}:{user_id}"


def staff_check(update: Update, context: Context) -> str | None:
    """None when the update comes from an operator in the operator chat; else the refusal."""
    d = deps(context)
    chat, user = update.effective_chat, update.effective_user
    if d.operator_chat_id is None or chat is None or chat.id != d.operator_chat_id:
        return otexts.WRONG_CHAT
    if user is None or not d.is_operator(user.id):
        log.warning("desk used by non-operator %s:%s", d.messenger, user.id if user else "?")
        return dtexts.NOT_OPERATOR
    return None


async def load_request(d: Deps, *, request_id: int | None = None, code: str | None = None):
    """The request, if it exists and was filed on this messenger (the other messenger's
    group owns the others)."""
    query = (
        ServiceRequest.get_or_none(id=request_id)
        if request_id is not None
        else ServiceRequest.get_or_none(tracking_code=code or "")
    )
    request = await query.prefetch_related("service", "citizen")
    if request is None or request.citizen.messenger != d.messenger:
        return None
    return request


class Pressed(NamedTuple):
    """A desk button that passed the checks: its data, its request and the press itself."""

    cb: Callback
    request: ServiceRequest
    query: CallbackQuery


async def pressed_request(
    update: Update, context: Context, feature: CallbackFeature = DESK
) -> Pressed | None:
    """Checks common to every desk button (and «رد درخواست», a ``feature`` of
    ``handlers.operator``'s); answers the refusal itself."""
    query = query_of(update)
    refusal = staff_check(update, context)
    if refusal is not None:
        await query.answer(refusal, show_alert=True)
        return None
    cb = feature.parse(query.data)
    row = RowArg.unpack(cb.arg) if cb is not None else None
    if cb is None or row is None:
        await query.answer(texts.EXPIRED_BUTTON, show_alert=True)
        return None
    request = await load_request(deps(context), request_id=row.id)
    if request is None:
        await query.answer(otexts.UNKNOWN_REQUEST, show_alert=True)
        return None
    return Pressed(cb, request, query)


def command_args(context: Context) -> list[str]:
    return [to_latin_digits(a) for a in (context.args or [])]


async def reply(message: Message, text: str, markup=None) -> None:
    if len(text) > MESSAGE_MAX:
        text = text[: MESSAGE_MAX - 1] + "…"
    await message.reply_text(text, reply_markup=markup)


async def staff_message(update: Update, context: Context) -> Message | None:
    """The command's message when staff may use it here; otherwise the refusal is replied
    and None returned (every desk command starts so)."""
    message = message_of(update)
    refusal = staff_check(update, context)
    if refusal is not None:
        await reply(message, refusal)
        return None
    return message
