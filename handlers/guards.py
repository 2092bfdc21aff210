"""Checks that run before any feature, and the error handler.

Every update passes :data:`CHECKS` first, in order; a check that drops the update raises
:class:`ApplicationHandlerStop`, so no feature sees it:

1. :func:`private_only`: citizen features answer private chats only. In a group (the
   operator group, or any group the bot was added to) only the staff's own buttons
   (:data:`GROUP_FEATURES`) and messages in the operator group (replies, desk commands)
   go on; a member pressing a forged citizen button there gets an empty answer, and no
   citizen screen is posted and nothing stored changes. Updates that carry a message no
   citizen sent the bot (:data:`NOT_CITIZENS`) are dropped whatever chat they name.
2. :func:`flood_check`: per-citizen rate limit, shared by every process
   (``models.flood``). The count is taken when the update arrives (``bot.inbox``); a
   flooder's updates past the notice never get here, and the one over the limit carries
   the verdict to say "slow down" once (or, on several workers, leaves it to the last
   allowed update when that one is answered after it).
3. :func:`ignore_edits`: an edited message is never a new answer. Messengers send the new
   text of an old message; taken as the reply to the step open *now*, it stored an edited
   national code as an amperage. The citizen is told edits are not read.

A crash in one update must never stop the bot: the error handler logs the failure (the
exception, never the message text, which may hold a national code or phone number) and
tells the citizen in Persian that it did not work.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, ApplicationHandlerStop, CallbackQueryHandler, TypeHandler

from handlers import texts
from handlers.callbacks import Callback
from handlers.common import Context, NotForUs, query_of
from handlers.deps import deps
from handlers.incidents import INC
from handlers.operator import DESK, OP
from handlers.outgoing import STALE_QUERY, send_text
from handlers.sla.pick import OPDOC
from handlers.tagging import TAG
from models.dialog import StaleDialog
from models.flood import Verdict, claim_notice

__all__ = [
    "CHECKS",
    "GROUP_FEATURES",
    "NOT_CITIZENS",
    "from_no_citizen",
    "register",
    "register_first",
    "send_flood_notice",
]

log = logging.getLogger(__name__)

GROUP_FEATURES = frozenset(feature.name for feature in (OP, OPDOC, DESK, INC, TAG))
"""Callback features that belong in a group: the status buttons of ``handlers.operator``,
the documents picker of ``handlers.sla.pick``, the desk's (``handlers.desk``), the incidents'
(``handlers.incidents``) and the tags of ``handlers.tagging``, which check the chat and the
presser themselves."""
NOT_CITIZENS = (
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "guest_message",
)
"""Update kinds dropped whatever chat they name: none is a citizen writing to the bot.

All but two carry a message that PTB's message filters take as they take a citizen's
(``filters.ChatType.PRIVATE`` reads only the chat), so a private chat named in one reached
the features: a channel's post (only a forged one names a private chat), a business
account's chats (for a bot that is the account's assistant) and guest messages (for a bot
mentioned where it is not a member); this bot is neither. Answered with an ordinary send,
without ``business_connection_id``, a reply reached a stranger from the bot, and their texts
opened dialogs and counted against the flood limit of people who never wrote to it. The
business connection itself and its deleted messages are listed for the same reason."""


def from_no_citizen(update: Update) -> bool:
    """Whether ``update`` is one of :data:`NOT_CITIZENS` (never answered, counted or stored
    as a citizen's: ``private_only`` drops it, ``bot.updates.flood_key`` skips it)."""
    return any(getattr(update, kind) is not None for kind in NOT_CITIZENS)


async def flood_check(update: Update, context: Context) -> None:
    """Say "slow down" for the update that went over the limit when it arrived, unless the
    minute's notice was sent already (a later update may carry it, see ``models.flood``).

    An update without a verdict was counted by the worker that first took it (and is
    handled here after that worker died), so it goes on."""
    d = deps(context)
    verdict = d.arrivals.get(update.update_id)
    if verdict is None or verdict is Verdict.ALLOW:
        return
    chat, user = update.effective_chat, update.effective_user
    if (
        verdict is Verdict.WARN
        and chat is not None
        and user is not None
        and await claim_notice(d.messenger, user.id, update.update_id, carrier=False)
    ):
        await send_flood_notice(context.bot, chat.id)
    raise ApplicationHandlerStop


async def send_flood_notice(bot: Bot, chat_id: int) -> None:
    """The slow-down notice (its update or the one that carries it decides when)."""
    await send_text(bot, chat_id, texts.FLOOD)


async def private_only(update: Update, context: Context) -> None:
    """Drop everything from non-private chats except the staff's buttons."""
    chat = update.effective_chat
    if chat is None:  # polls, inline queries, reactions…: no citizen feature takes them
        raise ApplicationHandlerStop
    if from_no_citizen(update):  # channel posts, a business account's chats, guest messages
        raise ApplicationHandlerStop
    if chat.type == chat.PRIVATE:
        return
    if update.message is not None and chat.id == deps(context).operator_chat_id:
        return  # staff's replies and commands in the operator group (relay, desk)
    query = update.callback_query
    if query is not None:
        cb = Callback.parse(query.data)
        if cb is not None and cb.feature in GROUP_FEATURES:
            return
        user = update.effective_user
        log.info("citizen button pressed in group %s by %s", chat.id, user.id if user else "?")
        await query.answer()  # stop the spinner; nothing is posted to the group
    raise ApplicationHandlerStop


async def ignore_edits(update: Update, context: Context) -> None:
    """An edit never reaches a feature; in a private chat the citizen is told why."""
    if update.edited_message is None:
        return
    chat = update.effective_chat
    if chat is not None and chat.type == chat.PRIVATE:
        await send_text(context.bot, chat.id, texts.EDIT_IGNORED)
    raise ApplicationHandlerStop


Check = Callable[[Update, Context], Awaitable[None]]
CHECKS: tuple[Check, ...] = (private_only, flood_check, ignore_edits)
"""Run in this order on every update; see the module docstring for why."""


async def run_checks(update: Update, context: Context) -> None:
    for check in CHECKS:
        await check(update, context)


async def stale_button(update: Update, context: Context) -> None:
    """Any button press no feature claimed: old, foreign or forged data."""
    query = query_of(update)
    await query.answer(texts.EXPIRED_BUTTON, show_alert=True)


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if isinstance(error, NotForUs):
        log.debug("update %s dropped: %s", getattr(update, "update_id", "?"), error)
        return
    if isinstance(error, BadRequest) and STALE_QUERY in error.message.lower():
        log.info("a button press too old (or forged) to answer")  # nothing to tell anyone
        return
    if isinstance(error, (RetryAfter, NetworkError, Forbidden)) and not isinstance(
        error, BadRequest
    ):  # BadRequest is a NetworkError in PTB, but it is our mistake, not a hiccup
        log.warning("transient messenger error: %s", type(error).__name__)
        return
    log.error(
        "update %s failed: %s",
        getattr(update, "update_id", "?"),
        type(error).__name__,
        exc_info=error,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != update.effective_chat.PRIVATE:
        return
    text = texts.DIALOG_STALE if isinstance(error, StaleDialog) else texts.INTERNAL_ERROR
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await send_text(context.bot, update.effective_chat.id, text)
    except Exception:  # the messenger itself is failing; the log above says enough
        log.warning("could not tell the citizen about the failure")


def register_first(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, run_checks), group=-1)
    app.add_error_handler(on_error)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(stale_button))
