"""Requests, their documents, and the status events that tell the citizen what happened.

The lifecycle is one table of allowed transitions (:data:`TRANSITIONS`): the bot, the
operator group's buttons and back-office tools all move a request through
:meth:`ServiceRequest.move_to`, which writes the new status and a :class:`StatusEvent` in
one transaction. ``status_event`` is an outbox: a row with ``delivered_at`` empty is a
message owed to the citizen, whoever wrote it — another program may insert rows directly
and the bot's dispatcher will deliver them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields, timezone
from tortoise.fields import Now
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models import clock, outbox, rawsql, sla
from models.logcontext import note_tracking_code

if TYPE_CHECKING:
    from models.citizen import Citizen
    from models.service import Service

__all__ = [
    "CHANGED_OUTSIDE",
    "NOTICE_KEY_PREFIX",
    "STATUS_NOTICE",
    "TRANSITIONS",
    "UNQUEUED_EVENTS",
    "IllegalTransition",
    "RequestDocument",
    "RequestStatus",
    "ServiceRequest",
    "StatusEvent",
    "queue_status_notice",
    "queue_undelivered_events",
    "record_external_status_changes",
]

STATUS_NOTICE = "status.notice"
"""Outbox kind of a citizen's notice about one :class:`StatusEvent` (``ref`` = event id)."""
NOTICE_KEY_PREFIX = f"{STATUS_NOTICE}:"
"""A notice's outbox dedup key is this and its event's id (one notice per event)."""

# The two polls every bot process runs each outbox round (every second, and whenever a
# feature wakes it) read the few rows that are owed something through partial indexes
# (``rawsql.WhereIndex``), not whole tables that only grow (bench/growth.py). An event's
# notice is found by its outbox key (unique, so indexed).
CHANGED_OUTSIDE_WHERE = '"status" <> "announced_status"'
CHANGED_OUTSIDE = f'SELECT "id" FROM "service_request" WHERE {CHANGED_OUTSIDE_WHERE}'
UNDELIVERED_WHERE = '"delivered_at" IS NULL'
UNQUEUED_EVENTS = (
    'SELECT e."id", r."citizen_id" FROM "status_event" e'
    ' JOIN "service_request" r ON r."id" = e."request_id"'
    f' WHERE e.{UNDELIVERED_WHERE} AND NOT EXISTS (SELECT 1 FROM "outbox" o'
    f' WHERE o."dedup_key" = \'{NOTICE_KEY_PREFIX}\' || e."id")'
    ' ORDER BY e."id" LIMIT ?'
)


class RequestStatus(StrEnum):
    """Where a request stands. Values are stored as-is and read by back-office tools."""

    SUBMITTED = "submitted"  # filed by the citizen, waiting for staff
    IN_REVIEW = "in_review"  # an expert is checking documents
    NEEDS_DOCUMENTS = "needs_documents"  # staff asked the citizen for more documents
    IN_PROGRESS = "in_progress"  # accepted; work (visit, installation, …) under way
    DONE = "done"  # service delivered
    REJECTED = "rejected"  # refused, with a reason
    CLOSED = "closed"  # خاتمه: the citizen did not send the documents asked for
    CANCELLED = "cancelled"  # withdrawn by the citizen


OPEN_STATUSES = frozenset(
    {
        RequestStatus.SUBMITTED,
        RequestStatus.IN_REVIEW,
        RequestStatus.NEEDS_DOCUMENTS,
        RequestStatus.IN_PROGRESS,
    }
)

TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.SUBMITTED: frozenset(
        {
            RequestStatus.IN_REVIEW,
            RequestStatus.NEEDS_DOCUMENTS,
            RequestStatus.IN_PROGRESS,
            RequestStatus.REJECTED,
            RequestStatus.CANCELLED,
            RequestStatus.DONE,
        }
    ),
    RequestStatus.IN_REVIEW: frozenset(
        {
            RequestStatus.NEEDS_DOCUMENTS,
            RequestStatus.IN_PROGRESS,
            RequestStatus.REJECTED,
            RequestStatus.DONE,
            RequestStatus.CANCELLED,
        }
    ),
    RequestStatus.NEEDS_DOCUMENTS: frozenset(
        {
            RequestStatus.IN_REVIEW,
            RequestStatus.CLOSED,
            RequestStatus.CANCELLED,
            RequestStatus.REJECTED,
        }
    ),
    RequestStatus.IN_PROGRESS: frozenset(
        {RequestStatus.DONE, RequestStatus.REJECTED, RequestStatus.CANCELLED}
    ),
    RequestStatus.DONE: frozenset(),
    RequestStatus.REJECTED: frozenset(),
    RequestStatus.CLOSED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
}
"""Allowed moves. Final states have none: a closed request is re-filed, never re-opened."""


class IllegalTransition(ValueError):
    """The request cannot move from its current status to the one asked."""


