"""/mydata and /forget: the citizen's own data, shown and erased (rules in models.privacy).

``/mydata`` answers with a Persian summary (identifiers masked) and the full export as a
JSON file. ``/forget`` asks first; the confirm button carries a random nonce kept in the
citizen's dialog row (flow ``forget``), so a button from an older /forget, one pressed
twice, or data typed by hand matches nothing and changes nothing. Anything else the
citizen sends meanwhile drops the pending confirm (the router ends flows it has no
handler for). The erasure, the cancellations and every notice (the citizen's, the
operator group's) are one transaction; the notices are outbox rows.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from functools import partial

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import flows, keyboards, texts
from handlers.callbacks import CallbackFeature
from handlers.common import Context, citizen_of, query_of, send
from handlers.delivery import MESSAGE, message_payload
from handlers.deps import Deps, deps
from handlers.render import fa
from handlers.texts import privacy as ptexts
from models import outbox
from models.citizen import Citizen
from models.dialog import StaleDialog
from models.followup import STATUS_EDIT
from models.identifiers import mask_bill_id, mask_mobile, mask_national_code
from models.outbox import Priority
from models.privacy import FORGET_FLOW, HeldData, forget, held_data
from models.request import OPEN_STATUSES, ServiceRequest
from models.retention import PURGED
from models.workdays import format_jalali_date

__all__ = ["PRIV", "register", "summary_text"]

PRIV = CallbackFeature("priv", ("yes", "no"))
"""The /forget confirm: ``priv:yes|no:<nonce>``."""
LISTED = 15
"""Requests listed in the message; the file holds all of them."""


def summary_text(held: HeldData) -> str:
    """The /mydata message: identifiers masked, requests newest first, dates Jalali."""

    def shown(value: str | None, mask: Callable[[str], str]) -> str:
        return fa(mask(value)) if value else ptexts.MYDATA_EMPTY

    lines = [
        ptexts.MYDATA_HEAD,
        ptexts.MYDATA_NAME.format(name=held.first_name or ptexts.MYDATA_EMPTY),
        ptexts.MYDATA_MOBILE.format(value=shown(held.mobile, mask_mobile)),
        ptexts.MYDATA_NATIONAL_CODE.format(value=shown(held.national_code, mask_national_code)),
        ptexts.MYDATA_BILL_ID.format(value=shown(held.bill_id, mask_bill_id)),
        ptexts.MYDATA_SINCE.format(date=format_jalali_date(held.since)),
        "",
    ]
    if not held.requests:
        lines.append(ptexts.MYDATA_NO_REQUESTS)
    else:
        lines.append(ptexts.MYDATA_REQUESTS.format(count=fa(len(held.requests))))
    for request in held.requests[:LISTED]:
        lines.append(
            ptexts.MYDATA_REQUEST.format(
                code=fa(request.tracking_code),
                service=request.service,
                status=texts.STATUS_LABELS.get(request.status, request.status),
                date=format_jalali_date(request.submitted_at),
            )
        )
        if request.documents:
            items = texts.LIST_SEPARATOR.join(
                ptexts.MYDATA_DOCUMENT.format(title=d.title, date=format_jalali_date(d.received_at))
                for d in request.documents
            )
            lines.append(ptexts.MYDATA_DOCUMENTS.format(items=items))
        elif any(status == PURGED for status, _ in request.history):
            lines.append(ptexts.MYDATA_DOCUMENTS_PURGED)
    if len(held.requests) > LISTED:
        lines.append(ptexts.MYDATA_MORE.format(count=fa(len(held.requests) - LISTED)))
    lines.append("")
    lines.append(
        ptexts.MYDATA_CONVERSATIONS.format(
            threads=fa(held.conversations), messages=fa(held.relayed_messages)
        )
    )
    if held.open_dialog is not None:
        lines.append(ptexts.MYDATA_OPEN_DIALOG)
    if held.areas:
        lines.append(ptexts.MYDATA_AREAS.format(count=fa(len(held.areas))))
    if held.broadcast_opt_out:
        lines.append(ptexts.MYDATA_OPT_OUT)
    lines += [ptexts.MYDATA_QUERIES, "", ptexts.MYDATA_FOOTER]
    return "\n".join(lines)


async def my_data(update: Update, context: Context) -> None:
    """``/mydata``: the summary, then the export as a file (only the asker's own data)."""
    citizen = await citizen_of(update, context)
    held = await held_data(citizen)
    await send(update, context, summary_text(held))
    export = json.dumps(held.to_json(), ensure_ascii=False, indent=2).encode("utf-8")
    await context.bot.send_document(
        citizen.chat_id,
        InputFile(export, filename=ptexts.MYDATA_FILE_NAME),
        caption=ptexts.MYDATA_FILE_CAPTION,
    )


def _items(requests: list[ServiceRequest]) -> str:
    return "\n".join(
        ptexts.FORGET_ITEM.format(code=fa(r.tracking_code), service=r.service.title)
        for r in requests
    )


async def ask_forget(update: Update, context: Context) -> None:
    """``/forget``: what goes and what stays, open requests named, and the confirm."""
    state = await flows.current(update, context)
    if state is not None and state.flow in flows.RESUMABLE:
        await send(update, context, ptexts.FORGET_DIALOG_OPEN)  # a draft is not dropped silently
        return
    citizen = await citizen_of(update, context)
    open_requests = list(
        await ServiceRequest.filter(citizen_id=citizen.id, status__in=list(OPEN_STATUSES))
        .order_by("id")
        .prefetch_related("service")
    )
    nonce = secrets.token_hex(6)
    await flows.begin(update, context, FORGET_FLOW, "confirm", {"nonce": nonce})
    text = ptexts.FORGET_ASK
    if open_requests:
        text += ptexts.FORGET_ASK_OPEN.format(items=_items(open_requests))
    confirm = keyboards.inline_pair(
        PRIV.button(ptexts.BTN_FORGET_YES, "yes", nonce),
        PRIV.button(ptexts.BTN_FORGET_NO, "no", nonce),
    )
    await send(update, context, text + ptexts.FORGET_CONFIRM_HINT, confirm)


async def _notify(
    d: Deps, citizen: Citizen, cancelled: list[ServiceRequest], documents: int
) -> None:
    """The citizen's notice and the group's, in the erasure's transaction."""
    text = ptexts.FORGET_DONE.format(documents=fa(documents))
    if cancelled:
        text += ptexts.FORGET_DONE_CANCELLED.format(items=_items(cancelled))
    await outbox.enqueue(
        citizen.messenger, citizen.chat_id, MESSAGE, payload=message_payload(text),
        priority=Priority.REPLY,
    )  # fmt: skip
    if not cancelled or d.operator_chat_id is None:
        return
    staff = ptexts.FORGET_STAFF.format(items=_items(cancelled))
    await outbox.enqueue(
        d.messenger, d.operator_chat_id, MESSAGE, payload=message_payload(staff),
        dedup_key=f"forget:{citizen.id}:{cancelled[0].id}",
    )  # fmt: skip
    for request in cancelled:  # the group's request messages show «لغو شد», and no name
        await outbox.enqueue(
            d.messenger, d.operator_chat_id, STATUS_EDIT, ref=request.id,
            dedup_key=f"forget:{request.id}:edit",
        )  # fmt: skip


async def on_button(update: Update, context: Context) -> None:
    """«بله، پاک شود» / «انصراف»: only the nonce of the pending /forget is honoured."""
    query = query_of(update)
    cb = PRIV.parse(query.data)
    state = await flows.current(update, context)
    if (
        cb is None
        or state is None
        or state.flow != FORGET_FLOW
        or not secrets.compare_digest(str(state.data.get("nonce", "")), cb.arg)
    ):
        await query.answer(texts.EXPIRED_BUTTON, show_alert=True)
        return
    await query.answer()
    if cb.action == "no":
        await state.finish()
        await query.edit_message_text(ptexts.FORGET_KEPT)
        return
    d = deps(context)
    citizen = await citizen_of(update, context)
    try:
        await forget(state, citizen.id, d.store, partial(_notify, d))
    except StaleDialog:
        await send(update, context, texts.EXPIRED_BUTTON)
        return
    d.wake_workers()
    await query.edit_message_text(ptexts.FORGET_CONFIRMED)


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("mydata", my_data, filters=private))
    app.add_handler(CommandHandler("forget", ask_forget, filters=private))
    app.add_handler(CallbackQueryHandler(on_button, pattern=PRIV.pattern()))
