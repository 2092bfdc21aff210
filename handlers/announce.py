"""The operator group's announcement of a filed request: what staff read, and its senders.

:func:`queue_announcement` (called in the transaction that files a request) owes the group
the request, the citizen's «none» message just before filing (with «🏷 برچسب», so staff
teach the matcher), its documents as albums, and one message of status buttons, as outbox
rows: they go out in order, through faults and restarts, without holding up the citizen. The
status message is rendered when it is sent (:mod:`handlers.operator` draws it), so it shows
the status of then.

The group sees national codes and mobile numbers masked; logs never hold them at all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import telegram
from telegram import InputFile, InputMediaDocument, InputMediaPhoto
from telegram.error import BadRequest
from tortoise.models import Model

from handlers import texts
from handlers.delivery import MESSAGE, message_payload, sender, subject_of
from handlers.deps import Deps
from handlers.operator import desk_view
from handlers.outgoing import send_text
from handlers.render import fa, field_value
from handlers.tagging import tag_keyboard, unplaced_text
from handlers.texts import apply as apply_texts
from handlers.texts import operator as otexts
from models import outbox
from models.identifiers import mask_mobile, mask_national_code
from models.outbox import OutboxMessage
from models.request import RequestDocument, ServiceRequest
from models.storage import StorageError
from models.tagging import take_unplaced
from models.workdays import format_jalali_date

__all__ = [
    "ANNOUNCE_ALBUM",
    "ANNOUNCE_STATUS",
    "album_documents",
    "album_rows",
    "announcement_text",
    "queue_announcement",
    "send_group",
    "status_message_id",
]

log = logging.getLogger(__name__)

PHOTO_MIMES = frozenset({"image/jpeg", "image/png"})
"""Sent as photos; everything else (PDF, HEIC, WebP) as documents. An album cannot mix the
two kinds, so a request's documents go as up to two albums."""
ALBUM_MAX = 10  # the Bot API's limit per sendMediaGroup
VALUE_MAX = 300  # one answer in the announcement; the whole message must stay under 4096
MESSAGE_MAX = 4000
_HIDDEN_ANSWERS = frozenset({"urgent"})
ANNOUNCE_ALBUM = "announce.album"
"""Outbox kind: one album of a filed request's documents (``ref`` = request id)."""
ANNOUNCE_STATUS = "announce.status"
"""Outbox kind: a filed request's status message with its buttons (``ref`` = request id)."""


# ------------------------------------------------------------------ rendering


def _answer_value(key: str, value: Any) -> str:
    """One answer as staff read it: identifiers masked, the rest exactly as the citizen's
    own summary showed it (one rendering, in the application feature)."""
    if key == "national_code":
        return fa(mask_national_code(str(value)))
    if key == "mobile":
        return fa(mask_mobile(str(value)))
    if isinstance(value, bool):
        return otexts.YES if value else otexts.NO
    if isinstance(value, list | tuple):
        value = texts.LIST_SEPARATOR.join(str(v) for v in value)
    try:
        text = field_value(key, value)
    except (KeyError, TypeError, AttributeError):  # a shape this version does not know
        text = fa(value)
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def _answer_label(key: str) -> str:
    return apply_texts.FIELD_NAMES.get(key) or otexts.FIELD_LABELS.get(key, key)


def is_urgent(request: ServiceRequest) -> bool:
    return bool(request.answers.get("urgent")) or request.service.flow == "urgent"


