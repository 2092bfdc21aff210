"""«تأیید و ارسال»: the draft becomes a request, and only then is anyone told.

:func:`models.application.file_request` writes the request, its documents and the
operator group's announcement (queued in the outbox by ``on_filed``) in one transaction;
this module answers the citizen with the tracking code and wakes the outbox to send the
announcement beside that reply.
"""

from __future__ import annotations

from telegram import Update

from handlers import announce, incidents, keyboards
from handlers import texts as general
from handlers.apply.turn import Turn, ask
from handlers.common import Context, citizen_of, send
from handlers.deps import deps
from handlers.render import fa
from handlers.texts import apply as texts
from models.application import IncompleteDraft, file_request, missing_steps
from models.draft import Edit, change_draft
from models.incident import Incident
from models.request import ServiceRequest
from models.workdays import format_jalali_date

__all__ = ["file_request_of"]


async def file_request_of(update: Update, context: Context, turn: Turn) -> None:
    """Create the request; only then tell the citizen and alert the operators."""
    citizen = await citizen_of(update, context)
    d = deps(context)

    grouped: list[tuple[Incident, bool]] = []

    async def queue(request: ServiceRequest) -> None:
        incident = await incidents.group_report(request, d)  # an area outage: one message
        if incident is None:
            await announce.queue_announcement(request, d.messenger, d.operator_chat_id)
        else:
            grouped.append(incident)

    try:
        request = await file_request(turn.state, citizen, turn.service, d.calendar, on_filed=queue)
    except IncompleteDraft:
        await _rewind(update, context, turn)
        return
    code = fa(request.tracking_code)
    if turn.card.flow == "urgent":
        text = texts.FILED_URGENT.format(code=code)
        if grouped and grouped[0][1]:  # reported before: say it is known (and the ETA)
            text += "\n\n" + incidents.known_text(grouped[0][0])
    else:
        deadline = (
            texts.DEADLINE_INSTANT
            if turn.card.duration_days == 0 or request.deadline is None
            else texts.DEADLINE_DAYS.format(
                deadline=format_jalali_date(request.deadline), days=fa(turn.card.duration_days)
            )
        )
        text = texts.FILED.format(
            title=turn.card.title, code=code, deadline=deadline, track=general.BTN_TRACK
        )
    d.wake_workers()  # the announcement is queued: the outbox sends it beside this reply
    await send(update, context, text, keyboards.main_menu())


async def _rewind(update: Update, context: Context, turn: Turn) -> None:
    """A required answer is missing (the card changed meanwhile): ask from the first one."""
    names = [s.name for s in turn.steps]
    first = names.index(missing_steps(turn.card, turn.draft)[0])

    def rewound(edit: Edit) -> None:
        edit.draft.history = names[:first]
        edit.step = names[first]

    await change_draft(turn.state, rewound)
    await ask(update, context, turn, texts.INCOMPLETE)
