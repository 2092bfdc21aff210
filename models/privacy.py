"""The citizen's own data: what the service holds (``/mydata``) and erasing it (``/forget``).

Personal data is what names or reaches a person: the messenger user id and chat, the
first name, national code, mobile and bill ID (on the citizen and on each request), the
request's answers (address, location, description, postal code…), the rating comment,
notes shown to the citizen, stored documents, dialog drafts, relayed messages, area
subscriptions and the broadcast opt-out. ``query_log`` rows are never linked to a citizen
(digits masked, names scrubbed, see :func:`models.querylog.scrub`), so none are erased.

:func:`forget` keeps what the SLA reports need and nothing that leads back to the person:
each request's service, status, dates, deadline, SLA flags, filed terms and rating, under
a citizen row emptied to a tombstone (user id ``-id``, chat 0, marked ``blocked_bot``), so
the same person writing again is a new citizen with no past. Open requests are cancelled
first. Everything happens in one transaction with the notices the caller writes (outbox
rows); files leave the disk only after it commits, and only when no row names them any
more: the store is content-addressed, and another request may hold the same bytes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from models.broadcast import BroadcastOptOut
from models.citizen import Citizen
from models.dialog import DialogState, StaleDialog
from models.flood import FloodWindow
from models.outage import AreaSubscription
from models.outbox import OutboxMessage, OutboxStatus
from models.relay import Relay, RelayMessage
from models.request import (
    OPEN_STATUSES,
    RequestDocument,
    RequestStatus,
    ServiceRequest,
    StatusEvent,
)
from models.retention import remove_unused
from models.storage import DocumentStore

__all__ = [
    "FORGET_ACTOR",
    "FORGET_FLOW",
    "KEPT_ANSWERS",
    "Forgotten",
    "HeldData",
    "HeldDocument",
    "HeldRequest",
    "forget",
    "held_data",
]

FORGET_FLOW = "forget"
"""DialogState flow of a pending ``/forget`` confirm; its data holds the button's nonce."""
FORGET_ACTOR = "citizen:forget"
"""Actor of the cancellations ``/forget`` makes (the request history shows why)."""
KEPT_ANSWERS = frozenset({"urgent"})
"""Answers that say what kind of request it was, not who filed it: kept by ``/forget``."""


# --------------------------------------------------------------------------- /mydata


@dataclass(frozen=True, slots=True)
class HeldDocument:
    key: str
    title: str
    mime: str
    size: int
    received_at: datetime


@dataclass(frozen=True, slots=True)
class HeldRequest:
    tracking_code: str
    service: str
    status: str
    submitted_at: datetime
    closed_at: datetime | None
    national_code: str | None
    mobile: str | None
    bill_id: str | None
    answers: dict[str, Any]
    documents: tuple[HeldDocument, ...]
    history: tuple[tuple[str, datetime], ...]
    rating: int | None
    rating_comment: str


@dataclass(frozen=True, slots=True)
class HeldData:
    """Everything the service holds about one citizen, newest request first."""

    messenger: str
    user_id: int
    first_name: str
    mobile: str | None
    national_code: str | None
    bill_id: str | None
    since: datetime
    requests: tuple[HeldRequest, ...]
    conversations: int
    relayed_messages: int
    open_dialog: str | None
    areas: tuple[str, ...]
    broadcast_opt_out: bool

    def to_json(self) -> dict[str, Any]:
        """The export: plain JSON types, dates in ISO 8601 (UTC)."""

        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment is not None else None

        return {
            "messenger": self.messenger,
            "user_id": self.user_id,
            "identity": {
                "first_name": self.first_name,
                "mobile": self.mobile,
                "national_code": self.national_code,
                "bill_id": self.bill_id,
            },
            "first_contact": iso(self.since),
            "requests": [
                {
                    "tracking_code": r.tracking_code,
                    "service": r.service,
                    "status": r.status,
                    "submitted_at": iso(r.submitted_at),
                    "closed_at": iso(r.closed_at),
                    "national_code": r.national_code,
                    "mobile": r.mobile,
                    "bill_id": r.bill_id,
                    "answers": r.answers,
                    "documents": [
                        {
                            "key": d.key,
                            "title": d.title,
                            "type": d.mime,
                            "bytes": d.size,
                            "received_at": iso(d.received_at),
                        }
                        for d in r.documents
                    ],
                    "history": [{"status": s, "at": iso(at)} for s, at in r.history],
                    "rating": r.rating,
                    "rating_comment": r.rating_comment,
                }
                for r in self.requests
            ],
            "conversations_with_staff": self.conversations,
            "messages_relayed_to_staff": self.relayed_messages,
            "open_dialog": self.open_dialog,
            "outage_areas": list(self.areas),
            "broadcast_opt_out": self.broadcast_opt_out,
            "search_queries": "kept without any link to you (digits masked)",
        }


def _document_titles(request: ServiceRequest) -> dict[str, str]:
    titles = {str(d["key"]): str(d["title"]) for d in (request.terms or {}).get("documents", [])}
    for item in request.docs_wanted or []:
        titles.setdefault(str(item.get("key", "")), str(item.get("title", "")))
    return titles