def announcement_text(request: ServiceRequest, messenger: str) -> str:
    """What staff read about a filed request; ``service`` and ``citizen`` must be loaded."""
    citizen = request.citizen
    urgent = " " + otexts.URGENT_MARK if is_urgent(request) else ""
    lines = [
        otexts.REQUEST_HEADER.format(urgent=urgent),
        otexts.REQUEST_CODE.format(code=fa(request.tracking_code)),
        otexts.REQUEST_SERVICE.format(service=request.service.title),
        otexts.REQUEST_CITIZEN.format(
            name=citizen.first_name or otexts.NAMELESS,
            messenger=otexts.MESSENGER_NAMES.get(messenger, messenger),
        ),
    ]
    national_code = request.national_code or citizen.national_code
    if national_code:
        lines.append(
            otexts.REQUEST_NATIONAL_CODE.format(value=_answer_value("national_code", national_code))
        )
    mobile = request.mobile or citizen.mobile
    if mobile:
        lines.append(otexts.REQUEST_MOBILE.format(value=_answer_value("mobile", mobile)))
    if request.bill_id:
        lines.append(otexts.REQUEST_BILL_ID.format(value=fa(request.bill_id)))
    answers = [
        otexts.REQUEST_ANSWER_ITEM.format(label=_answer_label(key), value=_answer_value(key, value))
        for key, value in request.answers.items()
        if key not in _HIDDEN_ANSWERS
        and not key.startswith("_")
        and value not in (None, "", [], {})
        and not (key == "bill_id" and str(value) == request.bill_id)
    ]
    if answers:
        lines += [otexts.REQUEST_ANSWERS, *answers]
    deadline = (
        format_jalali_date(request.deadline) if request.deadline else otexts.REQUEST_NO_DEADLINE
    )
    lines.append(otexts.REQUEST_DEADLINE.format(deadline=deadline))
    text = "\n".join(lines)
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


# ------------------------------------------------------------------ announcing


def _payload(
    deps_: Deps, document: RequestDocument, by_id: bool, attach: bool = False
) -> str | InputFile:
    """The file as the messenger already has it (its file id), or our stored bytes.

    ``attach``: an album's uploads must each be their own ``attach://`` part; without it
    every file part is named ``media`` and replaces the album's own ``media`` field."""
    if by_id:
        return document.messenger_file_id
    data = deps_.store.path_of(document.path).read_bytes()
    return InputFile(data, filename=document.path.rsplit("/", 1)[-1], attach=attach)


async def send_group(
    bot: telegram.Bot,
    deps_: Deps,
    chat_id: int,
    documents: Sequence[RequestDocument],
    captions: Sequence[str],
    as_photos: bool,
    reply_to: int | None = None,
) -> bool:
    """One album (or a single photo/document); by file id first, then by stored bytes."""
    attempts = (True, False) if all(d.messenger_file_id for d in documents) else (False,)
    for by_id in attempts:
        try:
            album = len(documents) > 1
            payloads = [_payload(deps_, d, by_id, attach=album) for d in documents]
        except (StorageError, OSError) as exc:
            log.error("stored document missing for an announcement: %s", type(exc).__name__)
            return False
        try:
            if len(payloads) == 1:
                if as_photos:
                    await bot.send_photo(
                        chat_id, payloads[0], caption=captions[0], reply_to_message_id=reply_to
                    )
                else:
                    await bot.send_document(
                        chat_id, payloads[0], caption=captions[0], reply_to_message_id=reply_to
                    )
            else:
                kind = InputMediaPhoto if as_photos else InputMediaDocument
                media = [kind(p, caption=c) for p, c in zip(payloads, captions, strict=True)]
                await bot.send_media_group(chat_id, media, reply_to_message_id=reply_to)
            return True
        except BadRequest as exc:  # an expired or foreign file id: upload the bytes instead
            if deps_.is_rate_limit(exc.message):
                raise  # "slow down" is not about the file: the outbox waits and retries
            log.warning("album by %s failed: %s", "file id" if by_id else "upload", exc.message)
    return False


def album_rows(documents: Sequence[RequestDocument]) -> list[dict[str, Any]]:
    """The documents as album payloads: photos apart from files, at most 10 an album."""
    photos = [d.id for d in documents if d.mime in PHOTO_MIMES]
    files = [d.id for d in documents if d.mime not in PHOTO_MIMES]
    return [
        {"documents": group[start : start + ALBUM_MAX], "photos": as_photos}
        for group, as_photos in ((photos, True), (files, False))
        for start in range(0, len(group), ALBUM_MAX)
    ]


