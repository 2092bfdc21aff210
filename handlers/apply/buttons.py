"""The dialog's inline buttons: «ثبت درخواست» on a card, «عکس دیگر» / «بعدی» on a receipt.

Button data is never trusted: the service code is re-checked against the catalog, and a
receipt's data must name the open dialog's row and step, so a button left from an older
dialog or step is refused.
"""

from __future__ import annotations

from telegram import Update

from handlers import flows, keyboards
from handlers import texts as general
from handlers.apply import leave
from handlers.apply.documents import next_document, receipt_arg
from handlers.apply.turn import Turn, ask, load_turn
from handlers.callbacks import Callback, RowArg
from handlers.common import Context, query_of, send
from handlers.texts import apply as texts
from models.application import FILING_FLOWS, FLOW, StepKind, steps_for
from models.dialog import DialogState
from models.draft import Draft
from models.service import Service

__all__ = ["on_button"]


async def on_button(update: Update, context: Context) -> None:
    """app:start:CODE from the card; app:more / app:next on a file's receipt; app:stay /
    app:leave when a new need interrupts (:mod:`.leave`)."""
    query = query_of(update)
    cb = keyboards.APP.parse(query.data)
    if cb is not None and cb.action == "start":
        await _start(update, context, cb.arg)
        return
    state = await flows.current(update, context) if cb is not None else None
    if cb is not None and cb.action in leave.ACTIONS:
        await leave.on_leave_button(update, context, cb, state)
        return
    if cb is None or state is None or not _on_open_receipt(cb, state):
        await query.answer(general.EXPIRED_BUTTON, show_alert=True)
        return
    if cb.action == "more":
        await query.answer(texts.MORE_HINT)
        return
    await query.answer()
    turn = await load_turn(update, context, state)
    if turn is not None and turn.step.kind is StepKind.DOCUMENT:
        await next_document(update, context, turn)


def _on_open_receipt(cb: Callback, state: DialogState) -> bool:
    """A receipt's button, and the receipt is of the dialog and step still open."""
    return (
        cb.action in ("more", "next")
        and state.flow == FLOW
        and RowArg.unpack(cb.arg) == receipt_arg(state.id, state.step)
    )


async def _start(update: Update, context: Context, code: str) -> None:
    """«ثبت درخواست» on a card: the code is re-checked, the dialog begins (or goes on)."""
    query = query_of(update)
    service = await Service.offered(code)
    if service is None:
        await query.answer(general.SERVICE_GONE, show_alert=True)
        return
    await query.answer()
    card = service.to_card()
    if card.flow not in FILING_FLOWS:
        await send(update, context, general.INFO_SERVICE)
        return
    state = await flows.current(update, context)
    before = ""
    if state is not None and state.flow == FLOW:
        draft = Draft.from_data(state.data)
        if draft.service == code:
            turn = await load_turn(update, context, state)
            if turn is not None:
                await ask(update, context, turn, texts.RESUMED.format(title=card.title))
            return
        old = await Service.get_or_none(code=draft.service)
        if old is not None:
            before = texts.REPLACED.format(title=old.title)
    steps = steps_for(card)
    state = await flows.begin(update, context, FLOW, steps[0].name, Draft(service=code).to_data())
    if card.flow == "urgent":
        intro = texts.URGENT_INTRO.format(title=card.title)
    else:
        intro = texts.INTRO.format(
            title=card.title,
            confirm=texts.BTN_CONFIRM,
            back=texts.BTN_BACK,
            cancel=texts.BTN_CANCEL,
        )
    await ask(update, context, Turn(state, service, card, steps), f"{before}\n\n{intro}".strip())
