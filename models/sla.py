"""The SLA clock of a request: its deadline, the pause while documents are awaited, and
what a request owes and is owed under the terms it was filed with.

A request's deadline is set at filing (filing time + the card's working days, on the
working-day calendar). While the request waits for the citizen (``needs_documents``) the
clock is paused: ``paused_at`` holds when the wait began; on return the deadline moves by
the working days waited and ``paused_days`` keeps the total. Remaining working days are
computed from ``deadline`` (and ``paused_at`` while paused), never stored.

The calendar comes from the settings (declared closures): :func:`use_calendar` is called
once by the wiring; without it the plain Iranian calendar is used. Time is
:func:`models.clock.now`.

This module holds no messenger code and no Persian; :mod:`models.request` calls
:func:`on_status_change` inside every status change's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from models import clock
from models.workdays import WorkCalendar

if TYPE_CHECKING:
    from models.catalog import ServiceCard
    from models.request import ServiceRequest

__all__ = [
    "DEFAULT_REMINDER_DAYS",
    "DEFAULT_WAIT_DAYS",
    "WARN_SHARE",
    "Clock",
    "calendar",
    "clock_of",
    "filed_terms",
    "on_status_change",
    "use_calendar",
    "wanted_titles",
]

DEFAULT_WAIT_DAYS = 7
"""Working days the citizen has to send documents asked for before خاتمه."""
DEFAULT_REMINDER_DAYS = 1
"""Working days before the documents' last day that the reminder goes."""
WARN_SHARE = 0.75
"""Share of the promised working days used up at which staff are warned."""
RATE_ASK = "sla.rate.ask"
"""Outbox kind: the 1–5 rating question after «انجام شد» (``ref`` = request id)."""

_calendar = WorkCalendar()
_wait_days = DEFAULT_WAIT_DAYS


def use_calendar(value: WorkCalendar, wait_days: int = DEFAULT_WAIT_DAYS) -> None:
    """Set the working-day calendar (declared closures) and the documents' wait."""
    global _calendar, _wait_days
    _calendar, _wait_days = value, wait_days


def calendar() -> WorkCalendar:
    return _calendar


def wait_days() -> int:
    return _wait_days


def filed_terms(card: ServiceCard) -> dict[str, Any]:
    """The card's terms a request is filed under, stored with it: a later catalog edit
    changes new requests only (the SLA's "valid until a new agreement")."""
    return {
        "title": card.title,
        "duration_days": card.duration_days,
        "documents": [
            {"key": d.key, "title": d.title, "required": d.required} for d in card.documents
        ],
        "cost": card.cost,
    }


def filed_documents(request: ServiceRequest) -> list[dict[str, Any]]:
    """The documents of the terms ``request`` was filed under, the ones staff may ask for
    (the service's card for rows filed before terms were kept; ``service`` loaded)."""
    terms = request.terms or {}
    if terms.get("documents") is not None:
        return list(terms["documents"])
    return [{"key": d.key, "title": d.title} for d in request.service.to_card().documents]


def wanted_titles(request: ServiceRequest) -> list[str]:
    """Titles of the documents asked for in the current wait (the card's and the note)."""
    return [str(item.get("title", "")) for item in request.docs_wanted or []]


@dataclass(frozen=True, slots=True)
class Clock:
    """Where a request stands against its deadline at one moment."""

    deadline: datetime | None
    total_days: int
    remaining_days: int | None  # working days left; negative when late
    paused: bool

    @property
    def late(self) -> bool:
        return self.remaining_days is not None and self.remaining_days < 0

    @property
    def used_share(self) -> float:
        if not self.total_days or self.remaining_days is None:
            return 0.0
        return (self.total_days - self.remaining_days) / self.total_days


def clock_of(request: ServiceRequest, now: datetime | None = None) -> Clock:
    """The request's clock now: paused requests count from the moment the wait began.

    Remaining working days: 0 on the deadline's own day, negative once it has passed
    (−1 the working day after, and so on)."""
    now = now or clock.now()
    terms = request.terms or {}
    total = int(terms.get("duration_days") or 0)
    if request.deadline is None:
        return Clock(None, total, None, request.paused_at is not None)
    at = request.paused_at or now
    if at > request.deadline:
        remaining = -max(_calendar.working_days_between(request.deadline, at), 1)
    else:
        remaining = _calendar.working_days_between(at, request.deadline)
    return Clock(request.deadline, total, remaining, request.paused_at is not None)


def on_status_change(request: ServiceRequest, old: str, new: str) -> list[str]:
    """Pause or resume the clock for a status change; returns the fields it changed.

    Into ``needs_documents``: paused, with the documents' due date. Out of it: the deadline
    moves by the working days waited and the countdown to خاتمه is cancelled."""
    now = clock.now()
    changed: list[str] = []
    if new == "needs_documents" and request.paused_at is None:
        request.paused_at = now
        request.docs_due = _calendar.add_working_days(now, _wait_days)
        request.docs_reminded = False
        changed += ["paused_at", "docs_due", "docs_reminded"]
    elif old == "needs_documents" and new != "needs_documents" and request.paused_at is not None:
        waited = _calendar.working_days_between(request.paused_at, now)
        if request.deadline is not None and waited > 0:
            request.deadline = _calendar.add_working_days(request.deadline, waited)
            changed.append("deadline")
        request.paused_days = (request.paused_days or 0) + max(waited, 0)
        request.paused_at = None
        request.docs_due = None
        changed += ["paused_days", "paused_at", "docs_due"]
    return changed
