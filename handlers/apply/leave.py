"""A new need in the middle of the dialog: ask whether to leave it, don't repeat the step.

At a step that waits for a file, a citizen who types «ولش کن، برق کل کوچه رفته» is not
failing to send a photo: they have a new matter. When the matcher is confident the text
asks for another service, the citizen is asked «ادامه» or «رفتن سراغ …» instead of being
told again what file is missing. The buttons name the dialog row (and the new service), so
a button from a dialog since finished or replaced is refused.
"""

from __future__ import annotations

from telegram import Update

from handlers import keyboards
from handlers import texts as general
from handlers.apply.turn import Turn, reask_current_step
from handlers.browse import send_card
from handlers.callbacks import Callback
from handlers.common import Context, query_of, send
from handlers.deps import deps
from handlers.texts import apply as texts
from models.application import FLOW
from models.dialog import DialogState
from models.service import Service

__all__ = ["ACTIONS", "offer_leave", "on_leave_button"]

ACTIONS = ("stay", "leave")
"""The callback actions (feature ``app``) this module answers."""


async def offer_leave(update: Update, context: Context, turn: Turn, text: str) -> bool:
    """Ask to leave when ``text`` confidently asks for another active service (True: asked)."""
    matcher = deps(context).matcher
    if matcher is None:
        return False
    result = matcher.match(text)
    if result.decision != "service" or result.best == turn.draft.service:
        return False
    service = await Service.offered(result.best)
    if service is None:
        return False
    row = str(turn.state.id)
    await send(
        update,
        context,
        texts.NEW_NEED.format(title=turn.card.title, new=service.title),
        keyboards.rows(
            [
                keyboards.APP.button(texts.BTN_STAY, "stay", row),
                keyboards.APP.button(
                    texts.BTN_LEAVE.format(new=service.title), "leave", f"{row}.{service.code}"
                ),
            ]
        ),
    )
    return True


async def on_leave_button(
    update: Update, context: Context, cb: Callback, state: DialogState | None
) -> None:
    """app:stay:ROW re-asks the step; app:leave:ROW.CODE closes the dialog, opens the card."""
    query = query_of(update)
    row, _, code = cb.arg.partition(".")
    if (
        state is None
        or state.flow != FLOW
        or row != str(state.id)
        or (cb.action == "leave" and not code)
    ):
        await query.answer(general.EXPIRED_BUTTON, show_alert=True)
        return
    await query.answer()
    if cb.action == "stay":
        await state.advance(state.step)  # the citizen is back: restart the idle clock
        await reask_current_step(update, context, state)
        return
    service = await Service.offered(code)
    await state.finish()
    if service is None:
        await send(update, context, general.SERVICE_GONE)
        return
    await send(update, context, texts.LEFT_DIALOG, keyboards.main_menu())
    await send_card(update, context, service)
