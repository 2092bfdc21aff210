"""«ثبت درخواست»: from a service's identity card to a filed request and its tracking code.

The dialog's rules live in :mod:`models.application`; this module turns messages into
calls to them and answers in Persian. Every step is saved in :class:`DialogState` before
the citizen is answered, and every received file is stored and written into the dialog at
once, so a restart, or the next update landing on another process, loses nothing.

Buttons: the step's choices, «بازگشت» and «انصراف» are a reply keyboard (typed labels work
the same); a file's receipt has inline «عکس دیگر» / «بعدی» whose data names the dialog row
and step, so a button from an older dialog or step is refused.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from handlers import flows, keyboards, operator
from handlers import texts as general
from handlers.callbacks import Callback, pattern
from handlers.common import Context, citizen_of, send, send_main_menu
from handlers.deps import deps
from handlers.render import fa, field_value
from handlers.texts import apply as texts
from models.application import (
    FILING_FLOWS,
    FLOW,
    MAX_FILES_PER_DOCUMENT,
    TEXT_LIMITS,
    Draft,
    IncompleteDraft,
    InvalidAnswer,
    Step,
    StepKind,
    Vocabulary,
    check_contact,
    check_location,
    check_text,
    file_request,
    missing_steps,
    remembered_value,
    step_named,
    steps_for,
    summarize,
)
from models.catalog import ServiceCard
from models.citizen import Citizen
from models.dialog import DialogState, StaleDialog
from models.identifiers import mask_mobile, mask_national_code
from models.request import ServiceRequest
from models.service import Service
from models.storage import FileTooLarge, UnsupportedFileType
from models.workdays import format_jalali_date

__all__ = ["on_message", "reask_current_step", "register"]

log = logging.getLogger(__name__)

VOCABULARY = Vocabulary(choices=texts.CHOICES, phases=texts.PHASE_WORDS)
REFUSED_MEDIA = ("sticker", "voice", "audio", "video", "video_note", "animation")
MB = 1024 * 1024
SAVE_ATTEMPTS = 3


@dataclass(slots=True)
class Turn:
    """One update's view of the dialog: its row, the service, and where it stands."""

    state: DialogState
    service: Service
    card: ServiceCard
    steps: tuple[Step, ...]
    draft: Draft

    @property
    def step(self) -> Step:
        step = step_named(self.steps, self.state.step)
        return step if step is not None else self.steps[0]


async def _turn(update: Update, context: Context, state: DialogState) -> Turn | None:
    """The dialog as this update finds it; None (and the citizen told) if its service left."""
    draft = Draft.from_data(state.data)
    service = await Service.get_or_none(code=draft.service, active=True)
    if service is None or service.flow not in FILING_FLOWS:
        await state.finish()
        await send_main_menu(update, context, general.SERVICE_GONE)
        return None
    card = service.to_card()
    return Turn(state, service, card, steps_for(card), draft)


def _kind(message: Message) -> str:
    """What the citizen sent, as the dialog cares about it."""
    if message.animation is not None:  # also carries .document: check it first
        return "animation"
    for kind in ("sticker", "voice", "audio", "video", "video_note", "photo", "document"):
        if getattr(message, kind):
            return kind
    if message.contact is not None:
        return "contact"
    if message.location is not None:
        return "location"
    if message.text is not None:
        return "text"
    return "other"


# --------------------------------------------------------------------------- prompts


def _same_label(step: Step, citizen: Citizen) -> str | None:
    value = remembered_value(step, citizen)
    if not value:
        return None
    if step.kind is StepKind.MOBILE:
        shown = mask_mobile(value)
    elif step.kind is StepKind.NATIONAL_CODE:
        shown = mask_national_code(value)
    else:
        shown = value
    return texts.BTN_SAME.format(value=fa(shown))


def _summary_text(turn: Turn) -> str:
    summary = summarize(turn.card, turn.draft)
    lines = [texts.SUMMARY_TITLE, texts.SUMMARY_SERVICE.format(title=summary.title)]
    if summary.urgent:
        lines.append(texts.SUMMARY_URGENT)
    if summary.national_code:
        lines.append(texts.SUMMARY_NATIONAL_CODE.format(code=fa(summary.national_code)))
    if summary.mobile:
        lines.append(texts.SUMMARY_MOBILE.format(mobile=fa(summary.mobile)))
    if summary.bill_id:
        lines.append(texts.SUMMARY_BILL_ID.format(bill_id=fa(summary.bill_id)))
    lines += [
        texts.SUMMARY_FIELD.format(name=texts.FIELD_NAMES[name], value=field_value(name, value))
        for name, value in summary.fields
    ]
    if summary.documents:
        lines.append(texts.SUMMARY_DOCUMENTS)
        lines += [
            texts.SUMMARY_DOCUMENT.format(title=doc.title, count=fa(count))
            for doc, count in summary.documents
        ]
    lines += ["", texts.SUMMARY_FOOTER.format(confirm=texts.BTN_CONFIRM, back=texts.BTN_BACK)]
    return "\n".join(lines)


