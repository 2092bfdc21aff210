"""Broadcasts: an admin's announcement to many citizens, one outbox row per recipient.

A :class:`Broadcast` is composed as a ``draft`` (text, an optional photo, an audience),
confirmed into ``running``, and then *queued*: :func:`queue_recipients` writes one
:class:`~models.outbox.OutboxMessage` of kind :data:`BROADCAST_MESSAGE` per recipient, at
:attr:`~models.outbox.Priority.BULK`, with the dedup key ``broadcast:<id>:<citizen id>``.
Queueing goes in chunks, each its own transaction, and may be interrupted anywhere: running
it again inserts only the rows still missing (the dedup key is unique), so nobody is
skipped and nobody is owed twice. The dispatcher then sends the rows like any other.

Delivery guarantee (the Bot API has no idempotency key): **at least once, with duplicates
bounded by the rows in flight at a crash.** A row is claimed with a lease, sent outside any
transaction, then marked sent; a process killed between the send and the mark leaves a row
whose lease runs out and which is sent again. A clean stop lets the sends in flight finish
and be marked before it exits (``bot.workers``), so a clean restart duplicates nothing.

Progress is counted from the outbox rows themselves (:func:`progress`), never from
counters that a crash could leave behind. ``paused`` moves the broadcast's pending rows'
``not_before`` far into the future; ``running`` again brings it back; ``cancelled`` gives the
pending rows up. Rows already claimed at that moment are in flight and still go.

Citizens who opted out (:class:`BroadcastOptOut`) or blocked the bot are not recipients;
request notices are not broadcasts and are never affected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tortoise import fields
from tortoise.expressions import Subquery
from tortoise.functions import Count
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import clock, outbox, rawsql
from models.citizen import Citizen
from models.outage import subscribers
from models.outbox import OutboxMessage, OutboxStatus, Priority
from models.request import OPEN_STATUSES, ServiceRequest

__all__ = [
    "BROADCAST_MESSAGE",
    "BROADCAST_REPORT",
    "Audience",
    "Broadcast",
    "BroadcastOptOut",
    "BroadcastState",
    "Progress",
    "cancel",
    "confirm",
    "opt_in",
    "opt_out",
    "pause",
    "progress",
    "queue_recipients",
    "recipients",
    "resume",
]

BROADCAST_MESSAGE = "broadcast.message"
BROADCAST_REPORT = "broadcast.report"
QUEUE_CHUNK = 1000
PAUSED_UNTIL = timedelta(days=3650)
"""How far ahead a paused broadcast's rows are put (resume brings them back)."""
CANCELLED = "cancelled"
OPTED_OUT = "opted out"
FORBIDDEN = "forbidden"


