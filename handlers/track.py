"""Tracking: a citizen asks where their request stands, and may withdraw it.

A citizen only ever sees their own requests: a code that exists but belongs to someone
else gets the same answer as a code that does not exist, so codes cannot be probed; button
data naming another citizen's request is refused the same way.

Which number in a message is the code is decided once, by :mod:`nlp.codes`: the matcher
carries it in its result (free text), or finds it the same way in the answer to
«کد رهگیری را بفرستید» or after ``/track``. A mobile number or a bill ID is never looked up
as a code.

The view shows the service, status, history, deadline and remaining working days (the SLA
clock of :mod:`models.sla`), the request's place in its service's queue (open requests in
filing order) and the terms it was filed under; an open request offers «انصراف از
درخواست» (with a confirm step), one waiting for documents «ارسال مدارک».
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers import flows, keyboards, texts
from handlers.callbacks import CallbackFeature
from handlers.common import Context, citizen_of, message_of, pressed_own_request, query_of, send
from handlers.deps import deps
from handlers.render import fa
from handlers.sla.render import masked_citizen, send_documents
from handlers.texts import privacy as ptexts
from handlers.texts import sla as stexts
from models import sla
from models.citizen import Citizen
from models.dialog import DialogState
from models.followup import cancel_by_citizen
from models.identifiers import TRACKING_CODE_LENGTH, is_valid_tracking_code
from models.logcontext import note_tracking_code
from models.request import OPEN_STATUSES, IllegalTransition, RequestStatus, ServiceRequest
from models.retention import PURGED
from models.workdays import format_jalali_date, format_jalali_datetime

__all__ = ["answer_code", "ask_code", "register", "request_view"]

RECENT = 8
TRK = CallbackFeature("trk", ("show", "cancel", "yes", "no"))
"""A request of the citizen's own: show it, cancel it, confirm or keep (``<request id>``)."""


async def ask_code(update: Update, context: Context) -> None:
    """«پیگیری درخواست»: the citizen's requests as buttons, or a code typed next."""
    await flows.begin(update, context, "track", "code")
    citizen = await citizen_of(update, context)
    listed = await _list_markup(citizen)
    if listed is None:
        await send(update, context, texts.TRACK_PROMPT)
    else:
        await send(update, context, stexts.TRACK_CHOOSE, listed)


async def _list_markup(citizen: Citizen) -> InlineKeyboardMarkup | None:
    """The citizen's requests, open ones first, each newest first within its group."""
    requests = (
        await ServiceRequest.filter(citizen=citizen)
        .order_by("-id")
        .limit(50)
        .select_related("service")
    )
    if not requests:
        return None
    ordered = sorted(requests, key=lambda r: r.status not in OPEN_STATUSES)[:RECENT]
    return keyboards.rows(
        TRK.button(
            stexts.TRACK_BUTTON.format(code=fa(r.tracking_code), service=r.service.title),
            "show",
            r.id,
        )
        for r in ordered
    )


async def queue_position(request: ServiceRequest) -> int | None:
    """Place among its service's open requests in filing order; None once it is closed."""
    if request.status not in OPEN_STATUSES:
        return None
    ahead = await ServiceRequest.filter(
        service_id=request.service_id,  # type: ignore[attr-defined]
        status__in=list(OPEN_STATUSES),
        id__lt=request.id,
    ).count()
    return ahead + 1


async def request_view(request: ServiceRequest) -> tuple[str, InlineKeyboardMarkup | None]:
    """The citizen's view of one request; ``service`` must be loaded."""
    lines = [
        stexts.TRACK_HEAD.format(
            code=fa(request.tracking_code),
            service=request.service.title,
            status=texts.STATUS_LABELS.get(request.status, request.status),
            submitted=format_jalali_date(request.submitted_at),
        )
    ]
    is_open = request.status in OPEN_STATUSES
    state = sla.clock_of(request)
    if state.deadline is not None:
        lines.append(stexts.TRACK_DEADLINE.format(deadline=format_jalali_date(state.deadline)))
        if is_open and state.paused:
            due = format_jalali_date(request.docs_due) if request.docs_due else "—"
            lines.append(stexts.TRACK_PAUSED.format(due=due))
        elif is_open and state.remaining_days is not None:
            if state.remaining_days > 0:
                lines.append(stexts.TRACK_LEFT.format(days=fa(state.remaining_days)))
            elif state.remaining_days == 0:
                lines.append(stexts.TRACK_TODAY)
            else:
                lines.append(stexts.TRACK_LATE.format(days=fa(-state.remaining_days)))
    position = await queue_position(request)
    if position is not None:
        lines.append(stexts.TRACK_QUEUE.format(n=fa(position)))
    terms = request.terms or {}
    if terms:
        days = int(terms.get("duration_days") or 0)
        duration = (
            stexts.TRACK_TERMS_DAYS.format(days=fa(days)) if days else stexts.TRACK_TERMS_INSTANT
        )
        lines.append(stexts.TRACK_TERMS.format(duration=duration, cost=terms.get("cost") or "—"))
        titles = [d["title"] for d in terms.get("documents", [])]
        if titles:
            lines.append(
                stexts.TRACK_TERMS_DOCUMENTS.format(documents=texts.LIST_SEPARATOR.join(titles))
            )
    events = await request.events.all().order_by("id")
    statuses = [e for e in events if e.status in texts.STATUS_LABELS]
    if statuses:
        lines.append(stexts.TRACK_HISTORY)
        lines += [
            stexts.TRACK_HISTORY_ITEM.format(
                when=format_jalali_datetime(e.created_at), status=texts.STATUS_LABELS[e.status]
            )
            for e in statuses
        ]
    purged = next((e for e in events if e.status == PURGED), None)
    if purged is not None:
        lines.append(ptexts.TRACK_PURGED.format(date=format_jalali_date(purged.created_at)))
    if request.rating:
        lines.append(stexts.TRACK_RATING.format(stars="⭐️" * request.rating))
    buttons = []
    if request.status == RequestStatus.NEEDS_DOCUMENTS:
        buttons.append(send_documents(request))
    if is_open:
        buttons.append(TRK.button(stexts.BTN_CANCEL_REQUEST, "cancel", request.id))
    return "\n".join(lines), keyboards.rows(buttons) if buttons else None


