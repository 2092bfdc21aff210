"""Finding requests in the group: ``/find CODE`` (or a tracking code typed in the group)
shows a request with its history, documents (sent again on demand, ``desk:docs:<id>``) and
its conversation (``models.relay``); ``/queue [service]`` lists open requests in filing
order with their working days left; ``/mine`` lists one's own.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Message, Update
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from handlers import texts
from handlers.announce import ANNOUNCE_ALBUM, album_rows
from handlers.common import Context, sender_of
from handlers.deps import Deps, deps
from handlers.desk.access import (
    actor_of,
    command_args,
    load_request,
    pressed_request,
    reply,
    staff_check,
    staff_message,
)
from handlers.operator import DESK, desk_view
from handlers.render import fa
from handlers.texts import desk as dtexts
from models import clock, desk, outbox
from models.desk import Claim, DeskAction
from models.identifiers import normalize_tracking_code
from models.relay import Direction, RelayMessage
from models.request import OPEN_STATUSES, RequestDocument, ServiceRequest, StatusEvent
from models.workdays import format_jalali_date, format_jalali_datetime

__all__ = [
    "find_command",
    "find_text",
    "mine_command",
    "on_documents_button",
    "on_group_text",
    "queue_command",
    "show_request",
]

_CODE_IN_TEXT = re.compile(r"[0-9۰-۹٠-٩][0-9۰-۹٠-٩ \-]{7,14}[0-9۰-۹٠-٩]")
QUEUE_MAX = 30
HISTORY_MAX = 15
CONVERSATION_MAX = 10


def _days(d: Deps, request: ServiceRequest) -> str:
    if request.deadline is None:
        return dtexts.NO_DEADLINE
    left = d.calendar.working_days_between(clock.now(), request.deadline)
    if left >= 0:
        return dtexts.DAYS_LEFT.format(days=fa(left))
    return dtexts.DAYS_LATE.format(days=fa(-left))


def _actor_name(actor: str) -> str:
    if actor.startswith("operator:"):
        return fa(actor.rsplit(":", 1)[-1])
    if actor.startswith("citizen"):
        return dtexts.ACTOR_CITIZEN
    return dtexts.ACTOR_SYSTEM


async def find_text(d: Deps, request: ServiceRequest) -> str:
    """The request as /find shows it: status, claim, deadline, history, documents, thread."""
    text, _ = await desk_view(request)
    lines = [
        text,
        dtexts.FIND_SUBMITTED.format(when=format_jalali_datetime(request.submitted_at)),
    ]
    if request.deadline is not None:
        lines.append(
            dtexts.FIND_DEADLINE.format(
                deadline=format_jalali_date(request.deadline), days=_days(d, request)
            )
        )
    history: list[tuple[object, str]] = []
    for event in await StatusEvent.filter(request_id=request.id).order_by("id"):
        what = texts.STATUS_LABELS.get(event.status, event.status)
        history.append((event.created_at, dtexts.FIND_HISTORY_ITEM.format(
            when=format_jalali_datetime(event.created_at), what=what,
            actor=_actor_name(event.actor),
        )))  # fmt: skip
    for action in await DeskAction.filter(request_id=request.id).order_by("id"):
        if action.action not in dtexts.ACTION_LABELS:
            continue
        history.append((action.created_at, dtexts.FIND_HISTORY_ITEM.format(
            when=format_jalali_datetime(action.created_at),
            what=dtexts.ACTION_LABELS[action.action], actor=_actor_name(action.actor),
        )))  # fmt: skip
    if history:
        history.sort(key=lambda item: item[0])  # type: ignore[arg-type, return-value]
        lines += [dtexts.FIND_HISTORY, *(line for _, line in history[-HISTORY_MAX:])]
    documents = await RequestDocument.filter(request_id=request.id).count()
    lines.append(dtexts.FIND_DOCUMENTS.format(count=fa(documents)))
    thread = (
        await RelayMessage.filter(relay__request_id=request.id)
        .order_by("-id")
        .limit(CONVERSATION_MAX)
    )
    if thread:
        lines.append(dtexts.FIND_CONVERSATION)
        for item in reversed(thread):
            line = (
                dtexts.FIND_CONVERSATION_IN
                if item.direction == Direction.IN
                else dtexts.FIND_CONVERSATION_OUT
            )
            lines.append(
                line.format(when=format_jalali_datetime(item.created_at), text=item.preview or "—")
            )
    return "\n".join(lines)


async def show_request(message: Message, context: Context, code: str) -> None:
    d = deps(context)
    request = await load_request(d, code=code)
    if request is None:
        await reply(message, dtexts.FIND_NOT_FOUND.format(code=fa(code)))
        return
    user = message.from_user
    await desk.record(actor_of(d, user.id if user else 0), "find", request.id)
    _, markup = await desk_view(request)
    if await RequestDocument.exists(request_id=request.id):
        resend = DESK.button(dtexts.BTN_RESEND_DOCUMENTS, "docs", request.id)
        rows = [list(row) for row in (markup.inline_keyboard if markup else ())]
        markup = InlineKeyboardMarkup([*rows, [resend]])
    await reply(message, await find_text(d, request), markup)


async def find_command(update: Update, context: Context) -> None:
    message = await staff_message(update, context)
    if message is None:
        return
    args = command_args(context)
    code = normalize_tracking_code(" ".join(args)) if args else None
    if code is None:
        await reply(message, dtexts.FIND_USAGE)
        return
    await show_request(message, context, code)


async def on_group_text(update: Update, context: Context) -> None:
    """A tracking code typed in the group (not a reply): shown as /find shows it."""
    message = update.effective_message
    if message is None or not message.text or staff_check(update, context) is not None:
        return
    match = _CODE_IN_TEXT.search(message.text)
    code = normalize_tracking_code(match.group(0)) if match else None
    if code is not None:
        await show_request(message, context, code)


def _queue_line(d: Deps, n: int, request: ServiceRequest, claim: Claim | None) -> str:
    name = claim.operator_name or fa(claim.operator_id) if claim else ""
    return dtexts.QUEUE_ITEM.format(
        n=fa(n),
        code=fa(request.tracking_code),
        service=request.service.title,
        status=texts.STATUS_LABELS.get(request.status, request.status),
        days=_days(d, request),
        claim=dtexts.QUEUE_CLAIM.format(name=name) if claim else "",
    )


async def queue_command(update: Update, context: Context) -> None:
    """``/queue [service]``: open requests, oldest first, with working days left."""
    message = await staff_message(update, context)
    if message is None:
        return
    d = deps(context)
    wanted = " ".join(context.args or []).strip()
    query = ServiceRequest.filter(status__in=list(OPEN_STATUSES), citizen__messenger=d.messenger)
    if wanted:
        query = query.filter(Q(service__code=wanted) | Q(service__title__icontains=wanted))
    total = await query.count()
    requests = (
        await query.order_by("submitted_at", "id").limit(QUEUE_MAX).prefetch_related("service")
    )
    if not requests:
        await reply(message, dtexts.QUEUE_NONE)
        return
    claims = {c.request_id: c for c in await Claim.filter(request_id__in=[r.id for r in requests])}  # type: ignore[attr-defined]
    service = dtexts.QUEUE_SERVICE.format(service=wanted) if wanted else ""
    lines = [dtexts.QUEUE_HEADER.format(service=service, count=fa(total))]
    lines += [_queue_line(d, n, r, claims.get(r.id)) for n, r in enumerate(requests, 1)]
    if total > len(requests):
        lines.append(dtexts.QUEUE_MORE.format(count=fa(total - len(requests))))
    await reply(message, "\n".join(lines))


async def on_documents_button(update: Update, context: Context) -> None:
    """``desk:docs:<id>``: the request's documents, sent to the group again (outbox)."""
    pressed = await pressed_request(update, context)
    if pressed is None:
        return
    _, request, query = pressed
    d = deps(context)
    documents = await RequestDocument.filter(request_id=request.id).order_by("id")
    if not documents:
        await query.answer(dtexts.NO_DOCUMENTS, show_alert=True)
        return
    assert d.operator_chat_id is not None
    async with in_transaction():
        for album in album_rows(documents):
            await outbox.enqueue(
                d.messenger, d.operator_chat_id, ANNOUNCE_ALBUM, payload=album, ref=request.id
            )
        await desk.record(actor_of(d, query.from_user.id), "documents", request.id)
    d.wake_workers()
    await query.answer(dtexts.DOCUMENTS_QUEUED)


async def mine_command(update: Update, context: Context) -> None:
    """``/mine``: the presser's open requests."""
    message = await staff_message(update, context)
    if message is None:
        return
    d, (user, _) = deps(context), sender_of(update)
    requests = (
        await ServiceRequest.filter(
            claim__messenger=d.messenger,
            claim__operator_id=user.id,
            status__in=list(OPEN_STATUSES),
        )
        .order_by("submitted_at", "id")
        .prefetch_related("service")
    )
    if not requests:
        await reply(message, dtexts.MINE_NONE)
        return
    lines = [dtexts.MINE_HEADER.format(count=fa(len(requests)))]
    lines += [_queue_line(d, n, r, None) for n, r in enumerate(requests, 1)]
    await reply(message, "\n".join(lines))
