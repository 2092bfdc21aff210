"""Admins speak to citizens: /broadcast, /broadcasts, and the citizen's opt-out.

An admin composes (text, or one photo with a caption), picks an audience, sees a preview
exactly as citizens will and the number of recipients, and confirms or cancels; nothing
goes before the confirm. The recipients are outbox rows (``models.broadcast``), sent by the
one dispatcher at bulk priority under the shared rate budget; ``bot.broadcasts`` queues
them and edits the admin's progress message. Admin rights are checked on every command
and every button press: callback data is never trusted.

Citizens send «لغو اطلاع‌رسانی» (or /stop) to stop broadcasts and «دریافت اطلاعیه‌ها» to get
them again; request notices are not broadcasts and always arrive.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import flows, keyboards
from handlers.callbacks import CallbackFeature, RowArg
from handlers.common import Context, citizen_of, send
from handlers.delivery import MESSAGE, Postponed, Undeliverable, message_payload, sender
from handlers.deps import Deps, deps
from handlers.outages import area_names
from handlers.render import fa
from handlers.texts import broadcast as texts
from handlers.texts import operator as otexts
from handlers.texts import outages as ot
from models import broadcast as model
from models import clock, outbox
from models.areas import areas
from models.broadcast import Audience, Broadcast, BroadcastState, Progress
from models.dialog import DialogState
from models.outbox import OutboxMessage, Priority
from models.request import ServiceRequest
from models.service import Service
from models.workdays import format_jalali_datetime

__all__ = ["BC", "citizen_text", "progress_text", "register", "report_text"]

BC = CallbackFeature("bc", ("aud", "go", "no", "pause", "resume", "stop"))
"""An admin's broadcast buttons: ``aud:<id>.<audience>`` (``<id>.s.<service>`` names a
service), ``go|no:<id>`` on a draft and ``pause|resume|stop:<id>`` while it runs."""

FLOW = "broadcast"
MAX_TEXT = 4000
MAX_CAPTION = 1000
LIST_LIMIT = 10
BAR_WIDTH = 10


# ---------------------------------------------------------------- what citizens see
def citizen_text(text: str) -> str:
    """The broadcast as it reaches a citizen: the admin's words and how to opt out."""
    return text + texts.FOOTER.format(opt_out=texts.BTN_OPT_OUT)


async def _send_to(bot: telegram.Bot, deps_: Deps, b: Broadcast, chat_id: int) -> int:
    """Send broadcast ``b`` to one chat; a photo is uploaded once per messenger, then reused."""
    text = citizen_text(b.text)
    if not b.photo_path:
        return (await bot.send_message(chat_id, text)).message_id
    file_id = b.photo_ids.get(deps_.messenger)
    if file_id:
        return (await bot.send_photo(chat_id, file_id, caption=text)).message_id
    with deps_.store.open(b.photo_path) as data:
        sent = await bot.send_photo(chat_id, InputFile(data), caption=text)
    if sent.photo:
        b.photo_ids = {**b.photo_ids, deps_.messenger: sent.photo[-1].file_id}
        await Broadcast.filter(id=b.id).update(photo_ids=b.photo_ids)
    return sent.message_id


@sender(model.BROADCAST_MESSAGE)
async def send_broadcast_row(bot: telegram.Bot, deps_: Deps, row: OutboxMessage) -> int | None:
    b = await Broadcast.get_or_none(id=row.ref or 0)
    if b is None:
        raise Undeliverable("broadcast gone")
    if b.state == BroadcastState.CANCELLED:
        raise Undeliverable(model.CANCELLED)
    if b.state == BroadcastState.PAUSED:
        raise Postponed("paused", model.PAUSED_UNTIL.total_seconds())
    if await model.is_opted_out(row.messenger, row.chat_id):
        raise Undeliverable(model.OPTED_OUT)
    return await _send_to(bot, deps_, b, row.chat_id)


# ---------------------------------------------------------------- what admins see
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


def _bar(done: Progress) -> tuple[str, int]:
    share = done.finished / done.total if done.total else 0.0
    filled = round(share * BAR_WIDTH)
    return "▓" * filled + "░" * (BAR_WIDTH - filled), round(share * 100)


