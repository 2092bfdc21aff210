"""What happens to a filed request besides status buttons: documents asked for and sent,
the citizen's cancel, the rating. Each is one transaction with the outbox rows it owes.

The SLA clock itself (pause, resume, remaining days) is :mod:`models.sla`; these functions
move the request with :meth:`~models.request.ServiceRequest.move_to`, which runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import outbox
from models.dialog import DialogState, StaleDialog
from models.draft import ReceivedFile
from models.request import (
    OPEN_STATUSES,
    IllegalTransition,
    RequestDocument,
    RequestStatus,
    ServiceRequest,
)

__all__ = [
    "DOCS_ALBUM",
    "STATUS_EDIT",
    "ask_for_documents",
    "attach_documents",
    "cancel_by_citizen",
    "own_request",
    "rate",
]

DOCS_ALBUM = "sla.docs.album"
"""Outbox kind: documents sent later, as a reply under the request's group message."""
STATUS_EDIT = "sla.status.edit"
"""Outbox kind: the request's group status message edited to show its status now."""
PHOTO_MIMES = frozenset({"image/jpeg", "image/png"})
ALBUM_MAX = 10


async def own_request(request_id: int, citizen_id: int) -> ServiceRequest | None:
    """The request if it is this citizen's; None for unknown and foreign ids alike."""
    return await ServiceRequest.get_or_none(id=request_id, citizen_id=citizen_id).prefetch_related(
        "service", "citizen"
    )


async def ask_for_documents(
    request: ServiceRequest, items: Sequence[dict[str, Any]], *, actor: str
) -> None:
    """Staff confirmed which documents: needs_documents, the list stored, the clock paused,
    the citizen's notice queued (it names the list, from the row)."""
    await request.move_to(
        RequestStatus.NEEDS_DOCUMENTS, actor=actor, changes={"docs_wanted": list(items)}
    )


async def attach_documents(
    state: DialogState,
    request_id: int,
    citizen_id: int,
    files: Sequence[ReceivedFile],
    group: tuple[str, int] | None,
) -> ServiceRequest:
    """The documents sent for ``request_id`` join it; back to review, the clock resumes.

    Files match the wanted list in the order received (extra files go with the last item).
    The dialog is ended at the version read, so a double «ارسال» attaches once
    (:class:`StaleDialog`). ``group``: (messenger, chat) of the operator group, owed the
    files as a reply under the request's message and an edit of that message.
    Raises :class:`IllegalTransition` when the request no longer waits for documents.
    """
    async with in_transaction():
        request = await ServiceRequest.select_for_update().get(id=request_id, citizen_id=citizen_id)
        if request.status != RequestStatus.NEEDS_DOCUMENTS:
            raise IllegalTransition(f"{request.status} is not waiting for documents")
        taken = await DialogState.filter(id=state.id, version=state.version).delete()
        if not taken:
            raise StaleDialog(f"dialog {state.id} moved or was sent already")
        wanted = list(request.docs_wanted or [{"key": "other"}])
        created = []
        for number, received in enumerate(files):
            key = str(wanted[min(number, len(wanted) - 1)].get("key", "other"))
            created.append(
                await RequestDocument.create(
                    request_id=request.id, document_key=key, **received.to_data()
                )
            )
        event = await request.move_to(
            RequestStatus.IN_REVIEW, actor="citizen", notify=False, changes={"docs_wanted": None}
        )
        if group is not None:
            messenger, chat_id = group
            key = f"moredocs:{request.id}:{event.id}"
            photos = [d.id for d in created if d.mime in PHOTO_MIMES]
            others = [d.id for d in created if d.mime not in PHOTO_MIMES]
            number = 0
            for ids, as_photos in ((photos, True), (others, False)):
                for start in range(0, len(ids), ALBUM_MAX):
                    await outbox.enqueue(
                        messenger, chat_id, DOCS_ALBUM, ref=request.id,
                        payload={"documents": ids[start : start + ALBUM_MAX], "photos": as_photos},
                        dedup_key=f"{key}:album:{number}",
                    )  # fmt: skip
                    number += 1
            await outbox.enqueue(
                messenger, chat_id, STATUS_EDIT, ref=request.id, dedup_key=f"{key}:edit"
            )
    return request


async def cancel_by_citizen(
    request_id: int, citizen_id: int, group: tuple[str, int] | None, staff_text: str
) -> ServiceRequest:
    """The citizen withdraws an open request: cancelled, staff told, the group's message
    edited. Raises :class:`IllegalTransition` if it is no longer open."""
    async with in_transaction():
        request = await ServiceRequest.get(id=request_id, citizen_id=citizen_id)
        if request.status not in OPEN_STATUSES:
            raise IllegalTransition(f"{request.status} is final")
        await request.move_to(RequestStatus.CANCELLED, actor="citizen", notify=False)
        if group is not None:
            messenger, chat_id = group
            await outbox.enqueue(
                messenger, chat_id, "message", payload={"text": staff_text}, ref=request.id,
                dedup_key=f"cancelled:{request.id}",
            )  # fmt: skip
            await outbox.enqueue(
                messenger, chat_id, STATUS_EDIT, ref=request.id,
                dedup_key=f"cancelled:{request.id}:edit",
            )  # fmt: skip
    return request


async def rate(
    request_id: int, citizen_id: int, stars: int, group: tuple[str, int] | None, staff_text: str
) -> bool:
    """Store a 1–5 rating once (a late or repeated press changes nothing); staff told."""
    if not 1 <= stars <= 5:
        return False
    async with in_transaction():
        updated = await ServiceRequest.filter(
            Q(rating__isnull=True), id=request_id, citizen_id=citizen_id, status="done"
        ).update(rating=stars)
        if updated and group is not None:
            messenger, chat_id = group
            await outbox.enqueue(
                messenger, chat_id, "message", payload={"text": staff_text}, ref=request_id,
                dedup_key=f"rated:{request_id}",
            )  # fmt: skip
    return bool(updated)


async def comment(
    request_id: int, citizen_id: int, text: str, group: tuple[str, int] | None, staff_text: str
) -> bool:
    """The optional comment after a rating, once."""
    async with in_transaction():
        updated = await ServiceRequest.filter(
            id=request_id, citizen_id=citizen_id, rating__isnull=False, rating_comment=""
        ).update(rating_comment=text)
        if updated and group is not None:
            messenger, chat_id = group
            await outbox.enqueue(
                messenger, chat_id, "message", payload={"text": staff_text}, ref=request_id,
                dedup_key=f"rated:{request_id}:comment",
            )  # fmt: skip
    return bool(updated)
