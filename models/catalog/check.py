"""What staff still have to confirm in the catalog: estimated values and unsourced cards.

The identity card is the SLA's promise, so a value nobody has checked against a published
source is marked ``estimated`` in ``services.toml``. This module collects those marks (and
the cards that cite no source at all) into one list per card; ``skedbot catalog check``
prints it for staff to take to the company. Pure: no database, no messenger.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.catalog import Catalog, ServiceCard

__all__ = ["CardCheck", "Estimate", "check_catalog"]

VALUE_WIDTH = 90
"""Longest value shown in full; staff open the file for the rest."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """One value marked estimated: the card field (or ``documents.<key>``) and its value."""

    field: str
    value: str


@dataclass(frozen=True, slots=True)
class CardCheck:
    """One card's open questions, with what backs the rest of it."""

    code: str
    title: str
    service_id: str  # the published شناسه خدمت, or "" while it is not published
    estimates: tuple[Estimate, ...]
    sources: tuple[str, ...]
    staff_notes: str

    @property
    def confirmed(self) -> bool:
        """Nothing left to confirm: no estimate and at least one source."""
        return not self.estimates and bool(self.sources)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def _value(card: ServiceCard, name: str) -> str:
    """The estimated value as staff read it in the file."""
    if name.startswith("documents."):
        key = name.removeprefix("documents.")
        return next((d.title for d in card.documents if d.key == key), "")
    if name == "documents":
        return "، ".join(d.title for d in card.documents)
    value = getattr(card, name)
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def check_catalog(catalog: Catalog) -> tuple[CardCheck, ...]:
    """Every card's estimates, sources and staff notes, in catalog order."""
    return tuple(
        CardCheck(
            code=card.code,
            title=card.title,
            service_id=card.service_id if card.service_id_published else "",
            estimates=tuple(
                Estimate(name, _shorten(_value(card, name))) for name in card.estimated
            ),
            sources=card.sources,
            staff_notes=card.staff_notes,
        )
        for card in catalog.services
    )
