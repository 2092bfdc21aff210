"""The staff desk in the operator group: claim and release requests, find them, see the queue.

* «برعهده من» / «رها کردن» under a request's status message (``desk:claim|release:<id>``);
  ``/assign CODE OPERATOR_ID`` (admins) reassigns; ``/mine`` lists one's open requests.
* ``/find CODE`` (or a tracking code typed in the group) shows the request with its history,
  documents (sent again on demand), its conversation (``models.relay``) and the buttons.
* ``/queue [service]`` lists open requests in filing order with their working days left.

Every press and command re-checks, in order: the operator chat, the presser's rights, the
data's shape, the request (exists, filed on this messenger) and its state now. Every action
is a :class:`~models.desk.DeskAction` with its actor and time.
"""

from __future__ import annotations

import logging
import re

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from handlers import texts
from handlers.announce import ANNOUNCE_ALBUM, album_rows
from handlers.callbacks import Callback, CallbackFeature, RowArg
from handlers.common import Context
from handlers.deps import Deps, deps
from handlers.operator import DESK, desk_view
from handlers.render import fa
from handlers.texts import desk as dtexts
from handlers.texts import operator as otexts
from models import clock, desk, outbox
from models.desk import AlreadyClaimed, Claim, DeskAction
from models.digits import to_latin_digits
from models.identifiers import normalize_tracking_code
from models.relay import Direction, RelayMessage
from models.request import OPEN_STATUSES, RequestDocument, ServiceRequest, StatusEvent
from models.workdays import format_jalali_date, format_jalali_datetime

__all__ = ["actor_of", "load_request", "register", "staff_check"]

log = logging.getLogger(__name__)

_CODE_IN_TEXT = re.compile(r"[0-9۰-۹٠-٩][0-9۰-۹٠-٩ \-]{7,14}[0-9۰-۹٠-٩]")
QUEUE_MAX = 30
MESSAGE_MAX = 4000
HISTORY_MAX = 15
CONVERSATION_MAX = 10


def actor_of(d: Deps, user_id: int) -> str:
    return f"operator:{d.messenger}:{user_id}"


def staff_check(update: Update, context: Context) -> str | None:
    """None when the update comes from an operator in the operator chat; else the refusal."""
    d = deps(context)
    chat, user = update.effective_chat, update.effective_user
    if d.operator_chat_id is None or chat is None or chat.id != d.operator_chat_id:
        return otexts.WRONG_CHAT
    if user is None or not d.is_operator(user.id):
        log.warning("desk used by non-operator %s:%s", d.messenger, user.id if user else "?")
        return dtexts.NOT_OPERATOR
    return None


async def load_request(d: Deps, *, request_id: int | None = None, code: str | None = None):
    """The request, if it exists and was filed on this messenger (the other messenger's
    group owns the others)."""
    query = (
        ServiceRequest.get_or_none(id=request_id)
        if request_id is not None
        else ServiceRequest.get_or_none(tracking_code=code or "")
    )
    request = await query.prefetch_related("service", "citizen")
    if request is None or request.citizen.messenger != d.messenger:
        return None
    return request


async def _pressed_request(
    update: Update, context: Context, feature: CallbackFeature = DESK
) -> tuple[Callback, ServiceRequest] | None:
    """Checks common to every desk button (and «رد درخواست», a ``feature`` of
    ``handlers.operator``'s); answers the refusal itself."""
    query = update.callback_query
    assert query is not None
    refusal = staff_check(update, context)
    if refusal is not None:
        await query.answer(refusal, show_alert=True)
        return None
    cb = feature.parse(query.data)
    row = RowArg.unpack(cb.arg) if cb is not None else None
    if cb is None or row is None:
        await query.answer(texts.EXPIRED_BUTTON, show_alert=True)
        return None
    request = await load_request(deps(context), request_id=row.id)
    if request is None:
        await query.answer(otexts.UNKNOWN_REQUEST, show_alert=True)
        return None
    return cb, request


async def _refresh(update: Update, request: ServiceRequest) -> None:
    """Show the request's status, claim and buttons of now on the pressed message."""
    query = update.callback_query
    assert query is not None
    await request.refresh_from_db()
    text, markup = await desk_view(request)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except Exception as exc:
        log.warning("could not update the desk message: %s", type(exc).__name__)


# ------------------------------------------------------------------ claims


async def on_claim_button(update: Update, context: Context) -> None:
    """``desk:claim|release:<id>``."""
    found = await _pressed_request(update, context)
    if found is None:
        return
    cb, request = found
    query = update.callback_query
    assert query is not None
    d, user = deps(context), query.from_user
    if not request.is_open:
        await query.answer(dtexts.CLOSED_REQUEST, show_alert=True)
        await _refresh(update, request)
        return
    if cb.action == "claim":
        try:
            await desk.claim(
                request.id, d.messenger, user.id, user.first_name or "", actor=actor_of(d, user.id)
            )
        except AlreadyClaimed as taken:
            await query.answer(
                dtexts.CLAIMED_BY_OTHER.format(name=taken.claim.operator_name or otexts.NAMELESS),
                show_alert=True,
            )
            return
        await query.answer(dtexts.CLAIMED)
    else:
        claim = await Claim.get_or_none(request_id=request.id)
        if claim is None:
            await query.answer(dtexts.NOT_CLAIMED, show_alert=True)
        elif claim.operator_id != user.id and user.id not in d.admin_ids:
            name = claim.operator_name or otexts.NAMELESS
            await query.answer(dtexts.CLAIMED_BY_OTHER.format(name=name), show_alert=True)
            return
        else:
            await desk.release(request.id, actor=actor_of(d, user.id))
            await query.answer(dtexts.RELEASED)
    log.info("request %s: %s by operator %s:%s", request.id, cb.action, d.messenger, user.id)
    await _refresh(update, request)