class ServiceRequest(Model):
    """A filed request. Only complete requests exist: the dialog keeps drafts elsewhere."""

    id = fields.IntField(primary_key=True)
    tracking_code = fields.CharField(max_length=16, unique=True, description="کد رهگیری")
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "models.Citizen", related_name="requests", on_delete=fields.RESTRICT
    )
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "models.Service", related_name="requests", on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(RequestStatus, max_length=24, default=RequestStatus.SUBMITTED)
    announced_status = fields.CharField(
        max_length=24,
        default=RequestStatus.SUBMITTED.value,
        db_default=RequestStatus.SUBMITTED.value,
        description="last status the citizen was told of, differs after an external UPDATE",
    )
    answers: dict[str, Any] = fields.JSONField(default=dict, description="dialog answers")
    national_code = fields.CharField(max_length=10, null=True)
    mobile = fields.CharField(max_length=11, null=True)
    bill_id = fields.CharField(max_length=13, null=True)
    deadline = fields.DatetimeField(
        null=True, description="SLA deadline from working days, moved by the days paused"
    )
    terms: dict[str, Any] | None = fields.JSONField(
        null=True, description="the card's title, duration, documents and cost at filing"
    )
    paused_at = fields.DatetimeField(
        null=True, description="when the wait for the citizen's documents began (clock paused)"
    )
    paused_days = fields.IntField(
        default=0, db_default=0, description="working days the clock was paused in all"
    )
    docs_wanted: list[dict[str, Any]] | None = fields.JSONField(
        null=True, description="documents asked for in the current wait, key and title each"
    )
    docs_due = fields.DatetimeField(null=True, description="last moment for the documents asked")
    docs_reminded = fields.BooleanField(
        default=False, db_default=False, description="the documents reminder is written"
    )
    warned_75 = fields.BooleanField(
        default=False, db_default=False, description="staff warned at 75 percent of the time"
    )
    warned_breach = fields.BooleanField(
        default=False, db_default=False, description="staff warned that the deadline passed"
    )
    rating = fields.SmallIntField(null=True, description="the citizen's 1 to 5 after done")
    rating_comment = fields.TextField(
        default="", db_default="", description="the citizen's optional comment with the rating"
    )
    submitted_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    documents: fields.ReverseRelation[RequestDocument]
    events: fields.ReverseRelation[StatusEvent]

    class Meta:
        table = "service_request"
        # A citizen's requests; the SLA round's reads by status and a queue's place (status,
        # service, ids before); the statuses other programs wrote. Without them each reads
        # the whole table, which only grows (bench/growth.py).
        indexes = (
            ("citizen_id",),
            ("status", "service_id", "id"),
            rawsql.WhereIndex(
                fields=["id"], name="idx_service_req_changed", where=CHANGED_OUTSIDE_WHERE
            ),
        )

    @property
    def is_open(self) -> bool:
        """Still waiting for staff or the citizen (not done, rejected, closed or cancelled)."""
        return self.status in OPEN_STATUSES

    async def move_to(
        self,
        status: RequestStatus,
        *,
        actor: str,
        note: str = "",
        changes: dict[str, Any] | None = None,
        notify: bool = True,
    ) -> StatusEvent:
        """Change status and queue the citizen's notice, atomically; refuses illegal moves.

        ``changes``: other columns written in the same transaction (the documents asked
        for); ``notify=False`` records the event as delivered (the citizen is answered
        directly, e.g. their own cancel). The SLA clock pauses or resumes here."""
        note_tracking_code(self.tracking_code)
        async with in_transaction():
            fresh = await ServiceRequest.select_for_update().get(id=self.id)
            old = fresh.status
            if status not in TRANSITIONS[RequestStatus(old)]:
                raise IllegalTransition(f"{old} -> {status}")
            fresh.status = status
            fresh.announced_status = status
            if status not in OPEN_STATUSES:
                fresh.closed_at = clock.now()
            for name, value in (changes or {}).items():
                setattr(fresh, name, value)
            extra = sla.on_status_change(fresh, str(old), str(status))
            await fresh.save(
                update_fields=list(
                    {"status", "announced_status", "closed_at", "updated_at", *extra}
                    | set(changes or {})
                )
            )
            event = await StatusEvent.create(
                request_id=self.id,
                status=status,
                actor=actor,
                note=note,
                delivered_at=None if notify else clock.now(),
            )
            if notify:
                await queue_status_notice(event, fresh.citizen_id)  # type: ignore[attr-defined]
            await _after_status(fresh)
        for name in ("status", "closed_at", "deadline", "paused_at", "paused_days", "docs_due"):
            setattr(self, name, getattr(fresh, name))
        self.docs_wanted = fresh.docs_wanted
        return event


