"""Who works on a request: «برعهده من» / «رها کردن» under its status message
(``desk:claim|release:<id>``) and ``/assign CODE OPERATOR_ID`` (admins). Each change is a
:class:`~models.desk.DeskAction` with its actor and time (``models.desk``).
"""

from __future__ import annotations

import logging

from telegram import Update

from handlers.common import Context, query_of, sender_of
from handlers.deps import deps
from handlers.desk.access import (
    actor_of,
    command_args,
    load_request,
    pressed_request,
    reply,
    staff_message,
)
from handlers.operator import desk_view
from handlers.render import fa
from handlers.texts import desk as dtexts
from handlers.texts import operator as otexts
from models import desk
from models.desk import AlreadyClaimed, Claim
from models.identifiers import normalize_tracking_code
from models.request import ServiceRequest

__all__ = ["assign_command", "on_claim_button"]

log = logging.getLogger(__name__)


async def _refresh(update: Update, request: ServiceRequest) -> None:
    """Show the request's status, claim and buttons of now on the pressed message."""
    query = query_of(update)
    await request.refresh_from_db()
    text, markup = await desk_view(request)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except Exception as exc:
        log.warning("could not update the desk message: %s", type(exc).__name__)


async def on_claim_button(update: Update, context: Context) -> None:
    """``desk:claim|release:<id>``."""
    pressed = await pressed_request(update, context)
    if pressed is None:
        return
    cb, request, query = pressed
    d, user = deps(context), query.from_user
    if not request.is_open:
        await query.answer(dtexts.CLOSED_REQUEST, show_alert=True)
        await _refresh(update, request)
        return
    if cb.action == "claim":
        try:
            await desk.claim(
                request.id, d.messenger, user.id, user.first_name or "", actor=actor_of(d, user.id)
            )
        except AlreadyClaimed as taken:
            await query.answer(
                dtexts.CLAIMED_BY_OTHER.format(name=taken.claim.operator_name or otexts.NAMELESS),
                show_alert=True,
            )
            return
        await query.answer(dtexts.CLAIMED)
    else:
        claim = await Claim.get_or_none(request_id=request.id)
        if claim is None:
            await query.answer(dtexts.NOT_CLAIMED, show_alert=True)
        elif claim.operator_id != user.id and user.id not in d.admin_ids:
            name = claim.operator_name or otexts.NAMELESS
            await query.answer(dtexts.CLAIMED_BY_OTHER.format(name=name), show_alert=True)
            return
        else:
            await desk.release(request.id, actor=actor_of(d, user.id))
            await query.answer(dtexts.RELEASED)
    log.info("request %s: %s by operator %s:%s", request.id, cb.action, d.messenger, user.id)
    await _refresh(update, request)


async def assign_command(update: Update, context: Context) -> None:
    """``/assign CODE OPERATOR_ID``: an admin gives a request to an operator."""
    message = await staff_message(update, context)
    if message is None:
        return
    d, (user, _) = deps(context), sender_of(update)
    if user.id not in d.admin_ids:
        await reply(message, dtexts.ASSIGN_NOT_ADMIN)
        return
    args = command_args(context)
    code = normalize_tracking_code(args[0]) if args else None
    if len(args) != 2 or code is None or not args[1].isdigit():
        await reply(message, dtexts.ASSIGN_USAGE)
        return
    target = int(args[1])
    if not d.is_operator(target):
        await reply(message, dtexts.ASSIGN_NOT_OPERATOR.format(operator=fa(target)))
        return
    request = await load_request(d, code=code)
    if request is None:
        await reply(message, dtexts.FIND_NOT_FOUND.format(code=fa(code)))
        return
    if not request.is_open:
        await reply(message, dtexts.CLOSED_REQUEST)
        return
    await desk.claim(request.id, d.messenger, target, "", actor=actor_of(d, user.id), force=True)
    await reply(message, dtexts.ASSIGNED.format(code=fa(code), operator=fa(target)))
