"""The conversation relay: a citizen's messages copied into the operator group, and the
operators' replies there sent back to the citizen.

Citizen → group: «گفتگو با کارشناس» opens a thread (the ``staff`` flow); a message the bot
cannot place outside a dialog (a voice note, a photo, a video, a file, a text the matcher
answers with «none») is *offered*, and goes on the citizen's press. Each relayed message is
copied (``copyMessage``: the citizen's forward-privacy setting does not matter) under the
thread's header in the group. Group → citizen: an operator *replies* to the header or to any
message of the thread; the reply (text, voice, photo, file) reaches the citizen labelled
«پاسخ کارشناس». Which group message belongs to which citizen is in the database
(``models.relay``), so the two halves may be handled by different processes.

Every relayed message is an outbox row written in the transaction that records it: if the
group (or the citizen's chat) is unreachable, it waits and is retried, in order.
"""

from __future__ import annotations

import contextlib
import logging

import telegram
from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyParameters, Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters
from tortoise.transactions import in_transaction

from handlers import flows, keyboards, texts
from handlers.callbacks import CallbackFeature
from handlers.common import (
    Context,
    citizen_of,
    message_of,
    query_of,
    send,
    send_main_menu,
    sender_of,
)
from handlers.delivery import MESSAGE, message_payload, sender, subject_of
from handlers.deps import Deps, deps
from handlers.outgoing import send_text
from handlers.render import fa
from handlers.tagging import tag_keyboard
from handlers.texts import operator as otexts
from handlers.texts import relay as rtexts
from models import clock, outbox
from models.citizen import Citizen
from models.dialog import DialogState
from models.identifiers import mask_mobile
from models.outbox import OutboxMessage, Priority
from models.relay import (
    PREVIEW_MAX,
    Direction,
    Relay,
    RelayMessage,
    close,
    find_by_group_message,
    next_opening,
    open_relay,
)
from models.request import OPEN_STATUSES, ServiceRequest
from models.workdays import format_jalali_datetime

__all__ = [
    "RELAY",
    "RELAY_COPY",
    "RELAY_HEADER",
    "RELAY_REPLY",
    "kind_of",
    "offer",
    "offer_keyboard",
    "on_thread_message",
    "register",
]

log = logging.getLogger(__name__)

RELAY = CallbackFeature("relay", ("send",))
"""«ارسال به کارشناس» under a citizen's message (``relay:send:<message id>``)."""
RELAY_HEADER = "relay.header"
"""Outbox kind: a thread's header in the group (``ref`` = relay id)."""
RELAY_COPY = "relay.copy"
"""Outbox kind: a citizen's message copied under its header (``ref`` = relay message id)."""
RELAY_REPLY = "relay.reply"
"""Outbox kind: an operator's reply sent to the citizen (``ref`` = relay message id)."""

TAGGABLE = ("text", "message")
"""Kinds a copy of which staff may tag (``message``: an offered one, most often a text)."""

RELAYABLE = ("text", "voice", "photo", "document", "video", "audio", "video_note")
"""Kinds of message that go both ways; stickers, contacts, locations do not."""


def kind_of(message: Message) -> str | None:
    """The relayable kind of ``message``, or None."""
    for kind in RELAYABLE:
        if getattr(message, kind, None):
            return kind
    return None


def _preview(message: Message, kind: str) -> str:
    text = message.text or message.caption or ""
    preview = text if kind == "text" else f"[{kind}] {text}".strip()
    return preview[:PREVIEW_MAX]


def end_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[rtexts.BTN_END]], resize_keyboard=True)


def offer_keyboard(message_id: int, label: str = rtexts.BTN_SEND_TO_STAFF) -> InlineKeyboardMarkup:
    """One button that sends the citizen's message ``message_id`` to staff."""
    return keyboards.rows([RELAY.button(label, "send", message_id)])


# ------------------------------------------------------------------ citizen → group


