"""Free text → the intent matcher → an identity card, a short list, tracking, or help.

Every query is logged in normalised form with digit runs masked and the asker's own names
taken out, with no link to the asker (no names, ids or phone numbers), so staff can review
what the matcher missed (``skedbot nlp-misses``).
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import flows, keyboards, offtopic, outages, relay, texts, track
from handlers.browse import send_card
from handlers.common import Context, citizen_of, message_of, query_of, send, send_main_menu
from handlers.deps import deps
from handlers.staff import STAFF
from models.dialog import DialogState
from models.querylog import QueryLog, scrub
from models.service import Service
from models.tagging import remember_unplaced

__all__ = ["ask_query", "handle_text", "register"]


async def ask_query(update: Update, context: Context) -> None:
    await flows.begin(update, context, "search", "query")
    await send(update, context, texts.SEARCH_PROMPT)


def _own_names(update: Update, normalize: Callable[[str], str]) -> list[str]:
    """The asker's names from their messenger profile, normalised as queries are."""
    user = update.effective_user
    if user is None:
        return []
    return [normalize(n) for n in (user.first_name, user.last_name, user.username) if n]


async def handle_text(update: Update, context: Context, text: str) -> None:
    """Answer one free-text message outside any dialog."""
    matcher = deps(context).matcher
    if matcher is None:
        await send_main_menu(update, context, texts.SEARCH_NONE.format(services=texts.BTN_SERVICES))
        return
    result = matcher.match(text)
    best = result.ranked[0] if result.ranked else (None, 0.0)
    scrubbed = scrub(result.normalized, _own_names(update, matcher.normalize))
    await QueryLog.create(
        normalized=scrubbed,
        decision=result.decision,
        best_code=best[0] if result.decision != "none" else None,
        score=float(best[1]),
    )
    if result.decision == "track":
        await track.answer_code(update, context, result.tracking_code)
        return
    kind = offtopic.kind_of(result.kind) if result.decision == "none" else None
    if result.decision == "none" and (kind is None or kind.offer_staff):
        # a miss, perhaps: a request filed soon after shows this message to staff to tag
        citizen = await citizen_of(update, context)
        await remember_unplaced(citizen, scrubbed)
    if kind is not None:
        await offtopic.answer_kind(update, context, kind)
        return
    if len(result.needs) > 1 and await _offer_needs(update, context, result.needs):
        return
    if result.decision == "service" and result.best == outages.SCHEDULE_SERVICE:
        await outages.answer_schedule(update, context)  # the citizen's areas, or subscribe
        return
    if result.decision == "service":
        service = await Service.offered(result.best)
        if service is not None:
            await send_card(update, context, service)
            return
    if result.decision in ("service", "ambiguous"):
        codes = result.candidates or result.top(3)
        by_code = {s.code: s.title for s in await Service.filter(code__in=codes, active=True)}
        items = [(c, by_code[c]) for c in codes if c in by_code]
        if items:
            await send(update, context, texts.SEARCH_AMBIGUOUS, keyboards.candidates(items))
            return
    message = update.effective_message
    staff = (  # «none»: this very message can go to staff (handlers.relay)
        relay.offer_keyboard(message.message_id, texts.BTN_STAFF)
        if message is not None and message.text == text
        else keyboards.rows([STAFF.button(texts.BTN_STAFF, "ask")])
    )
    await send(update, context, texts.SEARCH_NONE.format(services=texts.BTN_SERVICES), staff)


async def _offer_needs(update: Update, context: Context, codes: tuple[str, ...]) -> bool:
    """Two needs in one message: each service as a button (False: not two active ones)."""
    by_code = {s.code: s.title for s in await Service.filter(code__in=codes, active=True)}
    items = [(c, by_code[c]) for c in codes if c in by_code]
    if len(items) < 2:
        return False
    await send(update, context, texts.SEARCH_TWO_NEEDS, keyboards.services(items, back=False))
    return True


async def on_search_flow(update: Update, context: Context, state: DialogState) -> None:
    """The message after «جستجوی خدمت»: search it, and leave the search mode."""
    message = message_of(update)
    await state.finish()
    if message.text:
        await handle_text(update, context, message.text)
    else:
        await send(update, context, texts.NOT_TEXT)


async def none_of_these(update: Update, context: Context) -> None:
    query = query_of(update)
    await query.answer()
    await send(update, context, texts.SEARCH_NONE_OF_THESE)


def register(app: Application) -> None:  # type: ignore[type-arg]
    flows.register_flow("search", on_search_flow)
    app.add_handler(CallbackQueryHandler(none_of_these, pattern=keyboards.SRCH.pattern()))
