"""The operator group's status buttons: the message that shows a request's status, and
the presses that move it.

The announcement of a filed request (its details, documents and this status message) is
:mod:`handlers.announce`. A press is checked on every call, in this order: it came from
the configured operator chat, the presser is an operator (or admin) of this messenger, the
data has our shape, the request exists and was filed on this messenger, and the move is
legal from the status the request has *now* (``move_to`` re-reads it under a row lock).
Anything else gets a short Persian alert and changes nothing.

A valid press writes the status and a :class:`~models.request.StatusEvent` in one
transaction; the event is the citizen's notice, delivered by the outbox dispatcher
(``bot.outbox``), which the handler wakes so the citizen hears within a second.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from handlers import keyboards, texts
from handlers.callbacks import CallbackFeature, RowArg
from handlers.common import Context, query_of
from handlers.deps import deps
from handlers.render import fa
from handlers.texts import desk as dtexts
from handlers.texts import operator as otexts
from models.desk import Claim
from models.request import TRANSITIONS, IllegalTransition, RequestStatus, ServiceRequest

__all__ = [
    "ACTIONS",
    "DESK",
    "OP",
    "PRESS_HOOKS",
    "desk_view",
    "illegal_text",
    "register",
    "staff_press",
    "status_keyboard",
    "status_text",
]

log = logging.getLogger(__name__)

ACTIONS: dict[str, tuple[RequestStatus, str]] = {
    "review": (RequestStatus.IN_REVIEW, otexts.BTN_IN_REVIEW),
    "needdocs": (RequestStatus.NEEDS_DOCUMENTS, otexts.BTN_NEEDS_DOCUMENTS),
    "progress": (RequestStatus.IN_PROGRESS, otexts.BTN_IN_PROGRESS),
    "done": (RequestStatus.DONE, otexts.BTN_DONE),
    "reject": (RequestStatus.REJECTED, otexts.BTN_REJECTED),
}
"""Callback action (``op:<action>:<request id>``) → the status it sets and its label."""
OP = CallbackFeature("op", tuple(ACTIONS))
"""The status buttons (``op:<action>:<request id>``); «رد درخواست» is ``handlers.reject``'s."""
DESK = CallbackFeature("desk", ("claim", "release", "docs", "rsn", "rtyped", "rcancel"))
"""The desk's buttons on a request (``handlers.desk``, ``handlers.reject``): claim and
release, resend the documents, and the rejection reasons (``rsn:<request>.<n>``)."""


# ------------------------------------------------------------------ rendering


def _label(status: str) -> str:
    return texts.STATUS_LABELS.get(status, status)


def illegal_text(request: ServiceRequest, wanted: str) -> str:
    """The alert for a move the request's status of now does not allow."""
    return otexts.ILLEGAL_TRANSITION.format(current=_label(request.status), wanted=_label(wanted))


def status_keyboard(
    request: ServiceRequest, extra: Sequence[InlineKeyboardButton] = ()
) -> InlineKeyboardMarkup | None:
    """The buttons still legal from the request's status (and ``extra``, the desk's claim
    button); none once it is final."""
    legal = TRANSITIONS[RequestStatus(request.status)]
    buttons = [
        OP.button(label, action, request.id)
        for action, (status, label) in ACTIONS.items()
        if status in legal
    ]
    if buttons:
        buttons += extra
    return keyboards.rows(buttons, width=2) if buttons else None


def status_text(
    request: ServiceRequest, set_by: str | None = None, claimed_by: str | None = None
) -> str:
    """The status message; ``request.service`` must be loaded."""
    text = otexts.STATUS_MESSAGE.format(
        code=fa(request.tracking_code),
        service=request.service.title,
        status=_label(request.status),
    )
    if set_by is not None:
        text += "\n" + otexts.STATUS_SET_BY.format(name=set_by or otexts.NAMELESS)
    if claimed_by is not None and request.is_open:
        text += "\n" + dtexts.CLAIMED_BY.format(name=claimed_by or otexts.NAMELESS)
    return text