def _prompt(turn: Turn, citizen: Citizen) -> tuple[str, Any]:
    """The question of the current step and its keyboard."""
    step, draft = turn.step, turn.draft
    same = None if draft.changing == step.name else _same_label(step, citizen)
    remembered = [[same, texts.BTN_CHANGE]] if same else []
    skip = [[texts.BTN_SKIP]] if step.optional else []
    if step.kind is StepKind.MOBILE:
        if same:
            shown = fa(mask_mobile(citizen.mobile or ""))
            return texts.ASK_MOBILE_REMEMBERED.format(mobile=shown), keyboards.dialog_step(
                remembered
            )
        return texts.ASK_MOBILE.format(button=texts.BTN_SEND_CONTACT), keyboards.dialog_step(
            contact=texts.BTN_SEND_CONTACT
        )
    if step.kind is StepKind.NATIONAL_CODE:
        text = (
            texts.ASK_NATIONAL_CODE_REMEMBERED.format(
                code=fa(mask_national_code(citizen.national_code or ""))
            )
            if same
            else texts.ASK_NATIONAL_CODE
        )
        return text, keyboards.dialog_step(remembered)
    if step.kind is StepKind.BILL_ID:
        text = (
            texts.ASK_BILL_ID_REMEMBERED.format(bill_id=fa(citizen.bill_id or ""))
            if same
            else texts.ASK_BILL_ID
        )
        return text, keyboards.dialog_step(remembered)
    if step.kind is StepKind.FIELD:
        return _field_prompt(turn, step, skip)
    if step.kind is StepKind.DOCUMENT:
        assert step.document is not None
        lines = [texts.ASK_DOCUMENT.format(title=step.document.title, hint=step.document.hint)]
        lines.append(texts.ASK_DOCUMENT_TIPS)
        received = len(draft.files(step))
        if received:
            lines.append(texts.ASK_DOCUMENT_SO_FAR.format(n=fa(received), next=texts.BTN_NEXT))
            return "\n".join(lines), keyboards.dialog_step([[texts.BTN_NEXT]])
        if step.optional:
            lines.append(texts.ASK_DOCUMENT_OPTIONAL.format(skip=texts.BTN_SKIP))
        return "\n".join(lines), keyboards.dialog_step(skip)
    return _summary_text(turn), keyboards.dialog_step([[texts.BTN_CONFIRM]])


def _field_prompt(turn: Turn, step: Step, skip: list[list[str]]) -> tuple[str, Any]:
    name = step.field
    if name == "description" and turn.card.flow == "urgent":
        return texts.URGENT_DESCRIPTION.format(skip=texts.BTN_SKIP), keyboards.dialog_step(skip)
    text = texts.FIELD_PROMPTS[name].format(
        location=texts.BTN_SEND_LOCATION,
        skip=texts.BTN_SKIP,
        limit=fa(TEXT_LIMITS.get(name, (0, 0))[1]),
    )
    if name == "location":
        return text, keyboards.dialog_step(skip, location=texts.BTN_SEND_LOCATION)
    if name == "amperage":
        labels = [
            field_value("amperage", {"amps": a, "phase": p}) for a, p in texts.AMPERAGE_OPTIONS
        ]
        rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
        return text, keyboards.dialog_step(rows + skip)
    if name in ("tariff", "usage"):
        labels = list(texts.CHOICES.values())
        rows = [labels[i : i + 3] for i in range(0, len(labels), 3)]
        return text, keyboards.dialog_step(rows + skip)
    return text, keyboards.dialog_step(skip)


async def _ask(update: Update, context: Context, turn: Turn, before: str = "") -> None:
    """Send the current step's question, after ``before`` (an explanation or a warning)."""
    citizen = await citizen_of(update, context)
    text, keyboard = _prompt(turn, citizen)
    if turn.step.kind is not StepKind.CONFIRM:
        numbered = [s for s in turn.steps if s.kind is not StepKind.CONFIRM]
        position = next(i for i, s in enumerate(numbered, 1) if s.name == turn.step.name)
        counter = texts.STEP_COUNTER.format(n=fa(position), total=fa(len(numbered)))
        text = f"{counter}\n{text}"
    if before:
        text = f"{before}\n\n{text}"
    await send(update, context, text, keyboard)


