"""«نیاز به مدرک» in the operator group: which documents, then the request waits for them.

The press (checked in full by ``handlers.operator``) posts a picker under the request's
status message: the documents of the terms it was filed under as toggles, «مدرک دیگر» with
a typed note, confirm and cancel. The selection travels in the buttons' data (a bit mask),
so any process can take the next press; the note is held in the operator's dialog row
(flow :data:`FLOW`), asked with a reply prompt, and only that operator's reply to that
prompt counts. Nothing changes until the list is confirmed.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from handlers import announce, operator
from handlers import texts as general
from handlers.callbacks import CallbackFeature, RowArg
from handlers.common import Context, message_of, pressed_message, query_of
from handlers.deps import deps
from handlers.render import fa
from handlers.texts import operator as otexts
from handlers.texts import sla as texts
from models.dialog import DialogState
from models.followup import ask_for_documents
from models.request import TRANSITIONS, IllegalTransition, RequestStatus, ServiceRequest
from models.sla import filed_documents
from models.workdays import format_jalali_date

__all__ = ["FLOW", "OPDOC", "register"]

log = logging.getLogger(__name__)

OPDOC = CallbackFeature("opdoc", ("tog", "other", "ok", "no"))
"""The picker's buttons: ``tog|other|ok:<request>.<mask>`` and ``no:<request>``."""
FLOW = "opdoc"
NOTE_MAX = 100
_MASK = re.compile(r"^[0-9]{1,5}$")  # the documents picked, one bit each


def _picker(request: ServiceRequest, mask: int, note: str) -> InlineKeyboardMarkup:
    rid = request.id
    rows = []
    for index, doc in enumerate(filed_documents(request)[:15]):
        label = texts.BTN_PICKED if mask & (1 << index) else texts.BTN_UNPICKED
        rows.append(
            [
                OPDOC.button(
                    label.format(title=doc["title"]), "tog", RowArg(rid, str(mask ^ (1 << index)))
                )
            ]
        )
    other = texts.BTN_OTHER_SET.format(note=note) if note else texts.BTN_OTHER
    rows.append([OPDOC.button(other, "other", RowArg(rid, str(mask)))])
    rows.append(
        [
            OPDOC.button(texts.BTN_PICK_CONFIRM, "ok", RowArg(rid, str(mask))),
            OPDOC.button(texts.BTN_PICK_CANCEL, "no", rid),
        ]
    )
    return InlineKeyboardMarkup(rows)


def _picker_text(request: ServiceRequest, note: str) -> str:
    text = texts.PICK_DOCUMENTS.format(
        code=fa(request.tracking_code), confirm=texts.BTN_PICK_CONFIRM
    )
    return text + ("\n" + texts.PICK_NOTE.format(note=note) if note else "")


async def _note_of(context: Context, user_id: int, request_id: int) -> str:
    state = await DialogState.current(deps(context).messenger, user_id)
    if state is None or state.flow != FLOW or state.data.get("request") != request_id:
        return ""
    return str(state.data.get("note", ""))


async def open_picker(update: Update, context: Context, request: ServiceRequest) -> None:
    """The «نیاز به مدرک» press: the picker, as a reply under the status message."""
    query = query_of(update)
    if RequestStatus.NEEDS_DOCUMENTS not in TRANSITIONS[RequestStatus(request.status)]:
        await query.answer(
            operator.illegal_text(request, RequestStatus.NEEDS_DOCUMENTS), show_alert=True
        )
        return
    await query.answer()
    pressed = pressed_message(query)
    await context.bot.send_message(
        pressed.chat.id,
        _picker_text(request, ""),
        reply_markup=_picker(request, 0, ""),
        reply_to_message_id=pressed.message_id,
    )


async def _request_of(update: Update, context: Context, rid: int) -> ServiceRequest | None:
    request = await ServiceRequest.get_or_none(id=rid).prefetch_related("service", "citizen")
    if request is None or request.citizen.messenger != deps(context).messenger:
        await query_of(update).answer(otexts.UNKNOWN_REQUEST, show_alert=True)
        return None
    return request


