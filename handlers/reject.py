"""«رد درخواست» with a reason: staff pick one of the service's common reasons (catalog data,
``models/catalog/reject_reasons.toml``) or type their own, and the citizen receives the
reason and what they can do (the status event's note, delivered by the outbox).

The status button ``op:reject:<id>`` is answered here, not by ``handlers.operator``: this
module is registered before it (see ``handlers.register_all``). A press asks for the reason
(``desk:rsn:<id>.<n>``, ``desk:rtyped:<id>``, ``desk:rcancel:<id>``); a typed reason is a
reply to the bot's prompt, matched through the prompt's :class:`~models.desk.DeskAction` row
(actor and message id), so any process may take it. Each step re-checks the chat, the
presser's rights and that the request may still be rejected now.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from handlers import keyboards, texts
from handlers.callbacks import RowArg
from handlers.common import Context, message_of, sender_of
from handlers.deps import deps
from handlers.desk import actor_of, load_request, pressed_request, staff_check
from handlers.operator import DESK, OP, desk_view, illegal_text
from handlers.render import fa
from handlers.texts import desk as dtexts
from models import desk
from models.desk import DeskAction
from models.reasons import reasons_for
from models.request import TRANSITIONS, IllegalTransition, RequestStatus, ServiceRequest

__all__ = ["register"]

log = logging.getLogger(__name__)

REASON_MAX = 1000
PROMPT = "reject_prompt"


def _may_reject(request: ServiceRequest) -> bool:
    return RequestStatus.REJECTED in TRANSITIONS[RequestStatus(request.status)]


def _illegal(request: ServiceRequest) -> str:
    return illegal_text(request, RequestStatus.REJECTED)


async def ask_reason(update: Update, context: Context) -> None:
    """``op:reject:<id>``: the reasons to pick from."""
    pressed = await pressed_request(update, context, OP)
    if pressed is None:
        return
    _, request, query = pressed
    message = message_of(update)
    if not _may_reject(request):
        await query.answer(_illegal(request), show_alert=True)
        return
    await query.answer()
    buttons = [
        DESK.button(f"{n + 1}. {reason.text}"[:60], "rsn", RowArg(request.id, str(n)))
        for n, reason in enumerate(reasons_for(request.service.code))
    ]
    buttons.append(DESK.button(dtexts.BTN_REASON_OTHER, "rtyped", request.id))
    buttons.append(DESK.button(dtexts.BTN_REJECT_CANCEL, "rcancel", request.id))
    lines = [
        dtexts.REJECT_ASK.format(code=fa(request.tracking_code), other=dtexts.BTN_REASON_OTHER)
    ]
    lines += [f"{fa(n + 1)}. {r.text}" for n, r in enumerate(reasons_for(request.service.code))]
    await message.reply_text("\n".join(lines), reply_markup=keyboards.rows(buttons))


async def reject(request: ServiceRequest, actor: str, reason: str, next_step: str) -> bool:
    """Move to «رد شد» with the reason as the citizen's note and record the desk action;
    False (``request.status`` re-read) when another change got there first."""
    note = dtexts.REJECT_NOTE.format(reason=reason, next=next_step or dtexts.REJECT_NEXT_DEFAULT)
    try:
        await request.move_to(RequestStatus.REJECTED, actor=actor, note=note)
    except IllegalTransition:
        await request.refresh_from_db(fields=["status"])
        return False
    await desk.record(actor, "reject", request.id, detail=reason)
    return True


async def _rejected_view(
    request: ServiceRequest, set_by: str | None, reason: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The status message of the rejected request, with the reason under it."""
    text, markup = await desk_view(request, set_by=set_by)
    return f"{text}\n{dtexts.REJECTED_WITH.format(reason=reason)}", markup


async def on_reason_button(update: Update, context: Context) -> None:
    """``desk:rsn:<id>.<n>`` / ``desk:rtyped:<id>`` / ``desk:rcancel:<id>``."""
    pressed = await pressed_request(update, context)
    if pressed is None:
        return
    cb, request, query = pressed
    message = message_of(update)
    d, user = deps(context), query.from_user
    code = fa(request.tracking_code)
    if cb.action == "rcancel":
        await query.answer()
        await query.edit_message_text(dtexts.REJECT_CANCELLED.format(code=code))
        return
    if not _may_reject(request):
        await query.answer(_illegal(request), show_alert=True)
        return
    if cb.action == "rtyped":
        await query.answer()
        prompt = await message.reply_text(dtexts.REJECT_TYPE.format(code=code))
        await desk.record(actor_of(d, user.id), PROMPT, request.id, message_id=prompt.message_id)
        return
    reasons = reasons_for(request.service.code)
    row = RowArg.unpack(cb.arg)
    number = (row.detail if row is not None else None) or ""
    if not number.isdigit() or int(number) >= len(reasons):
        await query.answer(texts.EXPIRED_BUTTON, show_alert=True)
        return
    reason = reasons[int(number)]
    if not await reject(request, actor_of(d, user.id), reason.text, reason.next):
        await query.answer(_illegal(request), show_alert=True)
        return
    d.wake_workers()
    await query.answer(dtexts.REJECTED_WITH.format(reason=reason.text)[:190])
    text, markup = await _rejected_view(request, user.first_name, reason.text)
    await query.edit_message_text(text, reply_markup=markup)


async def on_typed_reason(update: Update, context: Context) -> None:
    """A reply to the reason prompt: the typed reason, from the operator who asked for it."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    if staff_check(update, context) is not None:
        return
    d, (user, _) = deps(context), sender_of(update)
    prompt = await DeskAction.get_or_none(
        action=PROMPT,
        actor=actor_of(d, user.id),
        message_id=message.reply_to_message.message_id,
    )
    if prompt is None or prompt.request_id is None:  # type: ignore[attr-defined]
        return
    request = await load_request(d, request_id=prompt.request_id)  # type: ignore[attr-defined]
    if request is None:
        return
    reason = message.text.strip()[:REASON_MAX]
    if not await reject(request, actor_of(d, user.id), reason, ""):
        await message.reply_text(_illegal(request))
        return
    d.wake_workers()
    text, markup = await _rejected_view(request, user.first_name, reason)
    await message.reply_text(text, reply_markup=markup)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(ask_reason, pattern=OP.pattern("reject")))
    app.add_handler(
        CallbackQueryHandler(on_reason_button, pattern=DESK.pattern("rsn", "rtyped", "rcancel"))
    )
    replies = filters.ChatType.GROUPS & filters.REPLY & filters.TEXT & ~filters.COMMAND
    # group 1: the relay's reply handler (group 0) sees the same replies and ignores these
    app.add_handler(MessageHandler(replies, on_typed_reason), group=1)