async def reask_current_step(update: Update, context: Context, state: DialogState) -> None:
    """«ادامه» after an interruption: the same question again."""
    turn = await _turn(update, context, state)
    if turn is not None:
        await _ask(update, context, turn)


# --------------------------------------------------------------------------- moving


async def _save(turn: Turn, step_name: str) -> None:
    await turn.state.advance(step_name, turn.draft.to_data())


async def _forward(update: Update, context: Context, turn: Turn, before: str = "") -> None:
    """The current step is answered (in ``turn.draft``): save and ask the next one.

    Another process may have saved the dialog at the same step meanwhile (an album item's
    receipt is recorded after the citizen sees it): then this answer goes onto the dialog
    as re-read. Only a dialog that moved to another step is a real conflict."""
    step = turn.step
    for attempt in range(SAVE_ATTEMPTS):
        draft = turn.draft
        nxt = draft.forward(turn.steps, step.name)
        try:
            await _save(turn, nxt.name)
            break
        except StaleDialog:
            fresh = await DialogState.current(turn.state.messenger, turn.state.user_id)
            if (
                attempt == SAVE_ATTEMPTS - 1
                or fresh is None
                or fresh.id != turn.state.id
                or fresh.step != step.name
            ):
                raise
            turn.state, turn.draft = fresh, Draft.from_data(fresh.data)
            if step.name in draft.answers:
                turn.draft.answers[step.name] = draft.answers[step.name]
    await _ask(update, context, turn, before)


async def _answer(
    update: Update, context: Context, turn: Turn, value: Any, before: str = ""
) -> None:
    turn.draft.answers[turn.step.name] = value
    await _forward(update, context, turn, before)


async def _back(update: Update, context: Context, turn: Turn) -> None:
    previous = turn.draft.back(turn.steps, turn.step.name)
    if previous is None:
        await _ask(update, context, turn, texts.FIRST_STEP.format(cancel=texts.BTN_CANCEL))
        return
    await _save(turn, previous.name)
    await _ask(update, context, turn)


async def _cancel(update: Update, context: Context, turn: Turn) -> None:
    await turn.state.finish()
    await send_main_menu(update, context, texts.CANCELLED)


def _problem_text(error: InvalidAnswer) -> str:
    limit = fa(error.limit) if error.limit is not None else ""
    return texts.PROBLEMS[error.problem.value].format(limit=limit)


# --------------------------------------------------------------------------- steps


async def on_message(update: Update, context: Context, state: DialogState) -> None:
    """Every message while the dialog is open (the router hands them here)."""
    message = update.effective_message
    assert message is not None
    turn = await _turn(update, context, state)
    if turn is None:
        return
    text, kind = message.text, _kind(message)
    if text == texts.BTN_CANCEL:
        await _cancel(update, context, turn)
        return
    if text == texts.BTN_BACK:
        await _back(update, context, turn)
        return
    if kind in REFUSED_MEDIA or kind == "other":
        await _refuse(update, context, turn, message, texts.MEDIA_REFUSED[kind])
        return
    if message.forward_origin is not None and kind in ("photo", "document", "contact"):
        await _refuse(update, context, turn, message, texts.FORWARDED_REFUSED)
        return
    step = turn.step
    if step.kind is StepKind.MOBILE:
        await _on_mobile(update, context, turn, message, kind)
    elif step.kind in (StepKind.NATIONAL_CODE, StepKind.BILL_ID):
        await _on_identifier(update, context, turn, message, kind)
    elif step.kind is StepKind.FIELD:
        await _on_field(update, context, turn, message, kind)
    elif step.kind is StepKind.DOCUMENT:
        await _on_document(update, context, turn, message, kind)
    else:
        await _on_confirm(update, context, turn, text)


async def _refuse(update: Update, context: Context, turn: Turn, message: Message, why: str) -> None:
    """Explain and ask again; an album refused at this step is explained once, not per item."""
    group = message.media_group_id
    if group is not None:
        told: deque[str] = deps(context).extra.setdefault("apply_refused_albums", deque(maxlen=200))
        if group in told:
            return
        told.append(group)
    await _ask(update, context, turn, why)