async def on_picker_button(update: Update, context: Context) -> None:
    """``opdoc:tog|other|ok:<request>.<mask>`` and ``opdoc:no:<request>``."""
    if not await operator.staff_press(update, context):
        return
    query = query_of(update)
    cb = OPDOC.parse(query.data)
    row = RowArg.unpack(cb.arg) if cb is not None else None
    if cb is not None and cb.action == "no" and row is not None and row.detail is None:
        request = await _request_of(update, context, row.id)
        if request is not None:
            await query.answer()
            await query.edit_message_text(
                texts.PICK_CANCELLED.format(code=fa(request.tracking_code))
            )
        return
    if (
        cb is None
        or row is None
        or not _MASK.match(row.detail or "")
        or cb.action not in ("tog", "other", "ok")
    ):
        await query.answer(general.EXPIRED_BUTTON, show_alert=True)
        return
    request = await _request_of(update, context, row.id)
    if request is None:
        return
    documents = filed_documents(request)
    mask = int(row.detail or "0") & ((1 << len(documents)) - 1)
    user = query.from_user
    note = await _note_of(context, user.id, request.id)
    if cb.action == "tog":
        await query.answer()
        await query.edit_message_text(
            _picker_text(request, note), reply_markup=_picker(request, mask, note)
        )
    elif cb.action == "other":
        await query.answer()
        pressed = pressed_message(query)
        prompt = await context.bot.send_message(
            pressed.chat.id,
            texts.OTHER_PROMPT.format(
                name=user.first_name or otexts.NAMELESS, code=fa(request.tracking_code)
            ),
            reply_markup=ForceReply(selective=True),
            reply_to_message_id=pressed.message_id,
        )
        await DialogState.begin(
            deps(context).messenger, user.id, pressed.chat.id, FLOW, "note",
            {"request": request.id, "mask": mask, "note": note,
             "prompt": prompt.message_id, "picker": pressed.message_id},
        )  # fmt: skip
    else:
        await _confirm(update, context, request, documents, mask, note)


async def _confirm(
    update: Update,
    context: Context,
    request: ServiceRequest,
    documents: list[dict[str, Any]],
    mask: int,
    note: str,
) -> None:
    query = query_of(update)
    items = [
        {"key": doc["key"], "title": doc["title"]}
        for index, doc in enumerate(documents)
        if mask & (1 << index)
    ]
    if note:
        items.append({"key": "other", "title": note})
    if not items:
        await query.answer(texts.PICK_NOTHING, show_alert=True)
        return
    d = deps(context)
    user = query.from_user
    try:
        await ask_for_documents(request, items, actor=f"operator:{d.messenger}:{user.id}")
    except IllegalTransition:
        await request.refresh_from_db(fields=["status"])
        await query.answer(
            operator.illegal_text(request, RequestStatus.NEEDS_DOCUMENTS), show_alert=True
        )
        return
    state = await DialogState.current(d.messenger, user.id)
    if state is not None and state.flow == FLOW:
        await state.finish()
    d.wake_workers()
    log.info("documents asked for request %s by operator %s:%s", request.id, d.messenger, user.id)
    await query.answer(
        otexts.STATUS_CHANGED.format(status=general.STATUS_LABELS["needs_documents"])
    )
    listed = "\n".join(texts.PICK_ITEM.format(title=i["title"]) for i in items)
    due = format_jalali_date(request.docs_due) if request.docs_due else "—"
    await query.edit_message_text(
        texts.PICK_DONE.format(code=fa(request.tracking_code), items=listed, due=due)
    )
    status_id = await announce.status_message_id(request.id)
    if status_id is not None and query.message is not None:
        try:
            await context.bot.edit_message_text(
                operator.status_text(request, set_by=user.first_name),
                chat_id=query.message.chat.id,
                message_id=status_id,
                reply_markup=operator.status_keyboard(request),
            )
        except BadRequest as exc:
            log.warning("could not update the status message: %s", exc.message)


async def on_note(update: Update, context: Context) -> None:
    """An operator's reply in the group: the «مدرک دیگر» note, if it answers their prompt."""
    message = message_of(update)
    d = deps(context)
    user = message.from_user
    if (
        user is None
        or message.chat.id != d.operator_chat_id
        or user.id not in d.operator_ids
        or message.reply_to_message is None
        or not message.text
    ):
        return
    state = await DialogState.current(d.messenger, user.id)
    if (
        state is None
        or state.flow != FLOW
        or state.data.get("prompt") != message.reply_to_message.message_id
    ):
        return
    note = " ".join(message.text.split())[:NOTE_MAX]
    await state.advance("picked", {**state.data, "note": note})
    request = await ServiceRequest.get_or_none(id=int(state.data["request"])).prefetch_related(
        "service"
    )
    if request is None:
        return
    mask = int(state.data.get("mask", 0))
    try:
        await context.bot.edit_message_text(
            _picker_text(request, note),
            chat_id=message.chat.id,
            message_id=int(state.data["picker"]),
            reply_markup=_picker(request, mask, note),
        )
    except BadRequest as exc:
        log.warning("could not update the picker: %s", exc.message)


def register(app: Application) -> None:  # type: ignore[type-arg]
    operator.PRESS_HOOKS["needdocs"] = open_picker
    app.add_handler(CallbackQueryHandler(on_picker_button, pattern=OPDOC.pattern()))
    # Replies in the operator group are read by several features, each in its own handler
    # group so that all of them see every reply: the relay (0, replies to its threads), the
    # rejection reason (1, replies to its prompt) and this note (2, replies to its prompt).
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.REPLY & filters.TEXT, on_note), group=2
    )
