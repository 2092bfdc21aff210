"""Load the catalog files into the database, idempotently.

Re-running updates changed cards and documents in place and never duplicates: services
are matched by ``code``, documents by (service, key). A service dropped from the file is
marked inactive rather than deleted, because filed requests still point at it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tortoise.transactions import in_transaction

from models.catalog import Catalog
from models.service import Category, RequiredDocument, Service

__all__ = ["SeedReport", "seed_catalog"]


@dataclass(frozen=True, slots=True)
class SeedReport:
    created: int
    updated: int
    deactivated: int


async def seed_catalog(catalog: Catalog) -> SeedReport:
    created = updated = 0
    async with in_transaction():
        for position, category in enumerate(catalog.categories):
            await Category.update_or_create(
                key=category.key, defaults={"title": category.title, "position": position}
            )
        for position, card in enumerate(catalog.services):
            lexicon = catalog.lexicon.get(card.code)
            card_json = asdict(card)
            _, was_created = await Service.update_or_create(
                code=card.code,
                defaults={
                    "category_id": card.category,
                    "title": card.title,
                    "flow": card.flow,
                    "duration_days": card.duration_days,
                    "position": position,
                    "active": True,
                    "card": card_json,
                    "lexicon": asdict(lexicon) if lexicon else {},
                },
            )
            created += was_created
            updated += not was_created
            service = await Service.get(code=card.code)
            keys = [d.key for d in card.documents]
            await RequiredDocument.filter(service=service).exclude(key__in=keys).delete()
            for doc_position, doc in enumerate(card.documents):
                await RequiredDocument.update_or_create(
                    service=service,
                    key=doc.key,
                    defaults={
                        "title": doc.title,
                        "hint": doc.hint,
                        "required": doc.required,
                        "position": doc_position,
                    },
                )
        codes = [card.code for card in catalog.services]
        deactivated = await Service.filter(active=True).exclude(code__in=codes).update(active=False)
    return SeedReport(created=created, updated=updated, deactivated=deactivated)