async def _offer_change(update: Update, context: Context, turn: Turn) -> None:
    turn.draft.changing = turn.step.name
    await _save(turn, turn.step.name)
    await _ask(update, context, turn)


async def _on_mobile(
    update: Update, context: Context, turn: Turn, message: Message, kind: str
) -> None:
    citizen = await citizen_of(update, context)
    same = None if turn.draft.changing == turn.step.name else _same_label(turn.step, citizen)
    if kind == "contact":
        assert message.contact is not None and message.from_user is not None
        try:
            checked = check_contact(
                message.contact.phone_number, message.contact.user_id, message.from_user.id
            )
        except InvalidAnswer as error:
            await _ask(update, context, turn, _problem_text(error))
            return
        await _answer(update, context, turn, checked.value)
    elif same is not None and message.text == same:
        await _answer(update, context, turn, citizen.mobile)
    elif message.text == texts.BTN_CHANGE:
        await _offer_change(update, context, turn)
    elif kind == "text":
        await _ask(update, context, turn, texts.MOBILE_TYPED.format(button=texts.BTN_SEND_CONTACT))
    else:
        await _refuse(update, context, turn, message, texts.WANT_CONTACT)


async def _on_identifier(
    update: Update, context: Context, turn: Turn, message: Message, kind: str
) -> None:
    if kind != "text" or message.text is None:
        await _refuse(update, context, turn, message, texts.WANT_TEXT)
        return
    citizen = await citizen_of(update, context)
    same = None if turn.draft.changing == turn.step.name else _same_label(turn.step, citizen)
    if same is not None and message.text == same:
        await _answer(update, context, turn, remembered_value(turn.step, citizen))
        return
    if message.text == texts.BTN_CHANGE:
        await _offer_change(update, context, turn)
        return
    try:
        checked = check_text(turn.step, message.text, VOCABULARY)
    except InvalidAnswer as error:
        await _ask(update, context, turn, _problem_text(error))
        return
    await _answer(update, context, turn, checked.value)


async def _on_field(
    update: Update, context: Context, turn: Turn, message: Message, kind: str
) -> None:
    step = turn.step
    if step.optional and message.text == texts.BTN_SKIP:
        await _answer(update, context, turn, None)
        return
    if kind == "location" and step.field == "location":
        assert message.location is not None
        try:
            checked = check_location(message.location.latitude, message.location.longitude)
        except InvalidAnswer as error:
            await _ask(update, context, turn, _problem_text(error))
            return
        await _answer(update, context, turn, checked.value)
        return
    if kind != "text" or message.text is None:
        why = texts.WANT_LOCATION if step.field == "location" else texts.WANT_TEXT
        await _refuse(update, context, turn, message, why)
        return
    try:
        checked = check_text(step, message.text, VOCABULARY)
    except InvalidAnswer as error:
        await _ask(update, context, turn, _problem_text(error))
        return
    warning = texts.POSTAL_CODE_DOUBTFUL if checked.warning == "postal_code_doubtful" else ""
    await _answer(update, context, turn, checked.value, warning)


async def _on_document(
    update: Update, context: Context, turn: Turn, message: Message, kind: str
) -> None:
    step = turn.step
    assert step.document is not None
    if kind in ("photo", "document"):
        await _receive_file(update, context, turn, message, kind)
        return
    if message.text in (texts.BTN_NEXT, texts.BTN_SKIP):
        await _next_document(update, context, turn)
        return
    await _refuse(update, context, turn, message, texts.WANT_FILE.format(title=step.document.title))


async def _next_document(update: Update, context: Context, turn: Turn) -> None:
    step = turn.step
    assert step.document is not None
    if not turn.draft.files(step) and not step.optional:
        await _ask(update, context, turn, texts.NEED_FILE_FIRST.format(title=step.document.title))
        return
    await _forward(update, context, turn)


async def _on_confirm(update: Update, context: Context, turn: Turn, text: str | None) -> None:
    if text == texts.BTN_CONFIRM:
        await _file(update, context, turn)
        return
    await send(
        update,
        context,
        texts.CONFIRM_USE_BUTTON.format(confirm=texts.BTN_CONFIRM, back=texts.BTN_BACK),
        keyboards.dialog_step([[texts.BTN_CONFIRM]]),
    )


# --------------------------------------------------------------------------- files


