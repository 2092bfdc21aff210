"""Area outages (unplanned): reports from one area become one incident in the operator
group (``models.incident``), one message edited with the count and the latest report.

A filed ``outage-report`` whose location lies in a known area joins (or opens) its area's
incident inside the filing transaction (``handlers.apply.filing`` calls
:func:`group_report`): the first report queues the group's message (``incident.post``),
each later one an edit (``incident.edit``) that renders the incident as it is when sent.
Later reporters are told at once that the outage is known (with the estimated restoration
time once staff set it). In the group, operators set that time (``inc:eta:ID.HOURS``) and
mark the incident restored (``inc:done:ID``); restoring queues one notice per reporter.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import telegram
from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler
from tortoise.transactions import in_transaction

from handlers import keyboards
from handlers import texts as general
from handlers.callbacks import CallbackFeature
from handlers.common import Context, query_of
from handlers.delivery import MESSAGE, Undeliverable, message_payload, sender, subject_of
from handlers.deps import Deps, deps
from handlers.desk import actor_of, staff_check
from handlers.outages import area_names
from handlers.outgoing import edit_text, send_text
from handlers.render import fa
from handlers.texts import outages as texts
from models import clock, outbox
from models.areas import area_at
from models.incident import OUTAGE_REPORT, Incident, IncidentReport, join_or_open, restore, set_eta
from models.outbox import OutboxMessage
from models.request import ServiceRequest
from models.workdays import format_jalali_datetime

__all__ = ["ETA_HOURS", "INC", "group_report", "known_text", "register"]

log = logging.getLogger(__name__)

INC = CallbackFeature("inc", ("eta", "done"))
POST = "incident.post"
EDIT = "incident.edit"
ETA_HOURS = (1, 2, 4)
DEFAULT_WINDOW_MINUTES = 30


def known_text(incident: Incident) -> str:
    text = texts.KNOWN.format(area=area_names([incident.area]))
    if incident.eta is not None:
        text += texts.KNOWN_ETA.format(eta=format_jalali_datetime(incident.eta))
    return text


async def group_report(request: ServiceRequest, d: Deps) -> tuple[Incident, bool] | None:
    """Join or open the incident of the report's area (in the filing transaction).

    None when the request is not an outage report with a location in a known area: it is
    then announced like any request. Otherwise the incident and whether it was known.
    """
    await request.fetch_related("service")
    location = (request.answers or {}).get("location")
    if request.service.code != OUTAGE_REPORT or not isinstance(location, dict):
        return None
    area = area_at(float(location["lat"]), float(location["lon"]))
    if area is None or d.operator_chat_id is None:
        return None
    minutes = d.incident_window_minutes
    incident, known = await join_or_open(
        request, d.messenger, area.key, timedelta(minutes=minutes), clock.now()
    )
    kind = EDIT if known else POST
    await outbox.enqueue(d.messenger, d.operator_chat_id, kind, ref=incident.id)
    return incident, known


def _group_text(incident: Incident) -> str:
    text = texts.INCIDENT_GROUP.format(
        area=area_names([incident.area]),
        id=fa(incident.id),
        count=fa(incident.reports),
        first=format_jalali_datetime(incident.opened_at),
        last=format_jalali_datetime(incident.last_report_at),
        eta=format_jalali_datetime(incident.eta) if incident.eta else texts.ETA_UNKNOWN,
    )
    if incident.restored_at is not None:
        text += texts.INCIDENT_RESTORED_LINE.format(at=format_jalali_datetime(incident.restored_at))
    return text


def _group_keyboard(incident: Incident) -> InlineKeyboardMarkup | None:
    if incident.restored_at is not None:
        return None
    buttons = [
        INC.button(texts.BTN_ETA.format(hours=fa(h)), "eta", f"{incident.id}.{h}")
        for h in ETA_HOURS
    ]
    buttons.append(INC.button(texts.BTN_RESTORED, "done", incident.id))
    return keyboards.rows(buttons)


@sender(POST)
async def send_post(bot: telegram.Bot, d: Deps, row: OutboxMessage) -> int | None:
    incident = await subject_of(row, Incident)
    message_id = await send_text(bot, row.chat_id, _group_text(incident), _group_keyboard(incident))
    await Incident.filter(id=incident.id).update(group_message_id=message_id)
    return message_id


@sender(EDIT)
async def send_edit(bot: telegram.Bot, d: Deps, row: OutboxMessage) -> int | None:
    incident = await subject_of(row, Incident)
    if incident.group_message_id is None:
        raise Undeliverable("incident's group message not sent")
    try:
        await edit_text(
            bot,
            row.chat_id,
            incident.group_message_id,
            _group_text(incident),
            _group_keyboard(incident),
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise  # an edit already showing the latest state is done
    return incident.group_message_id


async def _incident_of(update: Update, context: Context, arg: str) -> Incident | None:
    """The incident a staff button names, if the presser may act on it here."""
    query = query_of(update)
    refusal = staff_check(update, context)
    if refusal is not None:
        await query.answer(refusal, show_alert=True)
        return None
    head = arg.split(".", 1)[0]
    incident = await Incident.get_or_none(id=int(head)) if head.isdigit() else None
    if incident is None or incident.messenger != deps(context).messenger:
        await query.answer(general.EXPIRED_BUTTON, show_alert=True)
        return None
    if incident.restored_at is not None:
        await query.answer(texts.ALREADY_RESTORED, show_alert=True)
        return None
    return incident


async def on_button(update: Update, context: Context) -> None:
    query = query_of(update)
    cb = INC.parse(query.data)
    incident = await _incident_of(update, context, cb.arg) if cb is not None else None
    if cb is None or incident is None:
        if cb is None:
            await query.answer(general.EXPIRED_BUTTON, show_alert=True)
        return
    d = deps(context)
    user = update.effective_user
    actor = actor_of(d, user.id if user else 0)
    chat_id = d.operator_chat_id
    assert chat_id is not None  # staff_check passed: the press came from that chat
    if cb.action == "eta":
        hours = cb.arg.partition(".")[2]
        if not hours.isdigit() or int(hours) not in ETA_HOURS:
            await query.answer(general.EXPIRED_BUTTON, show_alert=True)
            return
        async with in_transaction():
            if await set_eta(incident.id, clock.now() + timedelta(hours=int(hours))):
                await outbox.enqueue(d.messenger, chat_id, EDIT, ref=incident.id)
        await query.answer(texts.ETA_SET)
    elif cb.action == "done":
        async with in_transaction():
            if await restore(incident.id, actor, clock.now()):
                await _tell_reporters(incident)
                await outbox.enqueue(d.messenger, chat_id, EDIT, ref=incident.id)
        await query.answer(texts.RESTORED_DONE)
    else:
        await query.answer(general.EXPIRED_BUTTON, show_alert=True)
        return
    d.wake_workers()


async def _tell_reporters(incident: Incident) -> None:
    """One notice per citizen who reported it (in the restoring transaction)."""
    text = texts.RESTORED_NOTICE.format(area=area_names([incident.area]))
    reports = await IncidentReport.filter(incident_id=incident.id).prefetch_related("citizen")
    told: set[int] = set()
    for report in reports:
        citizen = report.citizen
        if citizen.id in told or citizen.blocked_bot:
            continue
        told.add(citizen.id)
        await outbox.enqueue(
            citizen.messenger, citizen.chat_id, MESSAGE, payload=message_payload(text),
            ref=incident.id, dedup_key=f"incident:{incident.id}:restored:{citizen.id}",
        )  # fmt: skip


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_button, pattern=INC.pattern()))
