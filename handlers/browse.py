"""Browsing the catalog: categories → services → a service's identity card."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import keyboards, texts
from handlers.common import Context, query_of, send
from handlers.render import card_text
from models.service import Category, Service

__all__ = ["register", "send_card", "show_categories"]


async def _category_items() -> list[tuple[str, str]]:
    active = await (
        Service.filter(active=True)
        .order_by("category_id")
        .distinct()
        .values_list("category_id", flat=True)
    )
    return [(c.key, c.title) for c in await Category.filter(key__in=list(active))]


async def show_categories(update: Update, context: Context) -> None:
    await send(update, context, texts.CATEGORIES, keyboards.categories(await _category_items()))


async def send_card(update: Update, context: Context, service: Service) -> None:
    """The identity card, with «ثبت درخواست» where the service is filed through the bot.

    A service not filed here (information, an urgent report) says so under the card, in the
    same message: one message per answer keeps the whole send budget for answers."""
    card = service.to_card()
    note = {"info": texts.INFO_SERVICE, "urgent": texts.URGENT_SERVICE}.get(card.flow)
    text = card_text(card) if note is None else f"{card_text(card)}\n\n{note}"
    await send(update, context, text, keyboards.service_card(card.code, card.category, card.flow))


async def on_button(update: Update, context: Context) -> None:
    """cat:list, cat:open:KEY and svc:card:CODE — each argument re-checked in the database."""
    query = query_of(update)
    cb = keyboards.CAT.parse(query.data) or keyboards.SVC.parse(query.data)
    if cb is None:
        await query.answer(texts.EXPIRED_BUTTON, show_alert=True)
        return
    if cb.feature == keyboards.CAT.name and cb.action == "list":
        await query.answer()
        await query.edit_message_text(
            texts.CATEGORIES, reply_markup=keyboards.categories(await _category_items())
        )
        return
    if cb.feature == keyboards.CAT.name and cb.action == "open":
        category = await Category.get_or_none(key=cb.arg)
        items = await Service.filter(category_id=cb.arg, active=True).values_list("code", "title")
        if category is None or not items:
            await query.answer(texts.EXPIRED_BUTTON, show_alert=True)
            return
        await query.answer()
        await query.edit_message_text(
            texts.CATEGORY_SERVICES.format(title=category.title),
            reply_markup=keyboards.services(items),
        )
        return
    if cb.feature == keyboards.SVC.name and cb.action == "card":
        service = await Service.offered(cb.arg)
        if service is None:
            await query.answer(texts.SERVICE_GONE, show_alert=True)
            return
        await query.answer()
        await send_card(update, context, service)
        return
    await query.answer(texts.EXPIRED_BUTTON, show_alert=True)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_button, pattern=keyboards.CAT.pattern()))
    app.add_handler(CallbackQueryHandler(on_button, pattern=keyboards.SVC.pattern()))