async def _receive_file(
    update: Update, context: Context, turn: Turn, message: Message, kind: str
) -> None:
    """Download, check by content, store, and write into the dialog before answering."""
    step = turn.step
    assert step.document is not None
    store = deps(context).store
    if kind == "photo":
        media: Any = message.photo[-1]
        limit = store.max_image_size
    else:
        media = message.document
        limit = store.declared_limit(media.mime_type, media.file_name)
    if media.file_size and media.file_size > limit:
        await _refuse(update, context, turn, message, _too_large(media.file_size, limit))
        return
    if len(turn.draft.files(step)) >= MAX_FILES_PER_DOCUMENT:
        await _refuse(
            update,
            context,
            turn,
            message,
            texts.TOO_MANY_FILES.format(
                title=step.document.title, limit=fa(MAX_FILES_PER_DOCUMENT), next=texts.BTN_NEXT
            ),
        )
        return
    try:
        remote = await media.get_file()
        data = bytes(await remote.download_as_bytearray())
    except TelegramError as error:
        log.warning("document download failed: %s", type(error).__name__)
        await _ask(update, context, turn, texts.FILE_DOWNLOAD_FAILED)
        return
    try:
        stored = await asyncio.to_thread(store.save, data)
    except FileTooLarge as error:
        await _ask(update, context, turn, _too_large(error.size, error.limit))
        return
    except UnsupportedFileType:
        await _ask(update, context, turn, texts.FILE_UNSUPPORTED)
        return
    record = {
        "sha256": stored.sha256,
        "path": stored.relative_path,
        "mime": stored.mime,
        "size": stored.size,
        "file_id": media.file_id,
    }
    await _keep_file(update, context, turn, message, record, stored.kind.is_image)


async def _keep_file(
    update: Update,
    context: Context,
    turn: Turn,
    message: Message,
    record: dict[str, Any],
    is_image: bool,
) -> None:
    """Write the file into the dialog (re-reading it if another process moved it meanwhile)
    and confirm; the items of one album share one receipt message, edited as they arrive.

    An album's items may be handled by several processes at once, so the album's count is
    saved together with the file, and only the process that saved the album's first item
    sends the receipt; see :func:`_show_album` for how the others edit it."""
    step = turn.step
    assert step.document is not None
    group = message.media_group_id
    state: DialogState | None = turn.state
    for _ in range(SAVE_ATTEMPTS):
        if state is None or state.flow != FLOW or state.step != step.name:
            await send(update, context, texts.DIALOG_MOVED)
            return
        draft = Draft.from_data(state.data)
        if draft.service != turn.draft.service:
            await send(update, context, texts.DIALOG_MOVED)
            return
        added = draft.add_file(step, record)
        first_of_album = False
        if added and group is not None:
            if draft.album is not None and draft.album.get("group") == group:
                draft.album["count"] += 1
            else:
                draft.album = {"group": group, "message_id": None, "count": 1}
                first_of_album = True
        try:
            await state.advance(step.name, draft.to_data())
            break
        except StaleDialog:
            state = await DialogState.current(state.messenger, state.user_id)
    else:
        raise StaleDialog("could not save a received file")
    turn.state, turn.draft = state, draft
    title = step.document.title
    if not added:
        await send(update, context, texts.DUPLICATE_FILE.format(title=title))
        return
    if group is not None and not first_of_album:
        await _show_album(context, state, step, group)
        return
    total = len(draft.files(step))
    what = texts.FILE_WORD_PHOTO if is_image else texts.FILE_WORD_PDF
    text = texts.RECEIVED.format(what=what, n=fa(total), title=title, next=texts.BTN_NEXT)
    chat = update.effective_chat
    assert chat is not None
    sent = await context.bot.send_message(chat.id, text, reply_markup=_receipt_buttons(state, step))
    if group is not None:
        await _show_album(context, state, step, group, sent.message_id)


def _receipt_buttons(state: DialogState, step: Step) -> Any:
    arg = f"{state.id}.{step.name}"
    return keyboards.inline_pair(
        (texts.BTN_MORE, "app", "more", arg), (texts.BTN_NEXT, "app", "next", arg)
    )