async def claim_buttons(request: ServiceRequest) -> list[InlineKeyboardButton]:
    """«برعهده من» or «رها کردن» (``handlers.desk``), while the request is open."""
    if not request.is_open:
        return []
    claimed = await Claim.exists(request_id=request.id)
    label, action = (dtexts.BTN_RELEASE, "release") if claimed else (dtexts.BTN_CLAIM, "claim")
    return [DESK.button(label, action, request.id)]


async def claimed_by(request: ServiceRequest) -> str | None:
    claim = await Claim.get_or_none(request_id=request.id)
    return None if claim is None else claim.operator_name


async def desk_view(
    request: ServiceRequest, set_by: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The status message as the group sees it now: status, claim, buttons."""
    text = status_text(request, set_by=set_by, claimed_by=await claimed_by(request))
    return text, status_keyboard(request, await claim_buttons(request))


# ------------------------------------------------------------------ status buttons

PressHook = Callable[[Update, Context, ServiceRequest], Awaitable[None]]
PRESS_HOOKS: dict[str, PressHook] = {}
"""Status actions whose press opens a flow of their own instead of moving at once, filled
by that feature (``handlers.sla.pick``: «نیاز به مدرک» asks which documents first). The
press is checked here in full (chat, operator, data, request) before the hook runs."""


async def staff_press(update: Update, context: Context) -> bool:
    """True for a press in the operator chat by an operator; otherwise refused with an alert.

    For the buttons of flows opened from the status message (they carry their own data)."""
    query = query_of(update)
    d = deps(context)
    chat_id = query.message.chat.id if query.message is not None else None
    if d.operator_chat_id is None or chat_id != d.operator_chat_id:
        await _refuse(update, otexts.WRONG_CHAT)
        return False
    if query.from_user.id not in d.operator_ids:
        await _refuse(update, otexts.NOT_OPERATOR)
        return False
    return True


async def _refuse(update: Update, text: str) -> None:
    query = query_of(update)
    await query.answer(text, show_alert=True)


async def on_status_button(update: Update, context: Context) -> None:
    """``op:<action>:<request id>``: checked in full on every press."""
    query = query_of(update)
    d = deps(context)
    user = query.from_user
    chat_id = query.message.chat.id if query.message is not None else None
    if d.operator_chat_id is None or chat_id != d.operator_chat_id:
        log.warning(
            "status button pressed outside the operator chat by %s:%s", d.messenger, user.id
        )
        await _refuse(update, otexts.WRONG_CHAT)
        return
    if user.id not in d.operator_ids:
        log.warning("status button pressed by non-operator %s:%s", d.messenger, user.id)
        await _refuse(update, otexts.NOT_OPERATOR)
        return
    cb = OP.parse(query.data)
    action = ACTIONS.get(cb.action) if cb is not None else None
    row = RowArg.unpack(cb.arg) if cb is not None else None
    if cb is None or action is None or row is None or row.detail is not None:
        await _refuse(update, texts.EXPIRED_BUTTON)
        return
    request = await ServiceRequest.get_or_none(id=row.id).prefetch_related("service", "citizen")
    # Both messengers share one database: a request filed on the other one is not this
    # group's to move (its staff and its notices live on the other messenger).
    if request is None or request.citizen.messenger != d.messenger:
        await _refuse(update, otexts.UNKNOWN_REQUEST)
        return
    hook = PRESS_HOOKS.get(cb.action)
    if hook is not None:  # a press that opens a flow of its own («نیاز به مدرک»)
        await hook(update, context, request)
        return
    status, _ = action
    try:
        await request.move_to(status, actor=f"operator:{d.messenger}:{user.id}")
    except IllegalTransition:
        await request.refresh_from_db(fields=["status"])
        await _refuse(update, illegal_text(request, status))
        return
    d.wake_workers()
    log.info("request %s moved to %s by operator %s:%s", request.id, status, d.messenger, user.id)
    await query.answer(otexts.STATUS_CHANGED.format(status=_label(status)))
    try:
        text, markup = await desk_view(request, set_by=user.first_name)
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:  # the status is saved; only the group's view is stale
        log.warning("could not update the status message: %s", exc.message)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_status_button, pattern=OP.pattern()))
