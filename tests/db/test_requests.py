"""A request moves only along TRANSITIONS, and every move queues exactly one notice."""

from __future__ import annotations

import pytest
from tortoise.context import TortoiseContext
from tortoise.exceptions import ValidationError

from models.citizen import Citizen
from models.request import (
    OPEN_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    RequestStatus,
    ServiceRequest,
    StatusEvent,
)
from models.service import Category, Service

FINAL_STATUSES = [s for s in RequestStatus if s not in OPEN_STATUSES]


@pytest.fixture
async def request_row(db: TortoiseContext) -> ServiceRequest:
    category = await Category.create(key="meter", title="کنتور")
    service = await Service.create(
        code="meter_test", category=category, title="آزمایش کنتور", flow="apply",
        duration_days=3, card={},
    )  # fmt: skip
    citizen = await Citizen.create(messenger="telegram", user_id=42, chat_id=42)
    return await ServiceRequest.create(tracking_code="T-1", citizen=citizen, service=service)


async def _stored(request: ServiceRequest) -> tuple[str, list[tuple[str, str, str]]]:
    row = await ServiceRequest.get(id=request.id)
    events = await StatusEvent.filter(request_id=request.id).order_by("id")
    return row.status, [(e.status, e.actor, e.note) for e in events]


async def test_move_writes_status_and_one_undelivered_event(request_row: ServiceRequest) -> None:
    event = await request_row.move_to(
        RequestStatus.NEEDS_DOCUMENTS, actor="operator:7", note="کپی کارت ملی را بفرستید"
    )

    assert await _stored(request_row) == (
        RequestStatus.NEEDS_DOCUMENTS,
        [("needs_documents", "operator:7", "کپی کارت ملی را بفرستید")],
    )
    assert event.delivered_at is None
    assert await StatusEvent.filter(delivered_at__isnull=True).count() == 1
    assert request_row.status == RequestStatus.NEEDS_DOCUMENTS
    assert request_row.closed_at is None


async def test_final_move_stamps_closed_at(request_row: ServiceRequest) -> None:
    await request_row.move_to(RequestStatus.IN_PROGRESS, actor="operator:7")
    await request_row.move_to(RequestStatus.DONE, actor="operator:7")

    row = await ServiceRequest.get(id=request_row.id)
    assert row.status == RequestStatus.DONE
    assert row.closed_at is not None
    assert [s for s, _, _ in (await _stored(request_row))[1]] == ["in_progress", "done"]


async def test_illegal_move_is_refused_and_writes_nothing(request_row: ServiceRequest) -> None:
    assert RequestStatus.CLOSED not in TRANSITIONS[RequestStatus.SUBMITTED]
    with pytest.raises(IllegalTransition):
        await request_row.move_to(RequestStatus.CLOSED, actor="operator:7")

    assert await _stored(request_row) == (RequestStatus.SUBMITTED, [])


async def test_move_judged_on_stored_status_not_a_stale_copy(
    request_row: ServiceRequest,
) -> None:
    """An operator's button on an old message must not revive a cancelled request."""
    stale = await ServiceRequest.get(id=request_row.id)
    await request_row.move_to(RequestStatus.CANCELLED, actor="citizen")

    with pytest.raises(IllegalTransition):
        await stale.move_to(RequestStatus.IN_REVIEW, actor="operator:7")

    assert await _stored(request_row) == (RequestStatus.CANCELLED, [("cancelled", "citizen", "")])


async def test_failed_event_rolls_back_the_status(request_row: ServiceRequest) -> None:
    """Status and notice are one transaction: no status change without its notice."""
    with pytest.raises(ValidationError):
        await request_row.move_to(RequestStatus.IN_REVIEW, actor="x" * 65)  # actor max 64

    assert await _stored(request_row) == (RequestStatus.SUBMITTED, [])


@pytest.mark.parametrize("final", FINAL_STATUSES, ids=str)
async def test_final_states_have_no_moves(
    request_row: ServiceRequest, final: RequestStatus
) -> None:
    assert TRANSITIONS[final] == frozenset()
    await ServiceRequest.filter(id=request_row.id).update(status=final)

    for target in RequestStatus:
        with pytest.raises(IllegalTransition):
            await request_row.move_to(target, actor="operator:7")

    assert await _stored(request_row) == (final, [])