async def _show_album(
    context: Context, state: DialogState, step: Step, group: str, receipt: int | None = None
) -> None:
    """Bring the album's one receipt up to date with the dialog in the database.

    ``receipt`` (the first item's process) is recorded in the dialog first; until then the
    other items' processes cannot edit it, so the recorder edits it afterwards for them.
    Edits from several processes may land out of order, so each process re-reads after its
    edit and edits again until what it showed is what is saved. The receipt is a courtesy:
    a failed edit changes nothing saved."""
    assert step.document is not None
    shown = 1 if receipt is not None else None
    for _ in range(MAX_FILES_PER_DOCUMENT + SAVE_ATTEMPTS):
        current = await DialogState.current(state.messenger, state.user_id)
        if current is None or current.id != state.id or current.step != step.name:
            return  # moved on («بعدی», «بازگشت», another dialog): the receipt is history
        draft = Draft.from_data(current.data)
        album = draft.album
        if album is None or album.get("group") != group:
            return
        if receipt is not None and album.get("message_id") is None:
            album["message_id"] = receipt
            try:
                await current.advance(step.name, draft.to_data())
            except StaleDialog:
                continue
        if album.get("message_id") is None or album["count"] == shown:
            return
        text = texts.RECEIVED_ALBUM.format(
            count=fa(album["count"]),
            title=step.document.title,
            total=fa(len(draft.files(step))),
            next=texts.BTN_NEXT,
        )
        try:
            await context.bot.edit_message_text(
                text,
                chat_id=current.chat_id,
                message_id=album["message_id"],
                reply_markup=_receipt_buttons(current, step),
            )
        except TelegramError as error:
            log.info("album receipt not edited: %s", type(error).__name__)
            return
        shown = album["count"]


def _too_large(size: int, limit: int) -> str:
    return texts.FILE_TOO_LARGE.format(size=fa(f"{size / MB:.1f}"), limit=fa(f"{limit / MB:.0f}"))


# --------------------------------------------------------------------------- filing


async def _file(update: Update, context: Context, turn: Turn) -> None:
    """Create the request; only then tell the citizen and alert the operators."""
    citizen = await citizen_of(update, context)
    d = deps(context)

    async def announce(request: ServiceRequest) -> None:
        await operator.queue_announcement(request, d.messenger, d.operator_chat_id)

    try:
        request = await file_request(
            turn.state, citizen, turn.service, d.calendar, on_filed=announce
        )
    except IncompleteDraft:
        missing = missing_steps(turn.card, turn.draft)
        names = [s.name for s in turn.steps]
        first = names.index(missing[0])
        turn.draft.history = names[:first]
        await _save(turn, names[first])
        await _ask(update, context, turn, texts.INCOMPLETE)
        return
    code = fa(request.tracking_code)
    if turn.card.flow == "urgent":
        text = texts.FILED_URGENT.format(code=code)
    else:
        deadline = (
            texts.DEADLINE_INSTANT
            if turn.card.duration_days == 0 or request.deadline is None
            else texts.DEADLINE_DAYS.format(
                deadline=format_jalali_date(request.deadline), days=fa(turn.card.duration_days)
            )
        )
        text = texts.FILED.format(
            title=turn.card.title, code=code, deadline=deadline, track=general.BTN_TRACK
        )
    d.wake_workers()  # the announcement is queued: the outbox sends it beside this reply
    await send(update, context, text, keyboards.main_menu())


# --------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: Context) -> None:
    """app:start:CODE from the card; app:more / app:next on a file's receipt."""
    query = update.callback_query
    assert query is not None
    cb = Callback.parse(query.data)
    if cb is None:
        await query.answer(general.EXPIRED_BUTTON, show_alert=True)
        return
    if cb.action == "start":
        await _start(update, context, cb.arg)
        return
    state = await flows.current(update, context)
    if (
        cb.action not in ("more", "next")
        or state is None
        or state.flow != FLOW
        or cb.arg != f"{state.id}.{state.step}"
    ):
        await query.answer(general.EXPIRED_BUTTON, show_alert=True)
        return
    if cb.action == "more":
        await query.answer(texts.MORE_HINT)
        return
    await query.answer()
    turn = await _turn(update, context, state)
    if turn is not None and turn.step.kind is StepKind.DOCUMENT:
        await _next_document(update, context, turn)


async def _start(update: Update, context: Context, code: str) -> None:
    """«ثبت درخواست» on a card: the code is re-checked, the dialog begins (or goes on)."""
    query = update.callback_query
    assert query is not None
    service = await Service.get_or_none(code=code, active=True)
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
            turn = await _turn(update, context, state)
            if turn is not None:
                await _ask(update, context, turn, texts.RESUMED.format(title=card.title))
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
    turn = Turn(state, service, card, steps, Draft.from_data(state.data))
    await _ask(update, context, turn, f"{before}\n\n{intro}".strip())


def register(app: Application) -> None:  # type: ignore[type-arg]
    flows.register_flow(FLOW, on_message, resume=reask_current_step)
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern("app")))
