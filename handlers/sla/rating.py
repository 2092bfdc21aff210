"""After «انجام شد»: a 1–5 rating question, then an optional comment, each stored once.

``models.request`` queues the question (kind :data:`models.sla.RATE_ASK`, dedup
``rate:<request id>``) in the transaction that sets ``done``; this module sends it and takes
the answer. A press is the citizen's own done request's, and counts only while the request
has no rating (:func:`models.followup.rate` is one conditional UPDATE): a late or repeated
press changes nothing. Staff see each rating and comment in the operator group.
"""

from __future__ import annotations

import telegram
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import flows, keyboards
from handlers.callbacks import CallbackFeature, RowArg
from handlers.common import Context, citizen_of, message_of, query_of, send, send_main_menu
from handlers.delivery import sender, subject_of
from handlers.deps import Deps, deps
from handlers.outgoing import send_text
from handlers.render import fa
from handlers.texts import sla as texts
from models.dialog import DialogState
from models.followup import comment, own_request, rate
from models.outbox import OutboxMessage
from models.request import ServiceRequest
from models.sla import RATE_ASK

__all__ = ["register"]

RATE = CallbackFeature("rate", ("s", "skip"))
"""``rate:s:<request>.<1-5>`` (the stars) and ``rate:skip:<request>``."""
FLOW = "ratecomment"
COMMENT_MAX = 500
_STARS = ("1", "2", "3", "4", "5")


def _stars(n: int) -> str:
    return "⭐️" * n


def rate_keyboard(request_id: int) -> InlineKeyboardMarkup:
    return keyboards.rows(
        (RATE.button(fa(n), "s", RowArg(request_id, str(n))) for n in range(1, 6)), width=5
    )


@sender(RATE_ASK)
async def send_rating_question(bot: telegram.Bot, d: Deps, row: OutboxMessage) -> int | None:
    request = await subject_of(row, ServiceRequest, "service")
    return await send_text(
        bot,
        row.chat_id,
        texts.RATE_ASK.format(code=fa(request.tracking_code), service=request.service.title),
        rate_keyboard(request.id),
    )


def _group(context: Context) -> tuple[str, int] | None:
    d = deps(context)
    return (d.messenger, d.operator_chat_id) if d.operator_chat_id is not None else None


async def on_button(update: Update, context: Context) -> None:
    """``rate:s:<request>.<1-5>`` and ``rate:skip:<request>``."""
    query = query_of(update)
    cb = RATE.parse(query.data)
    citizen = await citizen_of(update, context)
    if cb is not None and cb.action == "skip":
        await query.answer()
        state = await flows.current(update, context)
        if state is not None and state.flow == FLOW:
            await state.finish()
        await send_main_menu(update, context, texts.RATE_DONE)
        return
    row = RowArg.unpack(cb.arg) if cb is not None and cb.action == "s" else None
    rated = row is not None and row.detail in _STARS
    request = await own_request(row.id, citizen.id) if row is not None and rated else None
    if row is None or request is None:
        await query.answer(texts.RATE_ALREADY, show_alert=True)
        return
    stars = int(row.detail or "0")
    staff_text = texts.RATED_STAFF.format(
        code=fa(request.tracking_code), service=request.service.title, stars=_stars(stars)
    )
    if not await rate(request.id, citizen.id, stars, _group(context), staff_text):
        await query.answer(texts.RATE_ALREADY, show_alert=True)
        return
    await query.answer()
    deps(context).wake_workers()
    await flows.begin(update, context, FLOW, "comment", {"request": request.id})
    skip = keyboards.rows([RATE.button(texts.BTN_RATE_SKIP, "skip", request.id)])
    await send(
        update,
        context,
        texts.RATE_THANKS.format(stars=_stars(stars), skip=texts.BTN_RATE_SKIP),
        skip,
    )


async def on_comment(update: Update, context: Context, state: DialogState) -> None:
    """The message after a rating: its comment (text only), once."""
    message = message_of(update)
    await state.finish()
    if not message.text:
        await send_main_menu(update, context, texts.RATE_DONE)
        return
    citizen = await citizen_of(update, context)
    request = await own_request(int(state.data.get("request", 0)), citizen.id)
    if request is None:
        await send_main_menu(update, context, texts.RATE_DONE)
        return
    text = message.text.strip()[:COMMENT_MAX]
    staff_text = texts.RATE_COMMENT_STAFF.format(code=fa(request.tracking_code), comment=text)
    if await comment(request.id, citizen.id, text, _group(context), staff_text):
        deps(context).wake_workers()
        await send_main_menu(update, context, texts.RATE_COMMENT_THANKS)
    else:
        await send_main_menu(update, context, texts.RATE_ALREADY)


def register(app: Application) -> None:  # type: ignore[type-arg]
    flows.register_flow(FLOW, on_comment)
    app.add_handler(CallbackQueryHandler(on_button, pattern=RATE.pattern()))
