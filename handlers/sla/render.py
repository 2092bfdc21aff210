"""Rendering shared by the SLA features: the documents notice, the clock, masked citizens."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers import keyboards
from handlers.callbacks import CallbackFeature
from handlers.render import fa
from handlers.texts import operator as otexts
from handlers.texts import sla as texts
from models.citizen import Citizen
from models.identifiers import mask_mobile
from models.request import ServiceRequest
from models.sla import wanted_titles
from models.workdays import format_jalali_date

__all__ = [
    "DOCS",
    "documents_notice",
    "masked_citizen",
    "send_documents",
    "send_documents_button",
]

DOCS = CallbackFeature("docs", ("send",))
"""«ارسال مدارک» (``docs:send:<request>``), answered by ``handlers.sla.upload``."""


def send_documents(request: ServiceRequest) -> InlineKeyboardButton:
    """«ارسال مدارک» for a request that waits for documents (notice and track view)."""
    return DOCS.button(texts.BTN_SEND_DOCUMENTS, "send", request.id)


def send_documents_button(request: ServiceRequest) -> InlineKeyboardMarkup:
    return keyboards.rows([send_documents(request)])


def documents_notice(request: ServiceRequest) -> str:
    """The citizen's notice naming the documents asked for; ``service`` loaded."""
    items = "\n".join(texts.NEEDS_DOCUMENTS_ITEM.format(title=t) for t in wanted_titles(request))
    due = format_jalali_date(request.docs_due) if request.docs_due else "—"
    return texts.NEEDS_DOCUMENTS.format(
        code=fa(request.tracking_code),
        service=request.service.title,
        items=items,
        due=due,
        button=texts.BTN_SEND_DOCUMENTS,
    )


def masked_citizen(request: ServiceRequest, citizen: Citizen) -> str:
    """The citizen as staff see them in warnings: first name and masked mobile."""
    mobile = request.mobile or citizen.mobile
    name = citizen.first_name or otexts.NAMELESS
    return f"{name} {fa(mask_mobile(mobile))}" if mobile else name
