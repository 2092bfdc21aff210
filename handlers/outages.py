"""Planned outages for citizens and staff: subscribing to an area, the schedule answer to
«برق ما کی میره», and the staff's CSV import in the operator group.

* The ``outage-schedule`` intent (``handlers.search``) and ``/outages`` answer with the
  upcoming outages of the citizen's areas, or offer to subscribe.
* «انتخاب منطقه از فهرست» lists the areas; a press subscribes (or, when already
  subscribed, unsubscribes). «ارسال موقعیت مکانی» opens the one-step ``outages`` dialog
  whose answer is a shared location, mapped to its area (``models.areas.area_at``).
* A ``.csv`` document sent in the operator group by an operator is the schedule
  (``models.outage``): all of it is imported, or none, with every bad line named.

The notices themselves are outbox rows queued by ``bot.outage_jobs``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import flows, keyboards
from handlers import texts as general
from handlers.callbacks import CallbackFeature
from handlers.common import Context, citizen_of, message_of, query_of, send, send_main_menu
from handlers.deps import deps
from handlers.desk import actor_of, staff_check
from handlers.render import fa
from handlers.texts import outages as texts
from models import clock, desk
from models.areas import area_at, areas, get_area
from models.dialog import DialogState
from models.outage import (
    PlannedOutage,
    RowProblem,
    import_schedule,
    parse_schedule,
    subscribe,
    subscribed_areas,
    unsubscribe,
    upcoming,
)
from models.workdays import TEHRAN, format_jalali_date

__all__ = [
    "answer_schedule",
    "area_names",
    "clock_time",
    "import_report",
    "outage_fields",
    "register",
]

log = logging.getLogger(__name__)

AREAS = CallbackFeature("otg", ("list", "loc", "sub"))
SCHEDULE_SERVICE = "outage-schedule"
"""The catalog intent answered with the schedule («برق ما کی میره»)."""
FLOW = "outages"
MAX_CSV_BYTES = 512 * 1024


def clock_time(moment: datetime) -> str:
    """«۰۹:۳۰», Tehran wall time in Persian digits."""
    local = moment.astimezone(TEHRAN)
    return fa(f"{local.hour:02d}:{local.minute:02d}")


def area_names(keys: list[str]) -> str:
    return texts.AREA_SEPARATOR.join((a.name if (a := get_area(k)) else k) for k in keys)


def outage_fields(outage: PlannedOutage) -> dict[str, str]:
    """What every outage text names: the area, the Jalali date, the hours, the reason."""
    return {
        "area": area_names([outage.area]),
        "date": format_jalali_date(outage.starts_at),
        "start": clock_time(outage.starts_at),
        "end": clock_time(outage.ends_at),
        "reason": outage.reason,
    }


def _offer_keyboard():
    return keyboards.rows(
        [
            AREAS.button(texts.BTN_PICK_AREA, "list"),
            AREAS.button(texts.BTN_SHARE_PLACE, "loc"),
        ]
    )


async def answer_schedule(update: Update, context: Context) -> None:
    """The upcoming outages of the citizen's areas, or the offer to subscribe."""
    citizen = await citizen_of(update, context)
    keys = await subscribed_areas(citizen)
    if not keys:
        await send(update, context, texts.SCHEDULE_OFFER, _offer_keyboard())
        return
    outages = await upcoming(keys, clock.now())
    if outages:
        lines = [texts.SCHEDULE_TITLE]
        lines += [texts.SCHEDULE_ITEM.format(**outage_fields(o)) for o in outages]
    else:
        lines = [texts.SCHEDULE_NONE.format(areas=area_names(keys))]
    lines += ["", texts.SCHEDULE_SUBSCRIBED.format(areas=area_names(keys))]
    await send(update, context, "\n".join(lines), _offer_keyboard())


async def outages_command(update: Update, context: Context) -> None:
    await answer_schedule(update, context)


def _areas_keyboard(subscribed: list[str]):
    def label(key: str, name: str) -> str:
        return (texts.MARK_SUBSCRIBED if key in subscribed else "") + name

    buttons = (AREAS.button(label(a.key, a.name), "sub", a.key) for a in areas())
    return keyboards.rows(buttons, width=2)


