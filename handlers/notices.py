"""Status notices: the citizen hears of every change to their request.

``models.request`` queues a :data:`~models.request.STATUS_NOTICE` row for each
:class:`~models.request.StatusEvent` (written by ``move_to``, by the reconciliation of a
back-office ``UPDATE``, or found as a raw back-office ``INSERT``); this sender renders it
when it goes. ``status_event`` keeps its meaning for back-office tools: ``delivered_at``
is set once the citizen has it (or blocked the bot: nothing more can be done), and
``attempts`` counts failed sends.
"""

from __future__ import annotations

import telegram
from telegram.error import Forbidden, TelegramError
from tortoise.expressions import F

from handlers import texts
from handlers.delivery import sender, subject_of
from handlers.deps import Deps
from handlers.outgoing import send_text
from handlers.render import fa
from handlers.sla import render as sla_render
from handlers.texts import notices
from handlers.texts import sla as sla_texts
from models import clock, sla
from models.outbox import OutboxMessage
from models.request import STATUS_NOTICE, RequestStatus, StatusEvent

__all__ = ["NOTE_MAX", "notice_text", "send_status_notice"]

NOTE_MAX = 1500


def notice_text(event: StatusEvent) -> str:
    """The citizen's message for one event; ``event.request.service`` must be loaded."""
    request = event.request
    lines = [
        notices.STATUS_NOTICE.format(
            code=fa(request.tracking_code),
            service=request.service.title,
            status=texts.STATUS_LABELS.get(event.status, notices.STATUS_UPDATED),
        )
    ]
    note = event.note.strip()
    if note:
        if len(note) > NOTE_MAX:
            note = note[: NOTE_MAX - 1] + "…"
        lines.append(notices.STATUS_NOTE.format(note=fa(note)))
    if event.status == RequestStatus.NEEDS_DOCUMENTS:
        lines += ["", notices.NEEDS_DOCUMENTS_HINT.format(staff=texts.BTN_STAFF)]
    return "\n".join(lines)


@sender(STATUS_NOTICE)
async def send_status_notice(bot: telegram.Bot, deps: Deps, row: OutboxMessage) -> int | None:
    event = await subject_of(row, StatusEvent, "request__service")
    text, markup = notice_text(event), None
    request = event.request
    if event.status == RequestStatus.NEEDS_DOCUMENTS and request.docs_wanted:
        # the documents staff picked: named, with the date and the «ارسال مدارک» button
        text, markup = (
            sla_render.documents_notice(request),
            sla_render.send_documents_button(request),
        )
    elif event.status == RequestStatus.CLOSED and event.actor == "sla":
        text = sla_texts.CLOSED_NOTICE.format(
            code=fa(request.tracking_code), service=request.service.title, days=fa(sla.wait_days())
        )
    try:
        message_id = await send_text(bot, row.chat_id, text, markup)
    except Forbidden:
        await StatusEvent.filter(id=event.id).update(delivered_at=clock.now())
        raise
    except TelegramError:
        await StatusEvent.filter(id=event.id).update(attempts=F("attempts") + 1)
        raise
    await StatusEvent.filter(id=event.id).update(delivered_at=clock.now())
    return message_id
