"""The SLA's periodic work: خاتمه of requests whose documents never came (a reminder
first), staff warnings at 75% of the time and at breach, and the daily digest.

Each message is an outbox row written in the transaction of a conditional change, so it
is owed once however many bot processes run this job and whatever restarts happen:

* the documents reminder: ``docs_reminded`` set from false (and dedup key
  ``docs-remind:<request>:<wait start>``);
* خاتمه: :meth:`~models.request.ServiceRequest.move_to` re-checks the status under its row
  lock, so only one process closes the request; the group's message has ``closed:<id>``;
* warnings: ``warned_75`` / ``warned_breach`` set from false (keys ``warn75:<id>``,
  ``breach:<id>``);
* the digest: key ``digest:<messenger>:<Tehran date>`` on its first row.

Time is :func:`models.clock.now`; working days are the SLA calendar (:mod:`models.sla`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from itertools import groupby

from telegram.ext import Application
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from bot.metrics import SLA_BREACHES, SLA_WARNINGS
from bot.workers import periodic
from handlers import texts as general
from handlers.delivery import MESSAGE, message_payload
from handlers.deps import KEY, Deps
from handlers.render import fa
from handlers.sla.render import masked_citizen, send_documents_button
from handlers.texts import sla as texts
from models import clock, outbox, sla
from models.followup import STATUS_EDIT
from models.outbox import OutboxMessage
from models.request import (
    OPEN_STATUSES,
    IllegalTransition,
    RequestStatus,
    ServiceRequest,
)
from models.workdays import TEHRAN, format_jalali_date

__all__ = ["digest", "sla_round"]

log = logging.getLogger(__name__)

DIGEST_MESSAGE_MAX = 3800


def _items(request: ServiceRequest) -> str:
    return "\n".join(texts.NEEDS_DOCUMENTS_ITEM.format(title=t) for t in sla.wanted_titles(request))


def _requests(d: Deps, **conditions: object) -> QuerySet[ServiceRequest]:
    """This messenger's requests meeting ``conditions``, with what the texts name."""
    return ServiceRequest.filter(citizen__messenger=d.messenger, **conditions).prefetch_related(
        "service", "citizen"
    )


def _staff_fields(request: ServiceRequest) -> dict[str, str]:
    """The request as every staff message here names it: code, service, masked citizen."""
    return {
        "code": fa(request.tracking_code),
        "service": request.service.title,
        "citizen": masked_citizen(request, request.citizen),
    }


async def _to_group(
    d: Deps, text: str, *, dedup_key: str, ref: int | None = None
) -> OutboxMessage | None:
    """Owe the operator group ``text`` (once per ``dedup_key``); None if already owed."""
    assert d.operator_chat_id is not None
    return await outbox.enqueue(
        d.messenger, d.operator_chat_id, MESSAGE, payload=message_payload(text), ref=ref,
        dedup_key=dedup_key,
    )  # fmt: skip


async def remind_documents(d: Deps, now: datetime) -> int:
    """The citizen is reminded once, ``documents_reminder_days`` before the last day."""
    before = d.documents_reminder_days
    waiting = await _requests(
        d, status=RequestStatus.NEEDS_DOCUMENTS, docs_reminded=False, docs_due__isnull=False
    )
    told = 0
    for request in waiting:
        if request.docs_due is None or request.paused_at is None:
            # Back-office tools write these columns too (docs/database.md); the bot never
            # leaves a wait without paused_at, whose moment names the reminder's key. One
            # such row is skipped, not allowed to end the round for every other citizen.
            log.warning("request %s waits for documents without paused_at: no reminder", request.id)
            continue
        if sla.calendar().working_days_between(now, request.docs_due) > before:
            continue
        async with in_transaction():
            claimed = await ServiceRequest.filter(
                id=request.id, status=RequestStatus.NEEDS_DOCUMENTS, docs_reminded=False
            ).update(docs_reminded=True)
            if not claimed:
                continue
            text = texts.DOCUMENTS_REMINDER.format(
                code=fa(request.tracking_code),
                service=request.service.title,
                items=_items(request),
                due=format_jalali_date(request.docs_due),
            )
            await outbox.enqueue(
                d.messenger, request.citizen.chat_id, MESSAGE,
                payload=message_payload(text, send_documents_button(request)), ref=request.id,
                dedup_key=f"docs-remind:{request.id}:{int(request.paused_at.timestamp())}",
            )  # fmt: skip
            told += 1
    return told


async def close_unanswered(d: Deps, now: datetime) -> int:
    """خاتمه: past the documents' last day (and reminded), the request is closed."""
    overdue = await _requests(
        d, status=RequestStatus.NEEDS_DOCUMENTS, docs_reminded=True, docs_due__lt=now
    )
    closed = 0
    for request in overdue:
        try:
            async with in_transaction():
                await request.move_to(RequestStatus.CLOSED, actor="sla")
                if d.operator_chat_id is not None:
                    text = texts.CLOSED_STAFF.format(**_staff_fields(request))
                    await _to_group(d, text, ref=request.id, dedup_key=f"closed:{request.id}")
                    await outbox.enqueue(
                        d.messenger, d.operator_chat_id, STATUS_EDIT, ref=request.id,
                        dedup_key=f"closed:{request.id}:edit",
                    )  # fmt: skip
        except IllegalTransition:
            continue  # another process closed it, or the documents came meanwhile
        log.info("request %s closed (خاتمه): documents not sent in time", request.id)
        closed += 1
    return closed