async def _relay_in(
    d: Deps, citizen: Citizen, chat_id: int, message_id: int, kind: str, preview: str
) -> tuple[Relay, bool]:
    """Record one citizen message and owe the group its copy (and, for a new thread, the
    header first: the outbox keeps the group's rows in order)."""
    assert d.operator_chat_id is not None
    async with in_transaction():
        relay = await open_relay(citizen.id)
        new = relay is None
        if relay is None:
            request = (
                await ServiceRequest.filter(citizen_id=citizen.id, status__in=list(OPEN_STATUSES))
                .order_by("-id")
                .first()
            )
            relay = await Relay.create(
                citizen_id=citizen.id,
                request_id=request.id if request else None,
                group_chat_id=d.operator_chat_id,
            )
            await outbox.enqueue(
                d.messenger, d.operator_chat_id, RELAY_HEADER, ref=relay.id,
                dedup_key=f"relay:{relay.id}:header",
            )  # fmt: skip
        item = await RelayMessage.create(
            relay_id=relay.id,
            direction=Direction.IN,
            kind=kind,
            source_chat_id=chat_id,
            source_message_id=message_id,
            actor=f"citizen:{citizen.id}",
            preview=preview,
        )
        await outbox.enqueue(
            d.messenger, relay.group_chat_id, RELAY_COPY, ref=item.id,
            dedup_key=f"relay:in:{item.id}",
        )  # fmt: skip
    d.wake_workers()
    return relay, new


async def _relay_and_answer(
    update: Update, context: Context, message_id: int, kind: str, preview: str
) -> None:
    d = deps(context)
    _, chat = sender_of(update)
    if d.operator_chat_id is None:
        await send(update, context, texts.STAFF_UNAVAILABLE)
        return
    citizen = await citizen_of(update, context)
    _, new = await _relay_in(d, citizen, chat.id, message_id, kind, preview)
    state = await flows.current(update, context)
    first = new or state is None or state.flow != "staff" or state.step != "thread"
    if state is None or state.flow != "staff":
        await flows.begin(update, context, "staff", "thread")
    elif state.step != "thread":
        await state.advance("thread")
    if first:
        await send(update, context, rtexts.SENT.format(end=rtexts.BTN_END), end_keyboard())
    else:
        await send(update, context, rtexts.SENT_AGAIN)
    opening = next_opening(clock.now(), d.calendar, d.office_hours)
    if opening is not None:
        await send(update, context, rtexts.AFTER_HOURS.format(when=format_jalali_datetime(opening)))


async def on_thread_message(update: Update, context: Context, state: DialogState) -> None:
    """Every message while the ``staff`` flow is open: relayed, or «پایان گفتگو»."""
    message = message_of(update)
    if message.text == rtexts.BTN_END:
        await end_thread(update, context, state)
        return
    kind = kind_of(message)
    if kind is None:
        await send(update, context, rtexts.NOT_RELAYABLE)
        return
    await _relay_and_answer(update, context, message.message_id, kind, _preview(message, kind))


async def end_thread(update: Update, context: Context, state: DialogState | None) -> None:
    d = deps(context)
    citizen = await citizen_of(update, context)
    if state is not None:
        await state.finish()
    async with in_transaction():
        relay = await open_relay(citizen.id)
        if relay is not None:
            await close(relay)
            text = rtexts.GROUP_ENDED.format(number=fa(relay.id))
            await outbox.enqueue(
                d.messenger, relay.group_chat_id, MESSAGE, payload=message_payload(text),
                ref=relay.id, dedup_key=f"relay:{relay.id}:ended",
            )  # fmt: skip
    d.wake_workers()
    await send_main_menu(update, context, rtexts.ENDED.format(staff=texts.BTN_STAFF))


async def offer(update: Update, context: Context, *, is_text: bool) -> None:
    """A message the bot could not place, outside any dialog: offer it to staff."""
    message = message_of(update)
    if deps(context).operator_chat_id is None or kind_of(message) is None:
        await send(update, context, texts.NOT_TEXT)
        return
    text = rtexts.OFFER_TEXT if is_text else rtexts.OFFER_MEDIA
    await send(update, context, text, offer_keyboard(message.message_id))


async def on_offer_button(update: Update, context: Context) -> None:
    """``relay:send:<message id>``: the offered message goes to staff. Only a message of the
    presser's own private chat can be copied, so forged data relays nothing of anyone else."""
    query = query_of(update)
    cb = RELAY.parse(query.data)
    chat = update.effective_chat
    if cb is None or not cb.arg.isdigit() or chat is None or chat.type != chat.PRIVATE:
        await query.answer(texts.EXPIRED_BUTTON, show_alert=True)
        return
    await query.answer()
    with contextlib.suppress(telegram.error.BadRequest):
        await query.edit_message_reply_markup(None)  # offered once
    await _relay_and_answer(update, context, int(cb.arg), "message", "")


# ------------------------------------------------------------------ group → citizen


