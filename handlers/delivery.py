"""What each outbox kind sends: the feature side of the one dispatcher.

A feature that says things on its own writes :class:`~models.outbox.OutboxMessage` rows of
its kinds (in the transaction of their cause) and registers here, with :func:`sender`, the
coroutine that turns one row into messenger calls. The dispatcher (``bot.outbox``) claims
rows, calls the sender and finishes or retries the row from what the sender raised:

* return the id of the (first) message sent, or None;
* raise a ``telegram.error.TelegramError`` as it came: the dispatcher knows which are
  transient (network, 5xx, 429, Bale's "bot limit exceed") and which are final;
* raise :class:`Undeliverable` when the row can never be sent (its subject is gone:
  :func:`subject_of` loads the row a message is about, or raises it);
* raise :class:`Postponed` when it may not go yet (its broadcast is paused).

A sender sends at most one message that can fail after another has gone (its retry would
send the first again): a feature with several messages writes several rows, which the
outbox keeps in order per chat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import telegram
from tortoise.models import Model

from handlers.deps import Deps
from handlers.outgoing import send_text
from models.outbox import OutboxMessage

__all__ = [
    "MESSAGE",
    "SENDERS",
    "Postponed",
    "Sender",
    "Undeliverable",
    "message_payload",
    "sender",
    "subject_of",
]

Sender = Callable[[telegram.Bot, Deps, OutboxMessage], Awaitable[int | None]]
SENDERS: dict[str, Sender] = {}
MESSAGE = "message"
"""The plain kind: a text (and keyboard) rendered when the row was written."""


class Undeliverable(Exception):
    """This row can never be sent; the message says why (for the logs, no personal data)."""


class Postponed(Exception):
    """Not now, and not the row's fault (its broadcast is paused): try again after
    ``after`` seconds without spending an attempt."""

    def __init__(self, reason: str, after: float) -> None:
        super().__init__(reason)
        self.after = after


def sender(kind: str) -> Callable[[Sender], Sender]:
    """Register the sender of ``kind`` (one per kind)."""

    def register(fn: Sender) -> Sender:
        if kind in SENDERS:
            raise ValueError(f"outbox kind {kind!r} registered twice")
        SENDERS[kind] = fn
        return fn

    return register


async def subject_of[M: Model](row: OutboxMessage, model: type[M], *related: str) -> M:
    """The ``model`` row this outbox row is about (its ``ref``), with the rows it points to
    (``related``: foreign keys, ``a__b`` for a chain) joined in the same statement.

    A sender renders from the database at send time, so it shows what is true now; if the
    subject was deleted since the row was written, the row can never be sent.
    """
    query = model.get_or_none(id=row.ref or 0)
    subject = await (query.select_related(*related) if related else query)
    if subject is None:
        raise Undeliverable(f"{model._meta.db_table} {row.ref} gone")
    return subject


def message_payload(text: str, markup: Any = None) -> dict[str, Any]:
    """The payload of a :data:`MESSAGE` row (the keyboard as Bot API JSON)."""
    payload: dict[str, Any] = {"text": text}
    if markup is not None:
        payload["reply_markup"] = markup.to_dict()
    return payload


@sender(MESSAGE)
async def send_plain(bot: telegram.Bot, deps: Deps, row: OutboxMessage) -> int | None:
    return await send_text(bot, row.chat_id, row.payload["text"], row.payload.get("reply_markup"))