def _owed_warning(request: ServiceRequest, now: datetime) -> tuple[str, sla.Clock] | None:
    """The warning ``request`` is owed now (its flag, and the clock it was read from), or
    None: the breach once the deadline passed, the 75% one before that."""
    state = sla.clock_of(request, now)
    if state.deadline is None or not state.total_days:
        return None  # instant (آنی) services and urgent reports have no working-day clock
    if now > state.deadline:
        return "warned_breach", state
    if state.used_share >= sla.WARN_SHARE and not request.warned_75:
        return "warned_75", state
    return None


async def warn_staff(d: Deps, now: datetime) -> int:
    """75% of the promised working days used, and the deadline passed: once each.

    Every running request's clock is read each round, so the rows are read bare first (no
    citizen, no service): a round with thousands of open requests and nothing to say then
    costs one light query, not thousands of rows and their relations every minute in every
    process. Only the requests owed a warning are read whole."""
    if d.operator_chat_id is None:
        return 0
    clocks = await ServiceRequest.filter(
        citizen__messenger=d.messenger,
        status__in=[s for s in OPEN_STATUSES if s != RequestStatus.NEEDS_DOCUMENTS],
        deadline__isnull=False,
        terms__isnull=False,  # filed with recorded terms (not rows older than the SLA clock)
        warned_breach=False,
    ).only("id", "deadline", "terms", "paused_at", "warned_75")
    due = [request.id for request in clocks if _owed_warning(request, now) is not None]
    if not due:
        return 0
    told = 0
    for request in await _requests(d, id__in=due):
        owed = _owed_warning(request, now)  # read again: the whole row may have moved since
        if owed is None:
            continue
        flag, state = owed
        if flag == "warned_breach":
            key = f"breach:{request.id}"
            text = texts.WARN_BREACH.format(
                late=fa(max(-(state.remaining_days or 0), 1)), **_staff_fields(request)
            )
        else:
            key = f"warn75:{request.id}"
            text = texts.WARN_75.format(
                left=fa(state.remaining_days or 0), **_staff_fields(request)
            )
        async with in_transaction():
            changes = {flag: True} | ({"warned_75": True} if flag == "warned_breach" else {})
            claimed = await ServiceRequest.filter(id=request.id, **{flag: False}).update(**changes)
            if claimed:
                await _to_group(d, text, ref=request.id, dedup_key=key)
                told += 1
        counter = SLA_BREACHES if flag == "warned_breach" else SLA_WARNINGS
        if claimed:  # counted once the transaction holds: a rolled-back warning is not one
            counter.labels(d.messenger).inc()
    return told


def _digest_lines(requests: list[ServiceRequest], now: datetime) -> list[str]:
    """Open requests per service in filing order (the order they are to be served), late
    ones marked; services with late requests first."""
    blocks: list[tuple[bool, int, list[str]]] = []
    by_service = sorted(requests, key=lambda r: (r.service_id, r.id))  # type: ignore[attr-defined]
    for _, group in groupby(by_service, key=lambda r: r.service_id):  # type: ignore[attr-defined]
        items = list(group)
        lines = [texts.DIGEST_SERVICE.format(service=items[0].service.title, count=fa(len(items)))]
        any_late = False
        for n, request in enumerate(items, 1):
            state = sla.clock_of(request, now)
            values = {
                "n": fa(n),
                "code": fa(request.tracking_code),
                "status": general.STATUS_LABELS.get(request.status, request.status),
            }
            if state.paused:
                lines.append(texts.DIGEST_PAUSED.format(**values))
            elif state.remaining_days is None:
                lines.append(texts.DIGEST_NO_DEADLINE.format(**values))
            elif state.deadline is not None and now > state.deadline:
                any_late = True
                late = max(-state.remaining_days, 1)
                lines.append(texts.DIGEST_LATE.format(late=fa(late), **values))
            else:
                lines.append(texts.DIGEST_ITEM.format(left=fa(state.remaining_days), **values))
        blocks.append((not any_late, items[0].id, lines))
    blocks.sort(key=lambda b: (b[0], b[1]))
    return [line for _, _, lines in blocks for line in lines]


async def digest(d: Deps, now: datetime) -> int:
    """Every working day from ``digest_hour`` (Tehran): the open requests, once a day."""
    if d.operator_chat_id is None:
        return 0
    local = now.astimezone(TEHRAN)
    if local.hour < d.digest_hour:
        return 0
    if not sla.calendar().is_working_day(local.date()):
        return 0
    key = f"digest:{d.messenger}:{local.date().isoformat()}"
    if await OutboxMessage.exists(dedup_key=key):
        return 0
    requests = (
        await ServiceRequest.filter(citizen__messenger=d.messenger, status__in=list(OPEN_STATUSES))
        .order_by("id")
        .prefetch_related("service")
    )
    day = format_jalali_date(local.date())
    if not requests:
        chunks = [texts.DIGEST_EMPTY.format(date=day)]
    else:
        chunks, current = [], texts.DIGEST_TITLE.format(date=day)
        for line in _digest_lines(requests, now):
            if len(current) + len(line) + 1 > DIGEST_MESSAGE_MAX:
                chunks.append(current)
                current = ""
            current = f"{current}\n{line}" if current else line
        chunks.append(current)
    async with in_transaction():
        if await _to_group(d, chunks[0], dedup_key=key) is None:
            return 0  # another process wrote today's digest
        for number, chunk in enumerate(chunks[1:], 1):
            await _to_group(d, chunk, dedup_key=f"{key}:{number}")
    return len(chunks)


@periodic("sla", 60.0)
async def sla_round(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    """One round of the SLA's work for every messenger this process serves."""
    now = clock.now()
    for app in apps.values():
        d: Deps = app.bot_data[KEY]
        told = await remind_documents(d, now)
        told += await close_unanswered(d, now)
        told += await warn_staff(d, now)
        told += await digest(d, now)
        if told:
            d.wake_workers()
