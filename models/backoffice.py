"""The questions back-office tools ask of the requests table: filtered pages, newest first.

Pages are cut by cursor, not offset: a cursor is the id of the last request seen, so rows
filed meanwhile neither shift a page nor appear twice. "Late" is the SLA clock's own rule
(:func:`models.sla.clock_of`): an open request whose deadline passed before now, or before
the moment its clock was paused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import F, Q

from models import clock
from models.request import OPEN_STATUSES, ServiceRequest

__all__ = ["RequestFilter", "late_condition", "page_of_requests"]


@dataclass(frozen=True, slots=True)
class RequestFilter:
    """Every filter optional; all given ones must hold."""

    status: str | None = None
    service: str | None = None  # service code
    messenger: str | None = None
    filed_from: datetime | None = None  # inclusive
    filed_to: datetime | None = None  # exclusive
    late: bool = False
    operator_id: int | None = None  # the messenger user id holding the claim
    tracking_code: str | None = None


def late_condition(now: datetime) -> Q:
    running = Q(paused_at__isnull=True, deadline__lt=now)
    paused = Q(paused_at__isnull=False, deadline__lt=F("paused_at"))
    return Q(status__in=[s.value for s in OPEN_STATUSES]) & Q(running | paused, join_type="OR")


async def page_of_requests(
    where: RequestFilter, *, after: int | None, limit: int
) -> tuple[list[ServiceRequest], int | None]:
    """Up to ``limit`` requests older than id ``after``; and the cursor of the next page."""
    query = ServiceRequest.all()
    if where.status is not None:
        query = query.filter(status=where.status)
    if where.service is not None:
        query = query.filter(service__code=where.service)
    if where.messenger is not None:
        query = query.filter(citizen__messenger=where.messenger)
    if where.filed_from is not None:
        query = query.filter(submitted_at__gte=where.filed_from)
    if where.filed_to is not None:
        query = query.filter(submitted_at__lt=where.filed_to)
    if where.late:
        query = query.filter(late_condition(clock.now()))
    if where.operator_id is not None:
        query = query.filter(claim__operator_id=where.operator_id)
    if where.tracking_code is not None:
        query = query.filter(tracking_code=where.tracking_code)
    if after is not None:
        query = query.filter(id__lt=after)
    rows = await query.order_by("-id").limit(limit + 1).prefetch_related("service", "citizen")
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