class RequestDocument(Model):
    """A file the citizen sent for one of the service's documents."""

    id = fields.IntField(primary_key=True)
    request: fields.ForeignKeyRelation[ServiceRequest] = fields.ForeignKeyField(
        "models.ServiceRequest", related_name="documents", on_delete=fields.CASCADE
    )
    document_key = fields.CharField(max_length=48, description="service_document.key")
    sha256 = fields.CharField(max_length=64)
    path = fields.CharField(max_length=255, description="relative to the storage folder")
    mime = fields.CharField(max_length=64)
    size = fields.IntField()
    messenger_file_id = fields.CharField(max_length=255, description="to re-send without upload")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "request_document"
        # a request's documents, its erasure; whether a stored file is still named
        # (the hourly orphan sweep asks about every file, models.retention)
        indexes = (("request_id",), ("path",))


class StatusEvent(Model):
    """Outbox of what happened to a request: undelivered rows are owed to the citizen."""

    id = fields.BigIntField(primary_key=True)
    request: fields.ForeignKeyRelation[ServiceRequest] = fields.ForeignKeyField(
        "models.ServiceRequest", related_name="events", on_delete=fields.CASCADE
    )
    status = fields.CharField(max_length=24, description="a RequestStatus value or an SLA event")
    actor = fields.CharField(
        max_length=64, default="system", db_default="system", description="bot, operator:ID, …"
    )
    note = fields.TextField(default="", db_default="", description="shown to the citizen")
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())
    delivered_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "status_event"
        indexes = (
            ("request_id",),  # a request's events
            rawsql.WhereIndex(
                fields=["id"], name="idx_status_even_undelivered", where=UNDELIVERED_WHERE
            ),
        )

    async def mark_delivered(self, when: datetime | None = None) -> None:
        self.delivered_at = when or timezone.now()
        await self.save(update_fields=["delivered_at"])


async def record_external_status_changes() -> int:
    """Queue a notice for every status another program wrote straight into ``service_request``.

    Back-office tools may change ``service_request.status`` with a plain ``UPDATE`` and no
    event. ``announced_status`` is the last status the citizen was (or is being) told of;
    :meth:`ServiceRequest.move_to` keeps the two equal, so a difference means the status was
    changed outside it: this writes the missing event so the outbox tells the citizen. Each
    request is re-checked under its row lock, so several bot processes reconciling at once
    write one event, not several. Returns how many were written.
    """
    written = 0
    changed = await rawsql.rows(ServiceRequest, CHANGED_OUTSIDE, [])
    for request_id in (row["id"] for row in changed):
        async with in_transaction():
            request = await ServiceRequest.select_for_update().get(id=request_id)
            if request.status == request.announced_status:
                continue
            event = await StatusEvent.create(
                request_id=request.id, status=request.status, actor="external"
            )
            await queue_status_notice(event, request.citizen_id)  # type: ignore[attr-defined]
            if request.status not in OPEN_STATUSES and request.closed_at is None:
                request.closed_at = clock.now()
            extra = sla.on_status_change(request, request.announced_status, request.status)
            request.announced_status = request.status
            await request.save(update_fields=["announced_status", "closed_at", *extra])
            await _after_status(request)
            written += 1
    return written


async def _after_status(request: ServiceRequest) -> None:
    """What a new status owes besides its notice: «انجام شد» asks for a rating, once."""
    if request.status != RequestStatus.DONE:
        return
    from models.citizen import Citizen

    citizen = await Citizen.get(id=request.citizen_id).only("id", "messenger", "chat_id")  # type: ignore[attr-defined]
    await outbox.enqueue(
        citizen.messenger,
        citizen.chat_id,
        sla.RATE_ASK,
        ref=request.id,
        dedup_key=f"rate:{request.id}",
    )


async def queue_status_notice(event: StatusEvent, citizen_id: int) -> None:
    """Owe the citizen a notice of ``event``; inside the transaction that wrote it."""
    from models.citizen import Citizen

    citizen = await Citizen.get(id=citizen_id).only("id", "messenger", "chat_id")
    await outbox.enqueue(
        citizen.messenger,
        citizen.chat_id,
        STATUS_NOTICE,
        ref=event.id,
        dedup_key=f"{NOTICE_KEY_PREFIX}{event.id}",
    )


async def queue_undelivered_events(limit: int = 200) -> int:
    """Queue a notice for each event a back-office tool inserted straight into
    ``status_event`` (undelivered, and no outbox row yet). The outbox's unique key makes
    several processes doing this at once queue each notice once. Returns how many."""
    events = await rawsql.rows(StatusEvent, UNQUEUED_EVENTS, [limit])
    written = 0
    for event_id, citizen_id in ((row["id"], row["citizen_id"]) for row in events):
        async with in_transaction():
            event = await StatusEvent.get(id=event_id)
            await queue_status_notice(event, citizen_id)
        written += 1
    return written
