"""Staff teach the matcher: «🏷 برچسب» on a citizen's message in the operator group.

A citizen's text copied into the group (``handlers.relay``), and the «none» message a citizen
wrote shortly before filing a request (shown with the filing's announcement,
``handlers.announce``), carry «🏷 برچسب»; an operator
presses it, then the right service (two presses). The text is read from the group's copy
itself, normalised as the matcher reads queries and with every digit run masked, and stored
(``models.tagging``); every process then rebuilds its matcher (``bot.learning``). The
confirmation carries «برگرداندن برچسب» for a wrong tag. Presses are re-checked: operators
only, in the operator group only, services that are active.
"""

from __future__ import annotations

import contextlib

import telegram
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import keyboards
from handlers.callbacks import CallbackFeature
from handlers.common import Context, query_of
from handlers.deps import deps
from handlers.texts import tagging as texts
from models.digits import mask_digits
from models.service import Service
from models.tagging import tag, untag

__all__ = ["citizen_words", "register", "tag_keyboard", "unplaced_text"]

TAG = CallbackFeature("tag", ("pick", "set", "undo"))
"""An operator's tag on a citizen's message in the group: which service it was about."""


def tag_keyboard() -> InlineKeyboardMarkup:
    """The one button under a citizen's message copied into the group."""
    return keyboards.rows([TAG.button(texts.BTN_TAG, "pick")])


def unplaced_text(words: str) -> str:
    """A citizen's «none» message as a filing's announcement shows it (with tag_keyboard)."""
    return f"{texts.UNPLACED}\n{words}"


def citizen_words(text: str) -> str:
    """The citizen's own words of a tagged group message: a relayed copy is all theirs;
    an announcement's «none» message (:func:`unplaced_text`) has our line above them."""
    head, newline, words = text.partition("\n")
    return words if newline and head == texts.UNPLACED else text


async def on_button(update: Update, context: Context) -> None:
    """tag:pick (the services), tag:set:CODE (store the tag), tag:undo:ID (take it back)."""
    query = query_of(update)
    cb = TAG.parse(query.data)
    d = deps(context)
    chat, user = update.effective_chat, update.effective_user
    if (
        cb is None
        or chat is None
        or user is None
        or chat.id != d.operator_chat_id
        or not d.is_operator(user.id)
    ):
        await query.answer(texts.NOT_OPERATOR, show_alert=True)
        return
    message = query.message
    if cb.action == "pick":
        services = await Service.filter(active=True).order_by("title").values_list("code", "title")
        buttons = [TAG.button(title, "set", code) for code, title in services]
        await query.answer(texts.PICK)
        with contextlib.suppress(telegram.error.BadRequest):
            await query.edit_message_reply_markup(keyboards.rows(buttons, width=2))
        return
    if cb.action == "set":
        service = await Service.offered(cb.arg)
        text = getattr(message, "text", None)
        if service is None or not text or d.matcher is None:
            await query.answer(texts.NO_TEXT, show_alert=True)
            return
        normalized = mask_digits(d.matcher.normalize(citizen_words(text)))
        item = await tag(normalized, service.code, f"operator:{d.messenger}:{user.id}")
        d.wake_workers()  # this process rebuilds now; the others at their next check
        await query.answer()
        with contextlib.suppress(telegram.error.BadRequest):
            await query.edit_message_reply_markup(tag_keyboard())
        undo = keyboards.rows([TAG.button(texts.BTN_UNDO, "undo", item.id)])
        await context.bot.send_message(
            chat.id,
            texts.SAVED.format(title=service.title),
            reply_markup=undo,
            reply_parameters=telegram.ReplyParameters(
                message.message_id, allow_sending_without_reply=True
            )
            if message is not None
            else None,
        )
        return
    if cb.action == "undo" and cb.arg.isdigit():
        item = await untag(int(cb.arg))
        if item is None:
            await query.answer()
            return
        d.wake_workers()
        await query.answer()
        service = await Service.get_or_none(code=item.code)
        title = service.title if service is not None else item.code
        with contextlib.suppress(telegram.error.BadRequest):
            await query.edit_message_text(texts.UNDONE.format(title=title))
        return
    await query.answer(texts.NOT_OPERATOR, show_alert=True)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_button, pattern=TAG.pattern()))