def progress_text(b: Broadcast, done: Progress, now: datetime) -> str:
    bar, percent = _bar(done)
    lines = [
        texts.PROGRESS.format(
            id=fa(b.id),
            state=texts.STATE_NAMES[b.state],
            bar=bar,
            percent=fa(percent),
            sent=fa(done.sent),
            failed=fa(done.failed),
            blocked=fa(done.blocked),
            left=fa(done.left),
        )
    ]
    if b.queued_at is None and b.state == BroadcastState.RUNNING:
        lines.append(texts.PROGRESS_QUEUEING)
    eta = model.estimated_finish(b, done, now) if b.state == BroadcastState.RUNNING else None
    if eta is not None and done.left:
        lines.append(texts.PROGRESS_ETA.format(eta=format_jalali_datetime(eta)))
    return "\n".join(lines)


def report_text(b: Broadcast, done: Progress) -> str:
    return texts.REPORT.format(
        id=fa(b.id),
        state=texts.STATE_NAMES[b.state],
        total=fa(done.total),
        sent=fa(done.sent),
        failed=fa(done.failed),
        blocked=fa(done.blocked),
        left=fa(done.left),
    )


async def queue_report(b: Broadcast) -> None:
    """Owe the admin the final report (once, whichever process gets here first)."""
    done = await model.progress(b)
    await outbox.enqueue(
        b.messenger,
        b.admin_chat_id,
        MESSAGE,
        payload=message_payload(report_text(b, done)),
        ref=b.id,
        priority=Priority.NOTICE,
        dedup_key=f"broadcast-report:{b.id}",
    )


def controls(b: Broadcast) -> InlineKeyboardMarkup | None:
    """Pause/resume and cancel, for a broadcast still under way."""
    if b.state == BroadcastState.RUNNING:
        first = BC.button(texts.BTN_PAUSE, "pause", b.id)
    elif b.state == BroadcastState.PAUSED:
        first = BC.button(texts.BTN_RESUME, "resume", b.id)
    else:
        return None
    return keyboards.inline_pair(first, BC.button(texts.BTN_STOP, "stop", b.id))


def _is_admin(update: Update, context: Context) -> bool:
    user, chat = update.effective_user, update.effective_chat
    return (
        user is not None
        and chat is not None
        and chat.type == "private"
        and user.id in deps(context).admin_ids
    )


async def _refuse(update: Update, context: Context) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(texts.NOT_ADMIN, show_alert=True)
    else:
        await send(update, context, texts.NOT_ADMIN)


async def start_compose(update: Update, context: Context) -> None:
    """/broadcast: the admin is asked for the text (or a photo with a caption)."""
    if not _is_admin(update, context):
        await _refuse(update, context)
        return
    await flows.begin(update, context, FLOW, "compose")
    await send(update, context, texts.COMPOSE)


async def on_compose(update: Update, context: Context, state: DialogState) -> None:
    """The admin's text or photo becomes a draft; then the audience is asked."""
    if not _is_admin(update, context):
        await state.finish()
        await _refuse(update, context)
        return
    message = update.effective_message
    assert message is not None
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
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
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


async def _draft(update: Update, context: Context, arg: str) -> tuple[Broadcast, str] | None:
    """The draft a button names, if the presser is an admin and it is still a draft."""
    query = update.callback_query
    assert query is not None
    if not _is_admin(update, context):
        await _refuse(update, context)
        return None
    row = RowArg.unpack(arg)
    b = await Broadcast.get_or_none(id=row.id) if row is not None else None
    if b is None or row is None or b.state != BroadcastState.DRAFT:
        await query.answer(texts.NOT_DRAFT, show_alert=True)
        return None
    return b, row.detail or ""


async def _service_titles() -> dict[str, str]:
    """Services somebody filed, code → title (the choices of the «by service» audience)."""
    codes = await ServiceRequest.all().distinct().values_list("service__code", flat=True)
    services = await Service.filter(code__in=list(codes)).order_by("title")
    return {s.code: s.title for s in services}