async def on_group_reply(update: Update, context: Context) -> None:
    """An operator's reply in the group to a thread's header or message."""
    message = update.effective_message
    d = deps(context)
    if message is None or message.reply_to_message is None or d.operator_chat_id is None:
        return
    if message.chat.id != d.operator_chat_id:
        return
    relay = await find_by_group_message(d.operator_chat_id, message.reply_to_message.message_id)
    if relay is None:
        return  # a reply to something else: staff talking among themselves
    user = message.from_user
    if user is None or not d.is_operator(user.id):
        log.warning("relay reply by non-operator %s:%s", d.messenger, user.id if user else "?")
        await message.reply_text(rtexts.REPLY_NOT_OPERATOR)
        return
    kind = kind_of(message)
    if kind is None:
        await message.reply_text(rtexts.REPLY_NOT_RELAYABLE)
        return
    await relay.fetch_related("citizen")
    citizen = relay.citizen
    async with in_transaction():
        item = await RelayMessage.create(
            relay_id=relay.id,
            direction=Direction.OUT,
            kind=kind,
            source_chat_id=message.chat.id,
            source_message_id=message.message_id,
            actor=f"operator:{d.messenger}:{user.id}",
            preview=_preview(message, kind),
        )
        payload = {"text": message.text} if kind == "text" else {"caption": message.caption or ""}
        await outbox.enqueue(
            citizen.messenger, citizen.chat_id, RELAY_REPLY, ref=item.id, payload=payload,
            priority=Priority.REPLY, dedup_key=f"relay:out:{item.id}",
        )  # fmt: skip
    d.wake_workers()
    log.info("relay %s: reply by operator %s:%s queued", relay.id, d.messenger, user.id)


# ------------------------------------------------------------------ senders


async def header_text(relay: Relay) -> str:
    citizen = await Citizen.get(id=relay.citizen_id)  # type: ignore[attr-defined]
    codes = await ServiceRequest.filter(
        citizen_id=citizen.id, status__in=list(OPEN_STATUSES)
    ).values_list("tracking_code", flat=True)
    mobile = (
        rtexts.HEADER_MOBILE.format(mobile=fa(mask_mobile(citizen.mobile)))
        if citizen.mobile
        else ""
    )
    return rtexts.HEADER.format(
        number=fa(relay.id),
        name=citizen.first_name or otexts.NAMELESS,
        messenger=otexts.MESSENGER_NAMES.get(citizen.messenger, citizen.messenger),
        mobile=mobile,
        codes=texts.LIST_SEPARATOR.join(fa(c) for c in codes) or rtexts.NO_CODES,
    )


@sender(RELAY_HEADER)
async def send_header(bot: telegram.Bot, deps_: Deps, row: OutboxMessage) -> int | None:
    relay = await subject_of(row, Relay)
    message_id = await send_text(bot, row.chat_id, await header_text(relay))
    await Relay.filter(id=relay.id).update(header_message_id=message_id)
    return message_id


@sender(RELAY_COPY)
async def send_copy(bot: telegram.Bot, deps_: Deps, row: OutboxMessage) -> int | None:
    item = await subject_of(row, RelayMessage, "relay")
    header = item.relay.header_message_id
    reply = ReplyParameters(header, allow_sending_without_reply=True) if header else None
    copied = await bot.copy_message(
        row.chat_id,
        item.source_chat_id,
        item.source_message_id,
        reply_parameters=reply,
        reply_markup=tag_keyboard() if item.kind in TAGGABLE else None,  # staff teach the matcher
    )
    await RelayMessage.filter(id=item.id).update(target_message_id=copied.message_id)
    return copied.message_id


@sender(RELAY_REPLY)
async def send_reply(bot: telegram.Bot, deps_: Deps, row: OutboxMessage) -> int | None:
    item = await subject_of(row, RelayMessage)
    if item.kind == "text":
        text = f"{rtexts.ANSWER_LABEL}\n{row.payload.get('text', '')}"
        message_id = await send_text(bot, row.chat_id, text)
    else:
        caption = row.payload.get("caption") or ""
        label = f"{rtexts.ANSWER_LABEL}\n{caption}".strip()
        copied = await bot.copy_message(
            row.chat_id, item.source_chat_id, item.source_message_id, caption=label
        )
        message_id = copied.message_id
    await RelayMessage.filter(id=item.id).update(target_message_id=message_id)
    return message_id


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_offer_button, pattern=RELAY.pattern()))
    groups = filters.ChatType.GROUPS
    app.add_handler(MessageHandler(groups & filters.REPLY & ~filters.COMMAND, on_group_reply))
