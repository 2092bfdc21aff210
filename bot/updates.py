"""What the inbox reads from an update itself, before and while it is handled.

Whether the Bot API's JSON is readable at all, whose turn it takes (its chat, or its
sender), whether it counts against a citizen's flood limit, whether it is the bare
offset-only update polling hands PTB. Nothing here touches the database or a messenger:
:mod:`bot.inbox` decides with these answers.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import Bot, Update

from handlers.guards import from_no_citizen

__all__ = [
    "chat_column",
    "chat_key",
    "flood_key",
    "has_id",
    "is_empty",
    "parse_update",
    "sanitised",
    "update_id_of",
]

log = logging.getLogger(__name__)


def _clean(value: Any) -> Any:
    """``value`` with lone surrogates (which no UTF-8 text, database or messenger takes)
    replaced by U+FFFD; the Bot API's JSON can carry them as escapes."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def sanitised(raw: dict[str, Any]) -> dict[str, Any]:
    """The update as valid Unicode throughout (a cheap check first: almost all are)."""
    try:
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return _clean(raw)
    return raw


def chat_key(update: object) -> object:
    """What must stay in order: one chat (or one user, for updates without a chat)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return None


def chat_column(key: object) -> int | None:
    """The :func:`chat_key` as the inbox stores it (``inbound_update.chat``).

    A private chat's id is its user's id, so the number alone keeps the two kinds apart
    well enough: at worst a user's chatless update waits for their own chat's."""
    return key[1] if isinstance(key, tuple) else None


def update_id_of(update: object) -> int | None:
    """The update's id, for the log context; None for whatever else PTB processes."""
    return update.update_id if isinstance(update, Update) else None


_CONTENT = tuple(
    name for name in Update.__slots__ if not name.startswith("_") and name != "update_id"
)
"""Every field an update can carry besides its id (unknown future ones land in api_kwargs)."""


def is_empty(update: object) -> bool:
    """An update that carries nothing but its id: what polling hands PTB to move the
    offset past a batch it has queued itself (``bot.inbox``).

    Looked up field by field: ``to_dict()`` rebuilt the whole update (half a millisecond
    for a message) for every update processed."""
    return (
        isinstance(update, Update)
        and not update.api_kwargs
        and all(getattr(update, name) is None for name in _CONTENT)
    )


def has_id(raw: dict[str, Any]) -> bool:
    """Whether the raw update has an integer ``update_id`` (JSON's true is not one)."""
    update_id = raw.get("update_id")
    return isinstance(update_id, int) and not isinstance(update_id, bool)


def parse_update(messenger: str, raw: Any, bot: Bot | None) -> Update | None:
    """The update PTB makes of ``raw`` (bound to ``bot``), or None when it cannot."""
    if not isinstance(raw, dict) or not has_id(raw):
        log.warning("%s: an update without an update_id skipped", messenger)
        return None
    update_id = raw["update_id"]
    try:
        return Update.de_json(raw, bot)
    except Exception as exc:  # whatever the library raises on a shape it does not know
        log.warning(
            "%s: unreadable update %s skipped (%s)", messenger, update_id, type(exc).__name__
        )
        return None


def flood_key(update: Update) -> tuple[int, str | None] | None:
    """(user, album) when the update counts against a citizen's flood limit: whatever a
    user does in a private chat (messages, presses, edits); the photos of one album once.

    Not a channel's post, a business account's or a guest message, whatever chat it names
    (``handlers.guards.NOT_CITIZENS``): its sender never wrote to the bot and it is never
    answered, so it must neither use up their limit nor carry a slow-down notice to them
    (``bot.inbox``)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != chat.PRIVATE:
        return None
    if from_no_citizen(update):
        return None
    message = update.effective_message
    return user.id, message.media_group_id if message is not None else None
