"""The one clock of the bot: every rule that asks "what time is it" asks here.

Deadlines, leases, retry pauses and reminders compare against :func:`now`. Tests move time
with :func:`travel` instead of sleeping until a deadline passes; nothing else sets it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["now", "reset", "travel"]

_offset = timedelta(0)


def now() -> datetime:
    """The current time, timezone-aware (UTC), shifted by :func:`travel` in tests."""
    return datetime.now(UTC) + _offset


def travel(by: timedelta) -> None:
    """Move the clock forward (or back) by ``by``, for this process."""
    global _offset
    _offset += by


def reset() -> None:
    """Back to real time."""
    global _offset
    _offset = timedelta(0)
