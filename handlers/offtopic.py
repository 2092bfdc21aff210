"""Messages that are not about an electricity service: answer each kind kindly, once.

The matcher decides ``none`` and names the kind (``MatchResult.kind``); what the bot says
for each kind is catalog data (``models/catalog/kinds.toml``): other companies' matters get
who handles them, greetings and thanks a greeting and the menu, abuse one calm line and
never the staff button, advertisements one answer and silence afterwards.
"""

from __future__ import annotations

from functools import cache

from telegram import Update

from handlers import keyboards, relay, texts
from handlers.common import Context, citizen_of, send
from handlers.render import fa
from handlers.staff import STAFF
from handlers.texts import offtopic as kind_texts
from models.catalog import CATALOG_DIR, NonServiceKind
from models.catalog.kinds import load_kinds
from models.clock import now

__all__ = ["answer_kind", "kind_of", "kind_text"]


@cache
def _kinds() -> dict[str, NonServiceKind]:
    return load_kinds(CATALOG_DIR / "kinds.toml")


def kind_of(code: str) -> NonServiceKind | None:
    """The catalog's kind ``code`` (``""`` or an unknown code: None)."""
    return _kinds().get(code) if code else None


def kind_text(kind: NonServiceKind) -> str:
    """The answer and, for another company's matter, who handles it."""
    lines = [kind.answer]
    lines += [kind_texts.CONTACT_LINE.format(name=c.name, phone=fa(c.phone)) for c in kind.contacts]
    return "\n".join(lines)


async def answer_kind(update: Update, context: Context, kind: NonServiceKind) -> None:
    """Answer one message of ``kind``; an advertisement only the first time per citizen."""
    if kind.answer_once:
        citizen = await citizen_of(update, context)
        if citizen.spam_answered_at is not None:
            return
        citizen.spam_answered_at = now()
        await citizen.save(update_fields=["spam_answered_at"])
    if kind.menu:
        await send(update, context, kind_text(kind), keyboards.main_menu())
    elif kind.offer_staff:
        message = update.effective_message  # this very message can go to staff
        staff = (
            relay.offer_keyboard(message.message_id, texts.BTN_STAFF)
            if message is not None
            else keyboards.rows([STAFF.button(texts.BTN_STAFF, "ask")])
        )
        await send(update, context, kind_text(kind), staff)
    else:
        await send(update, context, kind_text(kind))