async def on_audience(update: Update, context: Context, arg: str) -> None:
    found = await _draft(update, context, arg)
    if found is None:
        return
    b, code = found
    query = update.callback_query
    assert query is not None
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
    chat = update.effective_chat
    assert chat is not None
    await _send_to(context.bot, deps(context), b, chat.id)
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
    b, _ = found
    query = update.callback_query
    assert query is not None and query.message is not None
    if not await model.confirm(b.id, query.message.message_id):
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
    b, _ = found
    query = update.callback_query
    assert query is not None
    await model.cancel(b.id)
    await query.answer()
    await query.edit_message_text(texts.DISCARDED)


async def on_control(update: Update, context: Context, action: str, arg: str) -> None:
    """Pause, resume or cancel a broadcast under way (from its progress or the list)."""
    query = update.callback_query
    assert query is not None
    if not _is_admin(update, context):
        await _refuse(update, context)
        return
    if not arg.isdigit():
        await query.answer(texts.NOTHING_CHANGED, show_alert=True)
        return
    bid = int(arg)
    change = {"pause": model.pause, "resume": model.resume, "stop": model.cancel}[action]
    if not await change(bid):
        await query.answer(texts.NOTHING_CHANGED, show_alert=True)
        return
    done_text = {"pause": texts.PAUSED, "resume": texts.RESUMED, "stop": texts.CANCELLED}[action]
    await query.answer(done_text.format(id=fa(bid)))
    b = await Broadcast.get(id=bid)
    if b.state == BroadcastState.CANCELLED:
        await queue_report(b)
    text = progress_text(b, await model.progress(b), clock.now())
    if query.message is not None and b.progress_message_id == query.message.message_id:
        with contextlib.suppress(BadRequest):  # "not modified"
            await query.edit_message_text(text, reply_markup=controls(b))
    else:
        await send(update, context, text, controls(b))
    deps(context).wake_workers()


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    cb = BC.parse(query.data)
    if cb is None:
        await query.answer()
        return
    if cb.action == "aud":
        await on_audience(update, context, cb.arg)
    elif cb.action == "go":
        await on_confirm(update, context, cb.arg)
    elif cb.action == "no":
        await on_discard(update, context, cb.arg)
    elif cb.action in ("pause", "resume", "stop"):
        await on_control(update, context, cb.action, cb.arg)
    else:
        await query.answer()


async def list_broadcasts(update: Update, context: Context) -> None:
    """/broadcasts: the recent ones with their progress, and buttons for those under way."""
    if not _is_admin(update, context):
        await _refuse(update, context)
        return
    recent = await Broadcast.exclude(state=BroadcastState.DRAFT).order_by("-id").limit(LIST_LIMIT)
    if not recent:
        await send(update, context, texts.LIST_NONE)
        return
    await send(update, context, texts.LIST_TITLE)
    for b in recent:
        done = await model.progress(b)
        preview = b.text.replace("\n", " ")[:40]
        await send(
            update,
            context,
            texts.LIST_ITEM.format(
                id=fa(b.id),
                state=texts.STATE_NAMES[b.state],
                sent=fa(done.sent),
                total=fa(done.total),
                preview=preview,
            ),
            controls(b),
        )


# ---------------------------------------------------------------- citizens' choice
async def opt_out(update: Update, context: Context) -> None:
    citizen = await citizen_of(update, context)
    changed = await model.opt_out(citizen)
    text = texts.OPTED_OUT if changed else texts.ALREADY_OUT
    await send(update, context, text.format(opt_in=texts.BTN_OPT_IN))


async def opt_in(update: Update, context: Context) -> None:
    citizen = await citizen_of(update, context)
    changed = await model.opt_in(citizen)
    await send(update, context, texts.OPTED_IN if changed else texts.ALREADY_IN)


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    flows.register_flow(FLOW, on_compose)
    app.add_handler(CommandHandler("broadcast", start_compose, filters=private))
    app.add_handler(CommandHandler("broadcasts", list_broadcasts, filters=private))
    app.add_handler(CommandHandler("stop", opt_out, filters=private))
    app.add_handler(MessageHandler(private & filters.Text([texts.BTN_OPT_OUT]), opt_out))
    app.add_handler(MessageHandler(private & filters.Text([texts.BTN_OPT_IN]), opt_in))
    app.add_handler(CallbackQueryHandler(on_button, pattern=BC.pattern()))
