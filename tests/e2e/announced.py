"""What the operator group holds of a request's announcement: its details, its document
photos and its status buttons, each counted. The delivery tests assert the counts; the
fault benchmark (``bench/faults.py``) prints how many announcements arrived whole."""

from __future__ import annotations

from collections.abc import Iterable

from bot.standin import BotMessage
from handlers.texts import operator as otexts
from models.digits import to_latin_digits

__all__ = ["announced_parts"]


def announced_parts(messages: Iterable[BotMessage], tracking_code: str) -> dict[str, int]:
    """How many of each part of ``tracking_code``'s announcement ``messages`` hold."""
    parts = {"details": 0, "photo": 0, "status": 0}
    for message in messages:
        text = to_latin_digits(message.text or message.caption or "")
        if tracking_code not in text:
            continue
        if message.kind == "photo":
            parts["photo"] += 1
        elif otexts.BTN_IN_PROGRESS in str(message.inline_buttons):
            parts["status"] += 1
        else:
            parts["details"] += 1
    return parts
