"""What the handlers need from the application, as plain values.

``bot.app`` builds one :class:`Deps` per messenger and puts it in ``bot_data``; handlers
read it through :func:`deps`. Keeping it here (not in ``bot``) keeps imports pointing
inward: handlers never import the wiring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING

from models.flood import Verdict
from models.sla import DEFAULT_REMINDER_DAYS

if TYPE_CHECKING:
    from telegram.ext import CallbackContext

    from models.storage import DocumentStore
    from models.workdays import WorkCalendar
    from nlp import IntentMatcher

__all__ = ["Deps", "deps"]

KEY = "skedbot"


def _no_workers() -> None:
    """Until ``bot.runtime`` starts the workers there is nothing to wake."""


@dataclass(slots=True)
class Deps:
    messenger: str  # "telegram" or "bale": half of every citizen's key
    operator_chat_id: int | None
    admin_ids: frozenset[int]
    matcher: IntentMatcher | None
    store: DocumentStore
    calendar: WorkCalendar
    max_text_length: int = 2000
    flood_limit: int = 30
    dialog_timeout_minutes: int = 120
    dialog_reminder_minutes: int = 60
    operator_ids: frozenset[int] = frozenset()  # may press status buttons (admins included)
    wake_workers: Callable[[], None] = _no_workers
    """The outbox sends what was just owed now, not at its next round (``bot.runtime``)."""
    inbox_owner: str = ""
    """This worker's name in the inbox of updates (``bot.inbox``)."""
    rate_limit_markers: tuple[str, ...] = ()
    """Texts of this messenger's "slow down" errors (Bale's is an HTTP 400)."""

    office_hours: tuple[time, time] = (time(7), time(14, 30))
    """Staff office hours on working days, Tehran time (``SKEDBOT_OFFICE_HOURS``)."""
    documents_reminder_days: int = DEFAULT_REMINDER_DAYS
    """Working days before the documents' last day when the citizen is reminded."""
    digest_hour: int = 8
    """Hour (Tehran) of the staff's daily digest on working days; 24 means none."""
    broadcast_progress_seconds: float = 5.0
    """Seconds between edits of a running broadcast's progress message."""
    outage_evening_hour: int = 20
    """Hour (Tehran) of the evening-before notice of a planned outage."""
    outage_soon_minutes: int = 60
    """Minutes before a planned outage of the second notice."""
    incident_window_minutes: int = 30
    """Outage reports of one area within this window join one incident."""
    matcher_version: int = 0
    """The tags' version the ``matcher`` was built with (``bot.learning`` rebuilds on change)."""
    document_retention_days: int = 90
    """Days a closed request's documents are kept (``bot.privacy_jobs``); 0 = forever."""
    arrivals: dict[int, Verdict] = field(default_factory=dict)
    """Flood verdicts taken when updates arrived (``bot.inbox``), by ``update_id``, until
    they are handled: the guard says "slow down" for the one that went over."""

    def is_operator(self, user_id: int) -> bool:
        """May press the desk's buttons and use its commands (admins included)."""
        return user_id in self.operator_ids

    def is_rate_limit(self, message: str) -> bool:
        """True when an API error text means "slow down" on this messenger."""
        lowered = message.lower()
        return any(marker in lowered for marker in self.rate_limit_markers)


def deps(context: CallbackContext) -> Deps:  # type: ignore[type-arg]
    return context.application.bot_data[KEY]