async def queue_announcement(request: ServiceRequest, messenger: str, chat_id: int | None) -> None:
    """Owe the operator group a filed request: details, document albums, status buttons.

    Called in the filing transaction, so a filed request is always announced (the outbox
    retries through faults and restarts) and never twice (each part has a dedup key). Each
    part is its own row: a failed album is retried alone, in order, before the buttons.
    """
    if chat_id is None:
        log.info("no operator chat on %s: request %s not announced", messenger, request.id)
        return
    # the filing passes the request as created, its service and citizen in hand
    unloaded = [n for n in ("service", "citizen") if not isinstance(getattr(request, n), Model)]
    if unloaded:
        await request.fetch_related(*unloaded)
    key = f"announce:{request.id}"
    text = announcement_text(request, messenger)
    await outbox.enqueue(
        messenger, chat_id, MESSAGE, payload=message_payload(text), ref=request.id,
        dedup_key=f"{key}:details",
    )  # fmt: skip
    unplaced = await take_unplaced(request.citizen)
    if unplaced:  # the «none» message before this filing: staff can tag it with a service
        await outbox.enqueue(
            messenger, chat_id, MESSAGE, ref=request.id, dedup_key=f"{key}:unplaced",
            payload=message_payload(unplaced_text(unplaced), tag_keyboard()),
        )  # fmt: skip
    documents = await RequestDocument.filter(request_id=request.id).order_by("id")
    if not documents:
        await outbox.enqueue(
            messenger, chat_id, MESSAGE, payload=message_payload(otexts.REQUEST_DOCUMENTS_NONE),
            ref=request.id, dedup_key=f"{key}:documents",
        )  # fmt: skip
    for number, album in enumerate(album_rows(documents)):
        await outbox.enqueue(
            messenger, chat_id, ANNOUNCE_ALBUM, payload=album, ref=request.id,
            dedup_key=f"{key}:album:{number}",
        )  # fmt: skip
    await outbox.enqueue(
        messenger, chat_id, ANNOUNCE_STATUS, ref=request.id, dedup_key=f"{key}:status"
    )


async def album_documents(
    row: OutboxMessage,
) -> tuple[ServiceRequest, list[int], list[RequestDocument]]:
    """An album row's request, the document ids it names and those still stored (the
    announcement's albums and ``handlers.sla.upload``'s later ones are rows of one shape)."""
    request = await subject_of(row, ServiceRequest, "service")
    ids = list(row.payload.get("documents", ()))
    documents = await RequestDocument.filter(id__in=ids, request_id=request.id).order_by("id")
    return request, ids, list(documents)


@sender(ANNOUNCE_ALBUM)
async def send_album(bot: telegram.Bot, deps_: Deps, row: OutboxMessage) -> int | None:
    """One album of a request's documents (or a note saying it could not be sent)."""
    request, ids, documents = await album_documents(row)
    titles = {doc.key: doc.title for doc in request.service.to_card().documents}
    captions = [
        otexts.DOCUMENT_CAPTION.format(
            title=titles.get(d.document_key, d.document_key), code=fa(request.tracking_code)
        )
        for d in documents
    ]
    as_photos = bool(row.payload.get("photos"))
    if documents and await send_group(bot, deps_, row.chat_id, documents, captions, as_photos):
        return None
    missing = len(ids)
    return await send_text(
        bot, row.chat_id, otexts.REQUEST_DOCUMENTS_MISSING.format(count=fa(missing))
    )


@sender(ANNOUNCE_STATUS)
async def send_status_message(bot: telegram.Bot, deps_: Deps, row: OutboxMessage) -> int | None:
    """The status buttons, rendered when sent: they show the request's status of now."""
    request = await subject_of(row, ServiceRequest, "service")
    text, markup = await desk_view(request)
    return await send_text(bot, row.chat_id, text, markup)


async def status_message_id(request_id: int) -> int | None:
    """The group's status message of a request (the announcement's buttons), once sent."""
    row = await OutboxMessage.get_or_none(dedup_key=f"announce:{request_id}:status")
    return row.message_id if row is not None else None
