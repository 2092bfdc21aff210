"""Tracking: a citizen asks where their request stands.

A citizen only ever sees their own requests: a code that exists but belongs to someone
else gets the same answer as a code that does not exist, so codes cannot be probed.

Which number in a message is the code is decided once, by :mod:`nlp.codes`: the matcher
carries it in its result (free text), or finds it the same way in the answer to
«کد رهگیری را بفرستید». A mobile number or a bill ID is never looked up as a code.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application

from handlers import flows, texts
from handlers.common import Context, citizen_of, message_of, send
from handlers.deps import deps
from handlers.render import fa
from models.dialog import DialogState
from models.identifiers import TRACKING_CODE_LENGTH, is_valid_tracking_code
from models.request import ServiceRequest
from models.workdays import format_jalali_date

__all__ = ["answer_code", "ask_code", "register"]

RECENT = 5


async def ask_code(update: Update, context: Context) -> None:
    await flows.begin(update, context, "track", "code")
    await send(update, context, texts.TRACK_PROMPT)


def _status_text(request: ServiceRequest) -> str:
    deadline = format_jalali_date(request.deadline) if request.deadline else texts.TRACK_NO_DEADLINE
    return texts.TRACK_STATUS.format(
        code=fa(request.tracking_code),
        service=request.service.title,
        status=texts.STATUS_LABELS.get(request.status, request.status),
        submitted=format_jalali_date(request.submitted_at),
        deadline=deadline,
    )


async def answer_code(update: Update, context: Context, code: str | None) -> None:
    """Show the request quoted by ``code``, or without one the citizen's recent requests."""
    citizen = await citizen_of(update, context)
    if code is not None:
        if len(code) == TRACKING_CODE_LENGTH and not is_valid_tracking_code(code):
            await send(update, context, texts.TRACK_BAD_CODE.format(code=fa(code)))
            return
        request = await ServiceRequest.get_or_none(
            tracking_code=code, citizen=citizen
        ).prefetch_related("service")
        if request is None:
            await send(update, context, texts.TRACK_NOT_FOUND.format(code=fa(code)))
        else:
            await send(update, context, _status_text(request))
        return
    recent = (
        await ServiceRequest.filter(citizen=citizen)
        .order_by("-submitted_at")
        .limit(RECENT)
        .prefetch_related("service")
    )
    if not recent:
        await send(update, context, texts.TRACK_NONE)
        return
    if len(recent) == 1:
        await send(update, context, _status_text(recent[0]))
        return
    lines = [texts.TRACK_LIST] + [
        texts.TRACK_LIST_ITEM.format(
            code=fa(r.tracking_code),
            service=r.service.title,
            status=texts.STATUS_LABELS.get(r.status, r.status),
        )
        for r in recent
    ]
    await send(update, context, "\n".join(lines))


async def on_track_flow(update: Update, context: Context, state: DialogState) -> None:
    message = message_of(update)
    await state.finish()
    if message.text:
        matcher = deps(context).matcher
        code = matcher.tracking_code(message.text) if matcher is not None else None
        await answer_code(update, context, code)
    else:
        await send(update, context, texts.TRACK_PROMPT)


def register(app: Application) -> None:  # type: ignore[type-arg]
    flows.register_flow("track", on_track_flow)
