"""«ارسال مدارک»: the citizen sends the documents staff asked for, into the same request.

The button on the notice opens a dialog (flow :data:`FLOW`, held in the database like
filing's) that takes only files: photos, image files, PDFs, albums, checked and stored by
filing's own :func:`handlers.apply.documents.take_file`, kept in the draft with
:func:`models.draft.change_draft` (an album's items may reach several processes). «پایان»
attaches them to the request (:func:`models.followup.attach_documents`): back to review, the
clock resumes, and the operator group gets the files under the request's message, which is
edited to show the new status — outbox rows of :data:`~models.followup.DOCS_ALBUM` and
:data:`~models.followup.STATUS_EDIT`, sent here.
"""

from __future__ import annotations

import logging

import telegram
from telegram import ReplyKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from handlers import announce, flows, operator
from handlers import texts as general
from handlers.apply.documents import FileRefused, take_file
from handlers.common import (
    Context,
    citizen_of,
    message_of,
    pressed_own_request,
    send,
    send_main_menu,
)
from handlers.delivery import Undeliverable, sender, subject_of
from handlers.deps import Deps, deps
from handlers.outgoing import edit_text
from handlers.render import fa
from handlers.sla.render import DOCS
from handlers.texts import sla as texts
from models.application import Step, StepKind
from models.catalog import DocumentSpec
from models.dialog import DialogMoved, DialogState, StaleDialog
from models.draft import Draft, Edit, change_draft
from models.followup import DOCS_ALBUM, STATUS_EDIT, attach_documents, own_request
from models.outbox import OutboxMessage
from models.request import IllegalTransition, RequestStatus, ServiceRequest
from models.workdays import format_jalali_date

__all__ = ["FLOW", "register"]

log = logging.getLogger(__name__)

FLOW = "moredocs"
MAX_FILES = 20
_STEP = Step("collect", StepKind.DOCUMENT, document=DocumentSpec("round", "", ""))


def _keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[texts.BTN_UPLOAD_DONE], [texts.BTN_UPLOAD_CANCEL]], resize_keyboard=True
    )


def _items(request: ServiceRequest) -> str:
    return "\n".join(
        texts.NEEDS_DOCUMENTS_ITEM.format(title=item.get("title", ""))
        for item in request.docs_wanted or []
    )


async def on_send_button(update: Update, context: Context) -> None:
    """``docs:send:<request>``: only the citizen's own request, only while it waits."""
    query, _, request = await pressed_own_request(update, context, DOCS)
    if request is None:
        await query.answer(general.EXPIRED_BUTTON, show_alert=True)
        return
    await query.answer()
    if request.status != RequestStatus.NEEDS_DOCUMENTS:
        await send(update, context, texts.UPLOAD_NOT_WAITING)
        return
    draft = Draft(service=request.service.code, answers={"request": request.id})
    await flows.begin(update, context, FLOW, _STEP.name, draft.to_data())
    await send(
        update,
        context,
        texts.UPLOAD_PROMPT.format(
            code=fa(request.tracking_code), items=_items(request), done=texts.BTN_UPLOAD_DONE
        ),
        _keyboard(),
    )


def _kind(update: Update) -> str:
    message = message_of(update)
    if message.photo:
        return "photo"
    if message.document:
        return "document"
    return "text" if message.text else "other"


async def on_message(update: Update, context: Context, state: DialogState) -> None:
    """Every message while the dialog is open: a file, «پایان», «انصراف», or a refusal."""
    message = message_of(update)
    kind = _kind(update)
    if kind in ("photo", "document"):
        await _receive(update, context, state, kind)
    elif message.text == texts.BTN_UPLOAD_DONE:
        await _submit(update, context, state)
    elif message.text in (texts.BTN_UPLOAD_CANCEL, general.BTN_CANCEL):
        await state.finish()
        await send_main_menu(
            update, context, texts.UPLOAD_CANCELLED.format(button=texts.BTN_SEND_DOCUMENTS)
        )
    elif message.media_group_id is None:
        await send(
            update, context, texts.UPLOAD_WANT_FILE.format(done=texts.BTN_UPLOAD_DONE), _keyboard()
        )