class BroadcastState(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a broadcast goes to, as one short string: ``all``, ``m.<messenger>``,
    ``open`` (citizens with an open request), ``s.<service code>`` (who filed it) or
    ``a.<area key>`` (subscribed to an area's planned outages, ``models.outage``)."""

    code: str

    @property
    def kind(self) -> str:
        return self.code.split(".", 1)[0]

    @property
    def arg(self) -> str:
        return self.code.split(".", 1)[1] if "." in self.code else ""

    def citizens(self) -> QuerySet[Citizen]:
        """Everyone this audience names who can be written to and did not opt out."""
        opted_out = Subquery(BroadcastOptOut.all().values("citizen_id"))
        if self.kind == "a":  # whom the area's outage notices reach, less who opted out
            return subscribers(self.arg).exclude(id__in=opted_out)
        query = Citizen.filter(blocked_bot=False).exclude(id__in=opted_out)
        if self.kind == "all":
            return query
        if self.kind == "m":
            return query.filter(messenger=self.arg)
        if self.kind == "open":
            return query.filter(
                id__in=Subquery(
                    ServiceRequest.filter(status__in=list(OPEN_STATUSES)).values("citizen_id")
                )
            )
        if self.kind == "s":
            return query.filter(
                id__in=Subquery(ServiceRequest.filter(service__code=self.arg).values("citizen_id"))
            )
        raise ValueError(f"unknown audience {self.code!r}")


class Broadcast(Model):
    """One announcement by an admin, from draft to done."""

    id = fields.BigIntField(primary_key=True)
    messenger = fields.CharField(max_length=16, description="where the admin composed it")
    admin_user_id = fields.BigIntField()
    admin_chat_id = fields.BigIntField()
    progress_message_id = fields.BigIntField(null=True, description="the admin's progress message")
    text = fields.TextField(description="the text or the photo's caption")
    photo_path = fields.CharField(max_length=255, null=True, description="in the document store")
    photo_ids: dict[str, str] = fields.JSONField(
        default=dict, description="file id of the photo per messenger, once uploaded there"
    )
    audience = fields.CharField(max_length=96, default="all")
    state = fields.CharEnumField(BroadcastState, max_length=16, default=BroadcastState.DRAFT)
    total = fields.IntField(default=0, description="recipients queued")
    queued_at = fields.DatetimeField(null=True, description="every recipient has its row")
    progress_at = fields.DatetimeField(null=True, description="last progress edit")
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "broadcast"

    @property
    def audience_(self) -> Audience:
        return Audience(self.audience)


class BroadcastOptOut(Model):
    """A citizen who asked for no broadcasts (request notices still arrive)."""

    id = fields.IntField(primary_key=True)
    citizen: fields.OneToOneRelation[Citizen] = fields.OneToOneField(
        "models.Citizen", related_name="broadcast_opt_out", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "broadcast_opt_out"


async def opt_out(citizen: Citizen) -> bool:
    """True if this changed anything."""
    _, created = await BroadcastOptOut.get_or_create(citizen=citizen)
    return created


async def opt_in(citizen: Citizen) -> bool:
    return bool(await BroadcastOptOut.filter(citizen=citizen).delete())


async def is_opted_out(messenger: str, chat_id: int) -> bool:
    return await BroadcastOptOut.filter(
        citizen__messenger=messenger, citizen__chat_id=chat_id
    ).exists()


async def recipients(audience: Audience) -> int:
    return await audience.citizens().count()


def _rows(broadcast: Broadcast) -> QuerySet[OutboxMessage]:
    return OutboxMessage.filter(kind=BROADCAST_MESSAGE, ref=broadcast.id)


async def confirm(broadcast_id: int, progress_message_id: int | None) -> bool:
    """Draft → running, once (a second press, from any process, changes nothing)."""
    return bool(
        await Broadcast.filter(id=broadcast_id, state=BroadcastState.DRAFT).update(
            state=BroadcastState.RUNNING,
            started_at=clock.now(),
            progress_message_id=progress_message_id,
        )
    )


async def queue_recipients(broadcast: Broadcast, chunk: int = QUEUE_CHUNK) -> int:
    """Write the missing recipient rows; idempotent, resumable. Returns rows in all."""
    last_id = 0
    while True:
        current = await Broadcast.get(id=broadcast.id)
        if current.state == BroadcastState.CANCELLED:
            return await _rows(broadcast).count()
        citizens = (
            await current.audience_.citizens()
            .filter(id__gt=last_id)
            .order_by("id")
            .limit(chunk)
            .values_list("id", "messenger", "chat_id")
        )
        if not citizens:
            break
        last_id = citizens[-1][0]
        not_before = clock.now() + (
            PAUSED_UNTIL if current.state == BroadcastState.PAUSED else timedelta(0)
        )
        async with in_transaction():
            await OutboxMessage.bulk_create(
                [
                    OutboxMessage(
                        messenger=messenger,
                        chat_id=chat_id,
                        kind=BROADCAST_MESSAGE,
                        ref=broadcast.id,
                        payload={},
                        priority=int(Priority.BULK),
                        dedup_key=f"broadcast:{broadcast.id}:{citizen_id}",
                        not_before=not_before,
                    )
                    for citizen_id, messenger, chat_id in citizens
                ],
                ignore_conflicts=True,
            )
    total = await _rows(broadcast).count()
    await Broadcast.filter(id=broadcast.id, queued_at=None).update(
        queued_at=clock.now(), total=total
    )
    return total


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    sent: int
    failed: int
    blocked: int

    @property
    def left(self) -> int:
        return max(self.total - self.sent - self.failed - self.blocked, 0)

    @property
    def finished(self) -> int:
        return self.total - self.left


async def progress(broadcast: Broadcast) -> Progress:
    """Counts from the rows: sent, failed, blocked (refused by the citizen), left."""
    grouped = (
        await _rows(broadcast).annotate(n=Count("id")).group_by("status").values_list("status", "n")
    )
    by_status = {str(status): n for status, n in grouped}
    blocked = (
        await _rows(broadcast)
        .filter(status=OutboxStatus.FAILED, last_error__startswith=FORBIDDEN)
        .count()
    )
    total = sum(by_status.values())
    if broadcast.queued_at is not None:
        total = max(total, broadcast.total)
    return Progress(
        total=total,
        sent=by_status.get(OutboxStatus.SENT.value, 0),
        failed=by_status.get(OutboxStatus.FAILED.value, 0) - blocked,
        blocked=blocked,
    )


async def pause(broadcast_id: int) -> bool:
    async with in_transaction():
        changed = await Broadcast.filter(id=broadcast_id, state=BroadcastState.RUNNING).update(
            state=BroadcastState.PAUSED
        )
        if changed:
            await OutboxMessage.filter(
                kind=BROADCAST_MESSAGE, ref=broadcast_id, status=OutboxStatus.PENDING
            ).update(not_before=clock.now() + PAUSED_UNTIL)
    return bool(changed)


async def resume(broadcast_id: int) -> bool:
    async with in_transaction():
        changed = await Broadcast.filter(id=broadcast_id, state=BroadcastState.PAUSED).update(
            state=BroadcastState.RUNNING
        )
        if changed:
            await OutboxMessage.filter(
                kind=BROADCAST_MESSAGE, ref=broadcast_id, status=OutboxStatus.PENDING
            ).update(not_before=clock.now())
    return bool(changed)


async def cancel(broadcast_id: int) -> bool:
    """Running, paused or draft → cancelled; pending rows not in flight are given up."""
    now = clock.now()
    async with in_transaction():
        changed = await Broadcast.filter(
            id=broadcast_id,
            state__in=[BroadcastState.DRAFT, BroadcastState.RUNNING, BroadcastState.PAUSED],
        ).update(state=BroadcastState.CANCELLED, finished_at=now)
        if changed:
            await outbox.waiting(BROADCAST_MESSAGE, broadcast_id, now).update(
                status=OutboxStatus.FAILED, finished_at=now, last_error=CANCELLED
            )
    return bool(changed)


async def finish_if_done(broadcast: Broadcast) -> bool:
    """Running and every row finished → done, once. True for the caller that made it so.

    One conditional UPDATE, so that a transaction starting with it writes first: on SQLite
    a transaction of one process that reads and then writes fails at once ("database is
    locked") when another process wrote in between, and the progress round runs every
    second in every job process."""
    if broadcast.state != BroadcastState.RUNNING or broadcast.queued_at is None:
        return False
    changed = await rawsql.execute(
        Broadcast,
        'UPDATE "broadcast" SET "state"=?,"finished_at"=? WHERE "id"=? AND "state"=?'
        ' AND NOT EXISTS (SELECT 1 FROM "outbox" WHERE "kind"=? AND "ref"=? AND "status"=?)',
        [
            BroadcastState.DONE.value,
            clock.now(),
            broadcast.id,
            BroadcastState.RUNNING.value,
            BROADCAST_MESSAGE,
            broadcast.id,
            OutboxStatus.PENDING.value,
        ],
    )
    return bool(changed)


def estimated_finish(broadcast: Broadcast, done: Progress, now: datetime) -> datetime | None:
    """When the rest will have gone at the pace so far; None before anything went."""
    if broadcast.started_at is None or done.finished == 0:
        return None
    elapsed = (now - broadcast.started_at).total_seconds()
    if elapsed <= 0:
        return None
    return now + timedelta(seconds=done.left * elapsed / done.finished)
