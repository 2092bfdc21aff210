"""The erase rule of /forget and the retention purge, on the models alone: what goes, what
stays for the SLA reports, and that a used or replaced confirm changes nothing."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from tortoise.context import TortoiseContext

from models import clock
from models.citizen import Citizen
from models.dialog import DialogState, StaleDialog
from models.flood import FloodWindow
from models.privacy import FORGET_ACTOR, FORGET_FLOW, forget, held_data
from models.relay import Direction, Relay, RelayMessage
from models.request import RequestDocument, RequestStatus, ServiceRequest, StatusEvent
from models.retention import PURGED, purge_documents, sweep_orphans
from models.service import Category, Service
from models.storage import DocumentStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(tmp_path / "documents")


@pytest.fixture
async def citizen(db: TortoiseContext) -> Citizen:
    return await Citizen.create(
        messenger="bale", user_id=42, chat_id=42, first_name="مریم",
        mobile="09131234567", national_code="0076229645", bill_id="12345670520",
        unplaced="اجاره بلندگو برای عروسی", unplaced_at=clock.now(),
    )  # fmt: skip


async def new_request(citizen: Citizen, code: str, status: RequestStatus) -> ServiceRequest:
    category, _ = await Category.get_or_create(key="meter", defaults={"title": "کنتور"})
    service, _ = await Service.get_or_create(
        code="meter_test",
        defaults={"category": category, "title": "آزمایش", "flow": "apply", "duration_days": 3,
                  "card": {}},
    )  # fmt: skip
    request = await ServiceRequest.create(
        tracking_code=code, citizen=citizen, service=service, status=status,
        national_code=citizen.national_code, mobile=citizen.mobile, bill_id=citizen.bill_id,
        answers={"address": "جیرفت، کوچه ۱۲", "urgent": False}, rating_comment="",
    )  # fmt: skip
    await StatusEvent.create(request=request, status=status, note="مریم، مدرک را بفرستید")
    return request


async def attach(store: DocumentStore, request: ServiceRequest, data: bytes) -> RequestDocument:
    stored = store.save(data)
    return await RequestDocument.create(
        request=request, document_key="id-card", sha256=stored.sha256, path=stored.relative_path,
        mime=stored.mime, size=stored.size, messenger_file_id="f",
    )  # fmt: skip


async def confirm(citizen: Citizen) -> DialogState:
    return await DialogState.begin(
        citizen.messenger, citizen.user_id, citizen.chat_id, FORGET_FLOW, "confirm", {"nonce": "a"}
    )


async def test_forget_keeps_only_anonymous_request_records(citizen, store) -> None:
    open_request = await new_request(citizen, "1", RequestStatus.IN_REVIEW)
    closed = await new_request(citizen, "2", RequestStatus.DONE)
    document = await attach(store, closed, PNG)
    relay = await Relay.create(citizen=citizen, group_chat_id=-1)
    await RelayMessage.create(
        relay=relay, direction=Direction.IN, kind="text", source_chat_id=42, source_message_id=1,
        actor="citizen", preview="متن شهروند",
    )  # fmt: skip
    await FloodWindow.create(messenger="bale", user_id=42, started_at=clock.now(), count=3)
    told: list[tuple[int, list[str], int]] = []

    async def notify(who: Citizen, cancelled: list[ServiceRequest], documents: int) -> None:
        told.append((who.chat_id, [r.tracking_code for r in cancelled], documents))

    result = await forget(await confirm(citizen), citizen.id, store, notify)

    assert told == [(42, ["1"], 1)]  # the citizen's chat, as it was before the erasure
    assert result.files_removed == 1 and not (store.root / document.path).exists()
    assert (await ServiceRequest.get(id=open_request.id)).status == RequestStatus.CANCELLED
    assert await StatusEvent.exists(request_id=open_request.id, actor=FORGET_ACTOR)
    for row in await ServiceRequest.all():
        assert (row.national_code, row.mobile, row.bill_id) == (None, None, None)
        assert row.answers == {"urgent": False}  # the kind of request, not who filed it
        assert row.service_id is not None and row.submitted_at is not None  # type: ignore[attr-defined]
    assert {e.note for e in await StatusEvent.all()} == {""}
    assert not await RequestDocument.exists() and not await RelayMessage.exists()
    assert not await Relay.exists() and not await FloodWindow.exists()
    assert not await DialogState.exists()
    tombstone = await Citizen.get(id=citizen.id)
    assert (tombstone.user_id, tombstone.chat_id, tombstone.first_name) == (-citizen.id, 0, "")
    assert tombstone.blocked_bot and tombstone.national_code is None
    assert tombstone.unplaced is None  # their unmatched words go too
    held = await held_data(tombstone)
    assert held.first_name == "" and held.mobile is None and held.conversations == 0
    assert held.to_json()["last_unmatched_message"] is None


async def test_used_or_replaced_confirm_changes_nothing(citizen, store) -> None:
    request = await new_request(citizen, "1", RequestStatus.SUBMITTED)
    old = await confirm(citizen)
    await confirm(citizen)  # a second /forget replaces the first
    with pytest.raises(StaleDialog):
        await forget(old, citizen.id, store)
    assert (await ServiceRequest.get(id=request.id)).status == RequestStatus.SUBMITTED
    assert (await Citizen.get(id=citizen.id)).national_code == "0076229645"

    current = await DialogState.get(flow=FORGET_FLOW)
    await forget(current, citizen.id, store)
    with pytest.raises(StaleDialog):  # a double tap erases once
        await forget(current, citizen.id, store)


async def test_purge_takes_documents_of_requests_closed_long_enough(citizen, store) -> None:
    old = await new_request(citizen, "1", RequestStatus.IN_REVIEW)
    await old.move_to(RequestStatus.REJECTED, actor="staff")
    old_doc = await attach(store, old, PNG)
    running = await new_request(citizen, "2", RequestStatus.IN_REVIEW)
    running_doc = await attach(store, running, PNG)  # the same bytes: one file on disk

    assert await purge_documents(store, 10, clock.now() + timedelta(days=9)) == 0
    assert await purge_documents(store, 10, clock.now() + timedelta(days=11)) == 1
    assert not await RequestDocument.exists(id=old_doc.id)
    assert await StatusEvent.filter(request_id=old.id, status=PURGED).count() == 1
    event = await StatusEvent.get(request_id=old.id, status=PURGED)
    assert event.delivered_at is not None  # a note in the history, never a notice
    assert (store.root / running_doc.path).exists()  # still named by the open request
    assert await purge_documents(store, 10, clock.now() + timedelta(days=12)) == 0


def _age(store: DocumentStore, relative: str, days: float) -> None:
    """Make a stored file look ``days`` old (its mtime), as a file left by a crash would."""
    then = time.time() - days * 86400
    os.utime(store.root / relative, (then, then))


async def test_files_no_row_names_go_once_a_day_old(citizen, store) -> None:
    """A crash between an erase's commit and its deletions, or the photos of an abandoned
    dialog, leave files no row names: the retention round removes them a day later."""
    request = await new_request(citizen, "1", RequestStatus.IN_REVIEW)
    filed = await attach(store, request, PNG)
    drafted = store.save(PNG + b"draft").relative_path
    await DialogState.create(
        messenger="bale", user_id=42, chat_id=42, flow="apply", step="documents",
        data={"documents": {"id-card": [drafted]}},
    )  # fmt: skip
    orphan = store.save(PNG + b"orphan").relative_path
    fresh = store.save(PNG + b"fresh").relative_path
    for old in (filed.path, drafted, orphan):
        _age(store, old, 2)
    _age(store, fresh, 0.5)

    assert await sweep_orphans(store, clock.now()) == 1
    assert not (store.root / orphan).exists()
    for kept in (filed.path, drafted, fresh):
        assert (store.root / kept).exists(), kept

    _age(store, fresh, 2)
    assert store.save(PNG + b"fresh").relative_path == fresh  # sent again: a new grace
    assert await sweep_orphans(store, clock.now()) == 0
    assert await sweep_orphans(store, clock.now() + timedelta(days=2)) == 1
    assert not (store.root / fresh).exists()
