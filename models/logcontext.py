"""What a log line is about: the update being handled and the request it concerns.

Kept in context variables, so each update's task (python-telegram-bot handles each in its
own task) carries its own, and nothing has to pass them down by hand. ``bot.logs`` adds
them to every record as ``update_id`` and ``tracking_code``; a tracking code is not
personal data (it names a request, not a person), so the JSON lines keep it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["current", "log_context", "note_tracking_code"]

_update_id: ContextVar[int | None] = ContextVar("log_update_id", default=None)
_tracking_code: ContextVar[str | None] = ContextVar("log_tracking_code", default=None)


@contextmanager
def log_context(*, update_id: int | None = None) -> Iterator[None]:
    """Within: log lines name ``update_id``; a tracking code noted inside ends here too."""
    update = _update_id.set(update_id)
    tracking = _tracking_code.set(None)
    try:
        yield
    finally:
        _tracking_code.reset(tracking)
        _update_id.reset(update)


def note_tracking_code(code: str) -> None:
    """From here on in this task (one update's handling), log lines name this request."""
    _tracking_code.set(code)


def current() -> tuple[int | None, str | None]:
    """(update id, tracking code) of the work in hand, None where unknown."""
    return _update_id.get(), _tracking_code.get()
