"""/broadcast: the admin composes (text, or one photo with a caption), picks an audience,
sees a preview exactly as citizens will and the number of recipients, and confirms or
cancels; nothing goes before the confirm."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import flows, keyboards
from handlers.broadcast.access import BC, is_admin, refuse
from handlers.broadcast.progress import controls, progress_text
from handlers.broadcast.send import send_to
from handlers.callbacks import RowArg
from handlers.common import Context, message_of, pressed_message, query_of, send, sender_of
from handlers.deps import deps
from handlers.outages import area_names
from handlers.render import fa
from handlers.texts import broadcast as texts
from handlers.texts import operator as otexts
from handlers.texts import outages as ot
from models import broadcast as model
from models.areas import areas
from models.broadcast import Audience, Broadcast, BroadcastState, Progress
from models.dialog import DialogState
from models.request import ServiceRequest
from models.service import Service

__all__ = ["FLOW", "on_audience", "on_compose", "on_confirm", "on_discard", "start_compose"]

FLOW = "broadcast"
MAX_TEXT = 4000
MAX_CAPTION = 1000


def _audience_name(audience: Audience, services: dict[str, str] | None = None) -> str:
    if audience.kind == "m":
        return texts.AUD_MESSENGER.format(messenger=otexts.MESSENGER_NAMES.get(audience.arg, ""))
    if audience.kind == "open":
        return texts.AUD_OPEN
    if audience.kind == "a":
        return ot.AUD_AREA_ITEM.format(area=area_names([audience.arg]))
    if audience.kind == "s":
        title = (services or {}).get(audience.arg, audience.arg)
        return texts.AUD_SERVICE_ITEM.format(service=title)
    return texts.AUD_ALL


async def start_compose(update: Update, context: Context) -> None:
    """/broadcast: the admin is asked for the text (or a photo with a caption)."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    await flows.begin(update, context, FLOW, "compose")
    await send(update, context, texts.COMPOSE)


async def on_compose(update: Update, context: Context, state: DialogState) -> None:
    """The admin's text or photo becomes a draft; then the audience is asked."""
    if not is_admin(update, context):
        await state.finish()
        await refuse(update, context)
        return
    message = message_of(update)
    d = deps(context)
    photo_path = None
    photo_ids: dict[str, str] = {}
    if message.photo:
        text, limit = message.caption or "", MAX_CAPTION
        media = message.photo[-1]
        data = await (await media.get_file()).download_as_bytearray()
        photo_path = d.store.save(bytes(data)).relative_path
        photo_ids = {d.messenger: media.file_id}
    elif message.text:
        text, limit = message.text, MAX_TEXT
    else:
        await send(update, context, texts.COMPOSE_TEXT_ONLY)
        return
    if len(text) > limit:
        await send(
            update, context, texts.COMPOSE_TOO_LONG.format(length=fa(len(text)), limit=fa(limit))
        )
        return
    user, chat = sender_of(update)
    b = await Broadcast.create(
        messenger=d.messenger,
        admin_user_id=user.id,
        admin_chat_id=chat.id,
        text=text,
        photo_path=photo_path,
        photo_ids=photo_ids,
    )
    await state.finish()
    await send(update, context, texts.CHOOSE_AUDIENCE, _audience_keyboard(b))


def _audience_keyboard(b: Broadcast) -> InlineKeyboardMarkup:
    def choice(label: str, code: str) -> InlineKeyboardButton:
        return BC.button(label, "aud", RowArg(b.id, code))

    options = [
        choice(texts.AUD_ALL, "all"),
        *(
            choice(texts.AUD_MESSENGER.format(messenger=name), f"m.{key}")
            for key, name in otexts.MESSENGER_NAMES.items()
        ),
        choice(texts.AUD_OPEN, "open"),
        choice(texts.AUD_SERVICE, "s"),
        choice(ot.AUD_AREA, "a"),
        BC.button(texts.BTN_CANCEL, "no", b.id),
    ]
    return keyboards.rows(options)


async def _draft(
    update: Update, context: Context, arg: str
) -> tuple[Broadcast, str, CallbackQuery] | None:
    """The draft a button names (with the detail after its id, and the press), if the
    presser is an admin and it is still a draft; else the refusal is answered."""
    query = query_of(update)
    if not is_admin(update, context):
        await refuse(update, context)
        return None
    row = RowArg.unpack(arg)
    b = await Broadcast.get_or_none(id=row.id) if row is not None else None
    if b is None or row is None or b.state != BroadcastState.DRAFT:
        await query.answer(texts.NOT_DRAFT, show_alert=True)
        return None
    return b, row.detail or "", query


async def _service_titles() -> dict[str, str]:
    """Services somebody filed, code → title (the choices of the «by service» audience)."""
    codes = await ServiceRequest.all().distinct().values_list("service__code", flat=True)
    services = await Service.filter(code__in=list(codes)).order_by("title")
    return {s.code: s.title for s in services}


async def on_audience(update: Update, context: Context, arg: str) -> None:
    found = await _draft(update, context, arg)
    if found is None:
        return
    b, code, query = found
    titles = await _service_titles()
    if code == "s":  # which service: one more question
        await query.answer()
        if not titles:
            await send(update, context, texts.NO_SERVICES)
            return
        buttons = [
            BC.button(title, "aud", RowArg(b.id, f"s.{service}"))
            for service, title in titles.items()
            if BC.fits("aud", RowArg(b.id, f"s.{service}"))
        ]
        await send(update, context, texts.CHOOSE_SERVICE, keyboards.rows(buttons))
        return
    if code == "a":  # which area: one more question
        await query.answer()
        buttons = [BC.button(a.name, "aud", RowArg(b.id, f"a.{a.key}")) for a in areas()]
        await send(update, context, ot.CHOOSE_AREA, keyboards.rows(buttons, width=2))
        return
    audience = Audience(code)
    try:
        count = await model.recipients(audience)
    except ValueError:
        await query.answer(texts.NOT_DRAFT, show_alert=True)
        return
    await query.answer()
    if count == 0:
        await send(update, context, texts.NO_RECIPIENTS)
        return
    await Broadcast.filter(id=b.id).update(audience=audience.code)
    await send(update, context, texts.PREVIEW_TITLE)
    _, chat = sender_of(update)
    await send_to(context.bot, deps(context), b, chat.id)
    await send(
        update,
        context,
        texts.CONFIRM.format(
            id=fa(b.id),
            audience=_audience_name(audience, titles),
            count=fa(count),
            send=texts.BTN_SEND,
        ),
        keyboards.inline_pair(
            BC.button(texts.BTN_SEND, "go", b.id), BC.button(texts.BTN_CANCEL, "no", b.id)
        ),
    )


async def on_confirm(update: Update, context: Context, arg: str) -> None:
    found = await _draft(update, context, arg)
    if found is None:
        return
    b, _, query = found
    if not await model.confirm(b.id, pressed_message(query).message_id):
        await query.answer(texts.NOT_DRAFT, show_alert=True)
        return
    await query.answer()
    b = await Broadcast.get(id=b.id)
    text = progress_text(b, Progress(0, 0, 0, 0), b.started_at or b.created_at)
    await query.edit_message_text(text, reply_markup=controls(b))
    deps(context).wake_workers()


async def on_discard(update: Update, context: Context, arg: str) -> None:
    found = await _draft(update, context, arg)
    if found is None:
        return
    b, _, query = found
    await model.cancel(b.id)
    await query.answer()
    await query.edit_message_text(texts.DISCARDED)