async def answer_code(update: Update, context: Context, code: str | None) -> None:
    """Show the request quoted by ``code``, or without one the citizen's requests."""
    citizen = await citizen_of(update, context)
    if code is not None:
        if len(code) == TRACKING_CODE_LENGTH and not is_valid_tracking_code(code):
            await send(update, context, texts.TRACK_BAD_CODE.format(code=fa(code)))
            return
        request = await ServiceRequest.get_or_none(
            tracking_code=code, citizen=citizen
        ).select_related("service")
        if request is None:
            await send(update, context, texts.TRACK_NOT_FOUND.format(code=fa(code)))
        else:
            note_tracking_code(request.tracking_code)
            await send(update, context, *await request_view(request))
        return
    listed = await _list_markup(citizen)
    if listed is None:
        await send(update, context, texts.TRACK_NONE)
    else:
        await send(update, context, stexts.TRACK_CHOOSE, listed)


async def track_command(update: Update, context: Context) -> None:
    """``/track`` with or without a code."""
    args = " ".join(context.args or [])
    matcher = deps(context).matcher
    code = matcher.tracking_code(args) if matcher is not None and args else None
    if args and code is None:
        await send(update, context, texts.TRACK_NOT_FOUND.format(code=fa(args[:20])))
        return
    await answer_code(update, context, code)


async def on_track_flow(update: Update, context: Context, state: DialogState) -> None:
    message = message_of(update)
    await state.finish()
    if message.text:
        matcher = deps(context).matcher
        code = matcher.tracking_code(message.text) if matcher is not None else None
        await answer_code(update, context, code)
    else:
        await send(update, context, texts.TRACK_PROMPT)


async def on_button(update: Update, context: Context) -> None:
    """``trk:show|cancel|yes|no:<request id>``: the citizen's own requests only."""
    query, cb, request = await pressed_own_request(update, context, TRK)
    if cb is None or request is None:
        await query.answer()
        await send(update, context, texts.TRACK_NOT_FOUND.format(code="—"))
        return
    await query.answer()
    code, service = fa(request.tracking_code), request.service.title
    if cb.action == "show":
        await send(update, context, *await request_view(request))
    elif cb.action == "cancel":
        if request.status not in OPEN_STATUSES:
            status = texts.STATUS_LABELS.get(request.status, request.status)
            await send(update, context, stexts.CANCEL_TOO_LATE.format(status=status))
            return
        confirm = keyboards.inline_pair(
            TRK.button(stexts.BTN_CANCEL_YES, "yes", request.id),
            TRK.button(stexts.BTN_CANCEL_NO, "no", request.id),
        )
        await send(
            update, context, stexts.CANCEL_CONFIRM.format(code=code, service=service), confirm
        )
    elif cb.action == "yes":
        await _cancel(update, context, request)
    elif cb.action == "no":
        await query.edit_message_text(stexts.CANCEL_KEPT.format(code=code))


async def _cancel(update: Update, context: Context, request: ServiceRequest) -> None:
    query = query_of(update)
    d = deps(context)
    group = (d.messenger, d.operator_chat_id) if d.operator_chat_id is not None else None
    staff_text = stexts.CANCELLED_STAFF.format(
        code=fa(request.tracking_code),
        service=request.service.title,
        citizen=masked_citizen(request, request.citizen),
    )
    try:
        await cancel_by_citizen(request.id, request.citizen.id, group, staff_text)
    except IllegalTransition:
        await request.refresh_from_db(fields=["status"])
        status = texts.STATUS_LABELS.get(request.status, request.status)
        await query.edit_message_text(stexts.CANCEL_TOO_LATE.format(status=status))
        return
    d.wake_workers()
    await query.edit_message_text(stexts.CANCEL_DONE.format(code=fa(request.tracking_code)))


def register(app: Application) -> None:  # type: ignore[type-arg]
    flows.register_flow("track", on_track_flow)
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("track", track_command, filters=private))
    app.add_handler(CallbackQueryHandler(on_button, pattern=TRK.pattern()))