def _args(context: Context) -> list[str]:
    return [to_latin_digits(a) for a in (context.args or [])]


async def _reply(message: Message, text: str, markup=None) -> None:
    if len(text) > MESSAGE_MAX:
        text = text[: MESSAGE_MAX - 1] + "…"
    await message.reply_text(text, reply_markup=markup)


async def _staff_message(update: Update, context: Context) -> Message | None:
    """The command's message when staff may use it here; otherwise the refusal is replied
    and None returned (every desk command starts so)."""
    message = update.effective_message
    assert message is not None
    refusal = staff_check(update, context)
    if refusal is not None:
        await _reply(message, refusal)
        return None
    return message


async def assign_command(update: Update, context: Context) -> None:
    """``/assign CODE OPERATOR_ID``: an admin gives a request to an operator."""
    message = await _staff_message(update, context)
    if message is None:
        return
    d, user = deps(context), update.effective_user
    assert user is not None
    if user.id not in d.admin_ids:
        await _reply(message, dtexts.ASSIGN_NOT_ADMIN)
        return
    args = _args(context)
    code = normalize_tracking_code(args[0]) if args else None
    if len(args) != 2 or code is None or not args[1].isdigit():
        await _reply(message, dtexts.ASSIGN_USAGE)
        return
    target = int(args[1])
    if not d.is_operator(target):
        await _reply(message, dtexts.ASSIGN_NOT_OPERATOR.format(operator=fa(target)))
        return
    request = await load_request(d, code=code)
    if request is None:
        await _reply(message, dtexts.FIND_NOT_FOUND.format(code=fa(code)))
        return
    if not request.is_open:
        await _reply(message, dtexts.CLOSED_REQUEST)
        return
    await desk.claim(request.id, d.messenger, target, "", actor=actor_of(d, user.id), force=True)
    await _reply(message, dtexts.ASSIGNED.format(code=fa(code), operator=fa(target)))


async def mine_command(update: Update, context: Context) -> None:
    """``/mine``: the presser's open requests."""
    message = await _staff_message(update, context)
    if message is None:
        return
    d, user = deps(context), update.effective_user
    assert user is not None
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
        await _reply(message, dtexts.MINE_NONE)
        return
    lines = [dtexts.MINE_HEADER.format(count=fa(len(requests)))]
    lines += [_queue_line(d, n, r, None) for n, r in enumerate(requests, 1)]
    await _reply(message, "\n".join(lines))


# ------------------------------------------------------------------ /find and /queue


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
        await _reply(message, dtexts.FIND_NOT_FOUND.format(code=fa(code)))
        return
    user = message.from_user
    await desk.record(actor_of(d, user.id if user else 0), "find", request.id)
    _, markup = await desk_view(request)
    if await RequestDocument.exists(request_id=request.id):
        resend = DESK.button(dtexts.BTN_RESEND_DOCUMENTS, "docs", request.id)
        rows = [list(row) for row in (markup.inline_keyboard if markup else ())]
        markup = InlineKeyboardMarkup([*rows, [resend]])
    await _reply(message, await find_text(d, request), markup)


async def find_command(update: Update, context: Context) -> None:
    message = await _staff_message(update, context)
    if message is None:
        return
    args = _args(context)
    code = normalize_tracking_code(" ".join(args)) if args else None
    if code is None:
        await _reply(message, dtexts.FIND_USAGE)
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
    message = await _staff_message(update, context)
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
        await _reply(message, dtexts.QUEUE_NONE)
        return
    claims = {c.request_id: c for c in await Claim.filter(request_id__in=[r.id for r in requests])}  # type: ignore[attr-defined]
    service = dtexts.QUEUE_SERVICE.format(service=wanted) if wanted else ""
    lines = [dtexts.QUEUE_HEADER.format(service=service, count=fa(total))]
    lines += [_queue_line(d, n, r, claims.get(r.id)) for n, r in enumerate(requests, 1)]
    if total > len(requests):
        lines.append(dtexts.QUEUE_MORE.format(count=fa(total - len(requests))))
    await _reply(message, "\n".join(lines))


async def on_documents_button(update: Update, context: Context) -> None:
    """``desk:docs:<id>``: the request's documents, sent to the group again (outbox)."""
    found = await _pressed_request(update, context)
    if found is None:
        return
    _, request = found
    query = update.callback_query
    assert query is not None
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


def register(app: Application) -> None:  # type: ignore[type-arg]
    groups = filters.ChatType.GROUPS
    app.add_handler(CallbackQueryHandler(on_claim_button, pattern=DESK.pattern("claim", "release")))
    app.add_handler(CallbackQueryHandler(on_documents_button, pattern=DESK.pattern("docs")))
    app.add_handler(CommandHandler("find", find_command, filters=groups))
    app.add_handler(CommandHandler("queue", queue_command, filters=groups))
    app.add_handler(CommandHandler("mine", mine_command, filters=groups))
    app.add_handler(CommandHandler("assign", assign_command, filters=groups))
    text_in_group = groups & filters.TEXT & ~filters.COMMAND & ~filters.REPLY
    app.add_handler(MessageHandler(text_in_group, on_group_text))
