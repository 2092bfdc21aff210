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
        return texts.CARD_DURATION_INSTANT
    return texts.CARD_DURATION_DAYS.format(days=fa(card.duration_days))


def card_text(card: ServiceCard) -> str:
    """The identity card (شناسنامه خدمت) as one message."""
    visits = (
        texts.CARD_VISITS_NONE
        if card.visits == 0
        else texts.CARD_VISITS_N.format(n=fa(card.visits))
    )
    channels = texts.LIST_SEPARATOR.join(texts.CHANNEL_NAMES.get(c, c) for c in card.channels)
    lines = [texts.CARD_TITLE.format(title=card.title)]
    if card.service_id:
        lines.append(texts.CARD_SERVICE_ID.format(service_id=fa(card.service_id)))
    lines += [
        "",
        texts.CARD_DESCRIPTION.format(description=card.description),
        texts.CARD_AUDIENCE.format(audience=card.audience),
        texts.CARD_DURATION.format(duration=_duration(card)),
        texts.CARD_VISITS.format(visits=visits),
        texts.CARD_CHANNELS.format(channels=channels),
        texts.CARD_HOURS.format(hours=fa(card.hours)),
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
    lines += [
        texts.CARD_COST.format(cost=fa(card.cost)),
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
