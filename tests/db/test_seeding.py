"""``skedbot seed`` can be re-run after every catalog edit without duplicating anything."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from tortoise.context import TortoiseContext

from models.catalog import Catalog, load_catalog
from models.citizen import Citizen
from models.request import ServiceRequest
from models.seeding import seed_catalog
from models.service import RequiredDocument, Service
from models.workdays import WorkCalendar

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


async def test_card_stored_before_the_national_fields_still_reads(seeded_db: TortoiseContext):
    """A card seeded by an older release (no delivery mode, unit, phone or sources) and one
    from a newer release (a key this one does not know) both still open."""
    card = load_catalog().service("settlement")
    stored = await Service.get(code=card.code)
    new_keys = ("duration_note", "delivery_mode", "answering_unit", "phone", "sources")
    old = {k: v for k, v in stored.card.items() if k not in new_keys}
    await Service.filter(id=stored.id).update(card=old | {"from_the_future": 1})

    read = (await Service.get(id=stored.id)).to_card()

    assert read.service_id == "13031465100" and read.service_id_published
    assert (read.delivery_mode, read.phone, read.sources) == ("", "", ())
    assert read.documents == card.documents


async def test_reseeding_keeps_the_terms_of_filed_requests(seeded_db: TortoiseContext) -> None:
    """A request filed under a card keeps its deadline when staff later change the card."""
    catalog = load_catalog()
    index = next(i for i, c in enumerate(catalog.services) if c.code == "settlement")
    service = await Service.get(code="settlement")
    citizen = await Citizen.create(messenger="bale", user_id=7, chat_id=7)
    filed_at = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    deadline = WorkCalendar().add_working_days(filed_at, service.duration_days)
    request = await ServiceRequest.create(
        tracking_code="T-SLA", citizen=citizen, service=service, deadline=deadline
    )

    await seed_catalog(_with_card(catalog, index, duration_days=4))

    assert (await Service.get(code="settlement")).to_card().duration_days == 4
    assert (await ServiceRequest.get(id=request.id)).deadline == deadline