async def _receive(update: Update, context: Context, state: DialogState, kind: str) -> None:
    message = message_of(update)
    group = message.media_group_id
    if len(Draft.from_data(state.data).files(_STEP)) >= MAX_FILES:
        await send(
            update,
            context,
            texts.UPLOAD_TOO_MANY.format(limit=fa(MAX_FILES), done=texts.BTN_UPLOAD_DONE),
        )
        return
    try:
        received, _ = await take_file(context, message, kind)
    except FileRefused as refused:
        await send(update, context, refused.why, _keyboard())
        return

    def keep(edit: Edit) -> tuple[bool, bool]:
        added = edit.draft.add_file(_STEP, received)
        first = added and (group is None or edit.draft.count_in_album(group))
        return added, first

    try:
        added, first = await change_draft(state, keep)
    except DialogMoved:
        return
    if not added:
        await send(update, context, texts.UPLOAD_DUPLICATE)
        return
    if first:  # an album's items share one receipt
        count = len(Draft.from_data(state.data).files(_STEP))
        await send(
            update,
            context,
            texts.UPLOAD_RECEIVED.format(count=fa(count), done=texts.BTN_UPLOAD_DONE),
            _keyboard(),
        )


async def _submit(update: Update, context: Context, state: DialogState) -> None:
    citizen = await citizen_of(update, context)
    draft = Draft.from_data(state.data)
    request_id = int(draft.answers.get("request", 0))
    request = await own_request(request_id, citizen.id)
    if request is None or request.status != RequestStatus.NEEDS_DOCUMENTS:
        await state.finish()
        await send_main_menu(update, context, texts.UPLOAD_NOT_WAITING)
        return
    files = draft.files(_STEP)
    wanted = len(request.docs_wanted or []) or 1
    if len(files) < wanted:
        await send(
            update,
            context,
            texts.UPLOAD_NEED_MORE.format(
                missing=fa(wanted - len(files)), count=fa(len(files)), wanted=fa(wanted)
            ),
            _keyboard(),
        )
        return
    d = deps(context)
    group = (d.messenger, d.operator_chat_id) if d.operator_chat_id is not None else None
    try:
        request = await attach_documents(state, request_id, citizen.id, files, group)
    except IllegalTransition:
        await send_main_menu(update, context, texts.UPLOAD_NOT_WAITING)
        return
    except StaleDialog:
        return  # a double «پایان»: the first one attached them
    d.wake_workers()
    deadline = format_jalali_date(request.deadline) if request.deadline else "—"
    await send_main_menu(
        update,
        context,
        texts.UPLOAD_SENT.format(code=fa(request.tracking_code), deadline=deadline),
    )


@sender(DOCS_ALBUM)
async def send_documents_album(bot: telegram.Bot, d: Deps, row: OutboxMessage) -> int | None:
    """Documents sent later, as a reply under the request's status message."""
    request, _, documents = await announce.album_documents(row)
    titles = {item["key"]: item["title"] for item in (request.terms or {}).get("documents", [])}
    captions = [
        texts.DOCUMENT_CAPTION.format(
            title=titles.get(doc.document_key, texts.OTHER_DOCUMENT),
            code=fa(request.tracking_code),
        )
        for doc in documents
    ]
    reply_to = await announce.status_message_id(request.id)
    as_photos = bool(row.payload.get("photos"))
    if documents and await announce.send_group(
        bot, d, row.chat_id, documents, captions, as_photos, reply_to=reply_to
    ):
        return None
    raise Undeliverable("documents could not be sent")


@sender(STATUS_EDIT)
async def edit_status_message(bot: telegram.Bot, d: Deps, row: OutboxMessage) -> int | None:
    """The request's status message shows its status of now (and the legal buttons)."""
    request = await subject_of(row, ServiceRequest, "service")
    message_id = await announce.status_message_id(request.id)
    if message_id is None:
        raise Undeliverable("no status message to edit")
    try:
        await edit_text(
            bot,
            row.chat_id,
            message_id,
            operator.status_text(request),
            operator.status_keyboard(request),
        )
    except BadRequest as exc:
        if d.is_rate_limit(exc.message):
            raise
        if "not modified" not in exc.message.lower():
            raise
    return None


def register(app: Application) -> None:  # type: ignore[type-arg]
    flows.register_flow(FLOW, on_message)
    app.add_handler(CallbackQueryHandler(on_send_button, pattern=DOCS.pattern()))
