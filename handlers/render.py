"""Turning domain objects into the Persian text people read (digits, dates, the card)."""

from __future__ import annotations

from typing import Any

from handlers import texts
from handlers.texts import apply as apply_texts
from models.catalog import ServiceCard
from models.digits import to_persian_digits

__all__ = ["card_text", "fa", "field_value"]


def fa(value: object) -> str:
    """A value as shown to citizens: Persian digits."""
    return to_persian_digits(str(value))


def _duration(card: ServiceCard) -> str:
    if card.duration_days == 0:
        duration = texts.CARD_DURATION_INSTANT
    else:
        duration = texts.CARD_DURATION_DAYS.format(days=fa(card.duration_days))
    if card.duration_note:
        return texts.CARD_DURATION_NOTE.format(duration=duration, note=fa(card.duration_note))
    return duration


def _service_id(card: ServiceCard) -> str:
    """The شناسه خدمت, or «در حال ثبت» while it is unpublished: a guessed number shown to
    citizens could be another service's real one."""
    if card.service_id_published:
        return fa(card.service_id)
    return texts.CARD_SERVICE_ID_PENDING


def _answering(card: ServiceCard) -> list[str]:
    """The national template's نحوه ارائه and واحد پاسخگو lines, for the cards that have them."""
    lines = []
    if card.delivery_mode:
        mode = texts.DELIVERY_MODE_NAMES.get(card.delivery_mode, card.delivery_mode)
        lines.append(texts.CARD_DELIVERY.format(mode=mode))
    if card.answering_unit and card.phone:
        lines.append(texts.CARD_ANSWERING.format(unit=card.answering_unit, phone=fa(card.phone)))
    return lines


def card_text(card: ServiceCard) -> str:
    """The identity card (شناسنامه خدمت) as one message.

    What staff alone need (``sources``, ``staff_notes``, which values are estimated) stays
    out: citizens get one footnote that some values may change.
    """
    visits = (
        texts.CARD_VISITS_NONE
        if card.visits == 0
        else texts.CARD_VISITS_N.format(n=fa(card.visits))
    )
    channels = texts.LIST_SEPARATOR.join(texts.CHANNEL_NAMES.get(c, c) for c in card.channels)
    lines = [
        texts.CARD_TITLE.format(title=card.title),
        texts.CARD_SERVICE_ID.format(service_id=_service_id(card)),
        "",
        texts.CARD_DESCRIPTION.format(description=card.description),
        texts.CARD_AUDIENCE.format(audience=card.audience),
        texts.CARD_DURATION.format(duration=_duration(card)),
        texts.CARD_VISITS.format(visits=visits),
        texts.CARD_CHANNELS.format(channels=channels),
        texts.CARD_HOURS.format(hours=fa(card.hours)),
        *_answering(card),
    ]
    if card.documents:
        lines.append(texts.CARD_DOCUMENTS)
        lines += [
            texts.CARD_DOCUMENT_ITEM.format(
                title=doc.title, optional="" if doc.required else texts.CARD_DOCUMENT_OPTIONAL
            )
            for doc in card.documents
        ]
    else:
        lines.append(texts.CARD_NO_DOCUMENTS)
    lines.append(texts.CARD_COST.format(cost=fa(card.cost)))
    if "pishkhan" in card.channels:
        lines.append(texts.CARD_PISHKHAN_FEE)
    lines += [
        texts.CARD_LEGAL.format(legal=fa(card.legal_basis)),
        texts.CARD_ELECTRONIC.format(steps=texts.LIST_SEPARATOR.join(card.electronic_steps)),
    ]
    if card.notes:
        lines += ["", texts.CARD_NOTES.format(notes=fa(card.notes))]
    if card.estimated:
        lines += ["", texts.CARD_ESTIMATED]
    return "\n".join(lines)


def field_value(name: str, value: Any) -> str:
    """One dialog answer as people read it, the same in the citizen's summary and for staff."""
    if value is None:
        return apply_texts.SUMMARY_SKIPPED
    if name == "location":
        if isinstance(value, str):  # typed instead of shared
            return fa(value)
        return apply_texts.LOCATION_SHARED.format(lat=fa(value["lat"]), lon=fa(value["lon"]))
    if name == "amperage":
        return fa(
            apply_texts.AMPERAGE_VALUE.format(
                amps=value["amps"], phase=apply_texts.PHASE_NAMES.get(value["phase"], "")
            )
        )
    if name in ("tariff", "usage"):
        return apply_texts.CHOICES.get(value, value)
    return fa(value)
