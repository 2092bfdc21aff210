"""Document steps: receiving photos and PDFs, one by one or as an album, and «بعدی».

A file is downloaded, checked by its content, stored, and written into the draft before
the citizen hears of it. An album's items arrive as separate updates, often on several
processes at once: each is written with :func:`models.draft.change_draft`, and the album
gets one receipt message, edited as its items are saved (:func:`show_album`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError

from handlers import keyboards
from handlers.apply.leave import offer_leave
from handlers.apply.prompts import too_large
from handlers.apply.turn import Turn, ask, forward, refuse
from handlers.callbacks import RowArg
from handlers.common import Context, send, sender_of
from handlers.deps import deps
from handlers.outgoing import edit_text, send_text
from handlers.render import fa
from handlers.texts import apply as texts
from models.application import MAX_FILES_PER_DOCUMENT, Step
from models.dialog import DialogMoved, DialogState
from models.draft import Draft, Edit, ReceivedFile, change_draft
from models.storage import FileTooLarge, UnsupportedFileType

__all__ = [
    "FileRefused",
    "next_document",
    "on_document",
    "receipt_buttons",
    "show_album",
    "take_file",
]

log = logging.getLogger(__name__)


async def on_document(
    update: Update, context: Context, turn: Turn, message: Message, kind: str
) -> None:
    """A message at a document step: a file, «بعدی» / «رد شدن», or something to refuse."""
    step = turn.step
    assert step.document is not None
    if kind in ("photo", "document"):
        await _receive_file(update, context, turn, message, kind)
        return
    if message.text in (texts.BTN_NEXT, texts.BTN_SKIP):
        await next_document(update, context, turn)
        return
    if message.text and await offer_leave(update, context, turn, message.text):
        return  # a new need, not a missing photo: ask whether to leave the dialog
    await refuse(update, context, turn, message, texts.WANT_FILE.format(title=step.document.title))


async def next_document(update: Update, context: Context, turn: Turn) -> None:
    """On to the next step, unless a required document has no file yet."""
    step = turn.step
    assert step.document is not None
    if not turn.draft.files(step) and not step.optional:
        await ask(update, context, turn, texts.NEED_FILE_FIRST.format(title=step.document.title))
        return
    await forward(update, context, turn)


class FileRefused(Exception):
    """A file not kept; ``why`` is the citizen's explanation. ``early``: refused before
    download (an album's items are then explained once)."""

    def __init__(self, why: str, *, early: bool = False) -> None:
        super().__init__(why)
        self.why, self.early = why, early


async def take_file(context: Context, message: Message, kind: str) -> tuple[ReceivedFile, bool]:
    """Download one photo or document, check it by content and store it: the file and
    whether it is an image. Shared by filing and by documents sent later for a request."""
    store = deps(context).store
    if kind == "photo":
        media: Any = message.photo[-1]
        limit = store.max_image_size
    else:
        media = message.document
        limit = store.declared_limit(media.mime_type, media.file_name)
    if media.file_size and media.file_size > limit:
        raise FileRefused(too_large(media.file_size, limit), early=True)
    try:
        remote = await media.get_file()
        data = bytes(await remote.download_as_bytearray())
    except TelegramError as error:
        log.warning("document download failed: %s", type(error).__name__)
        raise FileRefused(texts.FILE_DOWNLOAD_FAILED) from error
    try:
        stored = await asyncio.to_thread(store.save, data)
    except FileTooLarge as error:
        raise FileRefused(too_large(error.size, error.limit)) from error
    except UnsupportedFileType as error:
        raise FileRefused(texts.FILE_UNSUPPORTED) from error
    return ReceivedFile.from_stored(stored, media.file_id), stored.kind.is_image


async def _receive_file(
    update: Update, context: Context, turn: Turn, message: Message, kind: str
) -> None:
    """Download, check by content, store, and write into the dialog before answering."""
    step = turn.step
    assert step.document is not None
    if len(turn.draft.files(step)) >= MAX_FILES_PER_DOCUMENT:
        await refuse(
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
        received, is_image = await take_file(context, message, kind)
    except FileRefused as refused:
        if refused.early:
            await refuse(update, context, turn, message, refused.why)
        else:
            await ask(update, context, turn, refused.why)
        return
    await _keep_file(update, context, turn, message, received, is_image)


async def _keep_file(
    update: Update,
    context: Context,
    turn: Turn,
    message: Message,
    received: ReceivedFile,
    is_image: bool,
) -> None:
    """Write the file into the dialog and confirm; an album's items share one receipt.

    The album's count is saved together with the file, and only the process that saved the
    album's first item sends the receipt; see :func:`show_album` for how the others edit it.
    """
    step = turn.step
    assert step.document is not None
    group = message.media_group_id

    def keep(edit: Edit) -> tuple[bool, bool, bool]:
        added = edit.draft.add_file(step, received)
        first_of_album = added and group is not None and edit.draft.count_in_album(group)
        # The very message kept before: this update is handled again after its process
        # died between keeping the file and marking the update done. The citizen sent it
        # once, so they get its receipt, not "already sent".
        again = not added and edit.draft.holds_message(step, received)
        return added, first_of_album, again

    try:
        added, first_of_album, again = await change_draft(turn.state, keep)
    except DialogMoved:
        await send(update, context, texts.DIALOG_MOVED)
        return
    title = step.document.title
    if not added and not again:
        await send(update, context, texts.DUPLICATE_FILE.format(title=title))
        return
    if group is not None and not first_of_album:
        await show_album(context, turn.state, step, group)
        return
    total = len(turn.draft.files(step))
    what = texts.FILE_WORD_PHOTO if is_image else texts.FILE_WORD_PDF
    text = texts.RECEIVED.format(what=what, n=fa(total), title=title, next=texts.BTN_NEXT)
    buttons = receipt_buttons(turn.state, step)
    if group is None:  # a reply like any other: owed in the outbox if the messenger fails
        await send(update, context, text, buttons)
        return
    _, chat = sender_of(update)  # the album's receipt: its id is needed for the edits
    receipt = await send_text(context.bot, chat.id, text, buttons)
    await show_album(context, turn.state, step, group, receipt)


def receipt_buttons(state: DialogState, step: Step) -> Any:
    """«عکس دیگر» / «بعدی» naming the dialog row and step, so an older receipt is refused."""
    arg = receipt_arg(state.id, step.name)
    return keyboards.inline_pair(
        keyboards.APP.button(texts.BTN_MORE, "more", arg),
        keyboards.APP.button(texts.BTN_NEXT, "next", arg),
    )


def receipt_arg(state_id: int, step: str | None) -> RowArg:
    """A receipt's argument: the dialog row and the step it answered (``<id>.<step>``)."""
    return RowArg(state_id, step)


async def show_album(
    context: Context, state: DialogState, step: Step, group: str, receipt: int | None = None
) -> None:
    """Bring the album's one receipt up to date with the dialog in the database.

    ``receipt`` (the first item's process) is recorded in the dialog first; until then the
    other items' processes cannot edit it, so the recorder edits it afterwards for them.
    Edits from several processes may land out of order, so each process re-reads after its
    edit and edits again until what it showed is what is saved. The receipt is a courtesy:
    a failed edit changes nothing saved."""
    assert step.document is not None
    shown = None
    if receipt is not None:

        def record(edit: Edit) -> bool:
            album = edit.draft.album
            if album is None or album.group != group:
                return False
            if album.message_id is None:
                album.message_id = receipt
            return True

        try:
            if not await change_draft(state, record):
                return
        except DialogMoved:
            return  # moved on («بعدی», «بازگشت», another dialog): the receipt is history
        shown = 1
    for _ in range(MAX_FILES_PER_DOCUMENT + 1):
        current = await DialogState.current(state.messenger, state.user_id)
        if current is None or current.id != state.id or current.step != step.name:
            return
        draft = Draft.from_data(current.data)
        album = draft.album
        if album is None or album.group != group or album.message_id is None:
            return
        if album.count == shown:
            return
        text = texts.RECEIVED_ALBUM.format(
            count=fa(album.count),
            title=step.document.title,
            total=fa(len(draft.files(step))),
            next=texts.BTN_NEXT,
        )
        try:
            await edit_text(
                context.bot,
                current.chat_id,
                album.message_id,
                text,
                receipt_buttons(current, step),
            )
        except TelegramError as error:
            log.info("album receipt not edited: %s", type(error).__name__)
            return
        shown = album.count
