"""``skedbot seed`` can be re-run after every catalog edit without duplicating anything."""

from __future__ import annotations

import dataclasses

from tortoise.context import TortoiseContext

from models.catalog import Catalog, load_catalog
from models.seeding import seed_catalog
from models.service import RequiredDocument, Service

SERVICES_IN_CATALOG = 25


async def _documents_by_service() -> dict[str, list[str]]:
    rows = (
        await RequiredDocument.all()
        .order_by("service_id", "position")
        .values_list("service__code", "key")
    )
    result: dict[str, list[str]] = {}
    for code, key in rows:
        result.setdefault(code, []).append(key)
    return result


async def test_seeding_twice_changes_nothing(seeded_db: TortoiseContext) -> None:
    catalog = load_catalog()
    ids_before = dict(await Service.all().values_list("code", "id"))
    docs_before = await _documents_by_service()

    report = await seed_catalog(catalog)

    assert (report.created, report.updated, report.deactivated) == (0, SERVICES_IN_CATALOG, 0)
    assert await Service.all().count() == SERVICES_IN_CATALOG
    assert await Service.filter(active=True).count() == SERVICES_IN_CATALOG
    assert dict(await Service.all().values_list("code", "id")) == ids_before
    assert await _documents_by_service() == docs_before
    expected_docs = {c.code: [d.key for d in c.documents] for c in catalog.services if c.documents}
    assert docs_before == expected_docs
    assert await RequiredDocument.all().count() == sum(map(len, expected_docs.values()))


async def test_first_seed_reports_every_service_created(db: TortoiseContext) -> None:
    report = await seed_catalog(load_catalog())
    assert (report.created, report.updated, report.deactivated) == (SERVICES_IN_CATALOG, 0, 0)
    card = load_catalog().services[0]
    stored = await Service.get(code=card.code)
    assert stored.to_card() == card


def _with_card(catalog: Catalog, index: int, **changes: object) -> Catalog:
    services = list(catalog.services)
    services[index] = dataclasses.replace(services[index], **changes)
    return dataclasses.replace(catalog, services=tuple(services))


async def test_edited_title_updates_in_place(seeded_db: TortoiseContext) -> None:
    catalog = load_catalog()
    card = catalog.services[3]
    before = await Service.get(code=card.code)

    await seed_catalog(_with_card(catalog, 3, title="عنوان تازه"))

    after = await Service.get(code=card.code)
    assert after.id == before.id
    assert after.title == "عنوان تازه"
    assert after.to_card().title == "عنوان تازه"
    assert await Service.all().count() == SERVICES_IN_CATALOG


async def test_removed_document_is_removed_and_others_kept(seeded_db: TortoiseContext) -> None:
    catalog = load_catalog()
    index = next(i for i, c in enumerate(catalog.services) if len(c.documents) >= 2)
    card = catalog.services[index]
    kept = card.documents[1:]

    await seed_catalog(_with_card(catalog, index, documents=kept))

    docs = await _documents_by_service()
    assert docs[card.code] == [d.key for d in kept]


async def test_removed_service_is_deactivated_not_deleted(seeded_db: TortoiseContext) -> None:
    catalog = load_catalog()
    gone = catalog.services[0]
    smaller = dataclasses.replace(catalog, services=catalog.services[1:])

    report = await seed_catalog(smaller)

    assert report.deactivated == 1
    assert await Service.all().count() == SERVICES_IN_CATALOG
    assert not (await Service.get(code=gone.code)).active
    assert await Service.filter(active=True).count() == SERVICES_IN_CATALOG - 1

    report = await seed_catalog(catalog)  # put back: active again, same row
    assert report.deactivated == 0
    assert (await Service.get(code=gone.code)).active