async def held_data(citizen: Citizen) -> HeldData:
    """What is stored about ``citizen`` (theirs only: every query is by its id)."""
    requests = (
        await ServiceRequest.filter(citizen_id=citizen.id)
        .order_by("-id")
        .prefetch_related("service", "documents", "events")
    )
    held = []
    for r in requests:
        titles = _document_titles(r)
        held.append(
            HeldRequest(
                tracking_code=r.tracking_code,
                service=r.service.title,
                status=str(r.status),
                submitted_at=r.submitted_at,
                closed_at=r.closed_at,
                national_code=r.national_code,
                mobile=r.mobile,
                bill_id=r.bill_id,
                answers=dict(r.answers or {}),
                documents=tuple(
                    HeldDocument(
                        d.document_key,
                        titles.get(d.document_key, d.document_key),
                        d.mime,
                        d.size,
                        d.created_at,
                    )
                    for d in sorted(r.documents, key=lambda d: d.id)
                ),
                history=tuple(
                    (e.status, e.created_at) for e in sorted(r.events, key=lambda e: e.id)
                ),
                rating=r.rating,
                rating_comment=r.rating_comment,
            )
        )
    dialog = await DialogState.current(citizen.messenger, citizen.user_id)
    return HeldData(
        messenger=citizen.messenger,
        user_id=citizen.user_id,
        first_name=citizen.first_name,
        mobile=citizen.mobile,
        national_code=citizen.national_code,
        bill_id=citizen.bill_id,
        since=citizen.created_at,
        requests=tuple(held),
        conversations=await Relay.filter(citizen_id=citizen.id).count(),
        relayed_messages=await RelayMessage.filter(relay__citizen_id=citizen.id).count(),
        open_dialog=dialog.flow if dialog is not None else None,
        areas=tuple(
            await AreaSubscription.filter(citizen_id=citizen.id)
            .order_by("area")
            .values_list("area", flat=True)
        ),
        broadcast_opt_out=await BroadcastOptOut.exists(citizen_id=citizen.id),
    )


# --------------------------------------------------------------------------- /forget


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What :func:`forget` did: the requests it cancelled (``service`` loaded), documents."""

    cancelled: tuple[ServiceRequest, ...] = ()
    documents: int = 0
    files_removed: int = 0
    paths: tuple[str, ...] = field(default=(), repr=False)


Notify = Callable[[Citizen, list[ServiceRequest], int], Awaitable[None]]
"""``notify(citizen, cancelled, documents)``: as the citizen was before the erasure."""


async def forget(
    confirm: DialogState, citizen_id: int, store: DocumentStore, notify: Notify | None = None
) -> Forgotten:
    """Erase ``citizen_id``'s personal data, once, for the pending confirm ``confirm``.

    ``notify(citizen, cancelled, documents)`` runs inside the transaction with the citizen
    as read before the erasure (their chat still known): it writes the notices as outbox
    rows. Raises :class:`~models.dialog.StaleDialog` and changes nothing when the confirm
    was used, replaced or expired since it was read (a double tap, a stale button).
    """
    async with in_transaction():
        taken = await DialogState.filter(
            id=confirm.id, version=confirm.version, flow=FORGET_FLOW
        ).delete()
        if not taken:
            raise StaleDialog(f"forget confirm {confirm.id} used or replaced")
        citizen = await Citizen.select_for_update().get(id=citizen_id)
        cancelled = list(
            await ServiceRequest.filter(citizen_id=citizen.id, status__in=list(OPEN_STATUSES))
            .order_by("id")
            .prefetch_related("service")
        )
        for request in cancelled:
            await request.move_to(RequestStatus.CANCELLED, actor=FORGET_ACTOR, notify=False)
        documents, paths = await _erase(citizen)
        if notify is not None:
            await notify(citizen, cancelled, documents)
    removed = await remove_unused(store, paths)
    return Forgotten(tuple(cancelled), documents, removed, tuple(paths))


async def _erase(citizen: Citizen) -> tuple[int, list[str]]:
    """Everything personal of ``citizen``, in the caller's transaction; returns the number
    of documents and their paths (the files go after the commit)."""
    ids = await ServiceRequest.filter(citizen_id=citizen.id).values_list("id", flat=True)
    paths = await RequestDocument.filter(request_id__in=ids).values_list("path", flat=True)
    documents = await RequestDocument.filter(request_id__in=ids).delete()
    for request_id, answers in await ServiceRequest.filter(id__in=ids).values_list("id", "answers"):
        kept = {k: v for k, v in (answers or {}).items() if k in KEPT_ANSWERS}
        await ServiceRequest.filter(id=request_id).update(answers=kept)
    await ServiceRequest.filter(id__in=ids).update(
        national_code=None, mobile=None, bill_id=None, rating_comment=""
    )
    await StatusEvent.filter(request_id__in=ids).update(note="")
    relays = await Relay.filter(citizen_id=citizen.id).values_list("id", flat=True)
    await RelayMessage.filter(relay_id__in=relays).delete()
    await Relay.filter(id__in=relays).delete()
    await DialogState.filter(messenger=citizen.messenger, user_id=citizen.user_id).delete()
    await FloodWindow.filter(messenger=citizen.messenger, user_id=citizen.user_id).delete()
    await AreaSubscription.filter(citizen_id=citizen.id).delete()
    await BroadcastOptOut.filter(citizen_id=citizen.id).delete()
    # Sent rows are emptied when sent (models.outbox.finish); failed ones keep their
    # payload for staff: relayed answers and notices to the citizen, and the group's
    # messages about these requests (a name), which nobody needs any more.
    done = [OutboxStatus.SENT, OutboxStatus.FAILED]
    await OutboxMessage.filter(
        messenger=citizen.messenger, chat_id=citizen.chat_id, status__in=done
    ).update(payload={})
    await OutboxMessage.filter(kind="message", ref__in=ids, status__in=done).update(payload={})
    await Citizen.filter(id=citizen.id).update(
        user_id=-citizen.id,
        chat_id=0,
        first_name="",
        mobile=None,
        national_code=None,
        bill_id=None,
        blocked_bot=True,
        spam_answered_at=None,
    )
    return documents, list(paths)