async def on_button(update: Update, context: Context) -> None:
    """otg:list, otg:sub:AREA, otg:loc — the area re-checked against the catalog."""
    query = query_of(update)
    cb = AREAS.parse(query.data)
    if cb is None:
        await query.answer(general.EXPIRED_BUTTON, show_alert=True)
        return
    citizen = await citizen_of(update, context)
    if cb.action == "list":
        await query.answer()
        keyboard = _areas_keyboard(await subscribed_areas(citizen))
        await send(update, context, texts.PICK_AREA, keyboard)
        return
    if cb.action == "sub":
        area = get_area(cb.arg)
        if area is None:
            await query.answer(texts.AREA_GONE, show_alert=True)
            return
        if await subscribe(citizen, area):
            text = texts.SUBSCRIBED.format(area=area.name)
        else:
            await unsubscribe(citizen, area.key)
            text = texts.UNSUBSCRIBED.format(area=area.name)
        await query.answer()
        await query.edit_message_reply_markup(_areas_keyboard(await subscribed_areas(citizen)))
        await send(update, context, text)
        return
    if cb.action == "loc":
        await query.answer()
        await flows.begin(update, context, FLOW, "location")
        location = keyboards.dialog_step(location=texts.BTN_SEND_LOCATION)
        await send(update, context, texts.ASK_LOCATION, location)
        return
    await query.answer(general.EXPIRED_BUTTON, show_alert=True)


async def on_location(update: Update, context: Context, state: DialogState) -> None:
    """The one step of the ``outages`` dialog: a shared location, or leaving it."""
    message = message_of(update)
    await state.finish()
    if message.location is None:
        await send_main_menu(update, context, texts.LOCATION_CANCELLED)
        return
    area = area_at(message.location.latitude, message.location.longitude)
    if area is None:
        await send_main_menu(update, context, texts.NO_AREA_HERE)
        citizen = await citizen_of(update, context)
        keyboard = _areas_keyboard(await subscribed_areas(citizen))
        await send(update, context, texts.PICK_AREA, keyboard)
        return
    citizen = await citizen_of(update, context)
    added = await subscribe(citizen, area)
    text = texts.SUBSCRIBED if added else texts.ALREADY_SUBSCRIBED
    await send_main_menu(update, context, text.format(area=area.name))


# --------------------------------------------------------------------------- staff: import


def import_report(problems: list[RowProblem]) -> str:
    """The refusal, one Persian line per problem with its line number."""
    lines = [texts.IMPORT_REFUSED]
    for p in problems:
        problem = texts.IMPORT_PROBLEMS[p.problem.value].format(value=fa(p.value))
        lines.append(texts.IMPORT_LINE.format(line=fa(p.line), problem=problem))
    return "\n".join(lines)


async def import_text(text: str) -> str:
    """Import a schedule file's text; the answer for staff (CLI and group alike)."""
    rows, problems = parse_schedule(text, clock.now())
    if problems:
        return import_report(problems)
    if not rows:
        return texts.IMPORT_EMPTY
    count = await import_schedule(rows)
    return texts.IMPORT_DONE.format(count=fa(count))


async def on_schedule_file(update: Update, context: Context) -> None:
    """A CSV in the operator group: an operator's schedule import."""
    message = message_of(update)
    refusal = staff_check(update, context)
    if refusal is not None:
        await message.reply_text(refusal)
        return
    document = message.document
    if document is None or (document.file_size or 0) > MAX_CSV_BYTES:
        await message.reply_text(texts.IMPORT_NOT_TEXT)
        return
    file = await context.bot.get_file(document.file_id)
    data = bytes(await file.download_as_bytearray())
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        await message.reply_text(texts.IMPORT_NOT_TEXT)
        return
    answer = await import_text(text)
    user = update.effective_user
    await desk.record(actor_of(deps(context), user.id if user else 0), "outages-import")
    await message.reply_text(answer)


def register(app: Application) -> None:  # type: ignore[type-arg]
    flows.register_flow(FLOW, on_location)
    app.add_handler(CallbackQueryHandler(on_button, pattern=AREAS.pattern()))
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("outages", outages_command, filters=private))
    csv_in_group = filters.ChatType.GROUPS & filters.Document.FileExtension("csv")
    app.add_handler(MessageHandler(csv_in_group, on_schedule_file))
