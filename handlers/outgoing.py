"""Sending and editing texts without rebuilding the answer as python-telegram-bot objects.

``Bot.send_message`` turns the Bot API's answer into a ``telegram.Message``: the chat, the
sender, the text, its entities and the whole keyboard again, as PTB objects. Every caller
here throws that away or keeps only the message's id. Measured on this machine (a reply
with a six-button keyboard, the HTTP call itself left out): 205 µs of CPU through
``send_message``, 68 µs without the answer's parse; a bot process spends ~2.6 ms of CPU on
an update, so the parse alone was ~5% of it.

Both functions post through ``Bot._post``, the method every one of PTB's Bot API calls
ends in, so nothing else changes: the keyboard is serialised as PTB does it, the send
budget (``bot.ratebudget``, PTB's rate limiter) is spent and retried as before, and a
refusal raises the same ``TelegramError``. ``_post`` is protected, not public; PTB is
pinned to one version in ``pyproject.toml``, and the suite sends through these functions
to the Bot API stand-in, so a change of it fails the tests rather than the citizens.

Anything else (media, copies, replies quoting a message, the staff's tools that read the
sent message back) uses PTB's methods as they are.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, TelegramObject

__all__ = ["NOT_MODIFIED", "STALE_QUERY", "Markup", "edit_text", "send_text"]

NOT_MODIFIED = "message is not modified"
"""The messenger's refusal of an edit that changes nothing (lowercase, as matched)."""
STALE_QUERY = "query is too old"
"""The messenger's refusal to answer a button press: too old, or answered already."""

Markup = TelegramObject | dict[str, Any] | None
"""A keyboard: PTB's object, or already as Bot API JSON (an outbox row's payload)."""


async def send_text(bot: Bot, chat_id: int, text: str, reply_markup: Markup = None) -> int:
    """Send ``text`` (with its keyboard) to ``chat_id``; the new message's id."""
    data = {"chat_id": chat_id, "text": text, "reply_markup": reply_markup}
    answer = await bot._post("sendMessage", data)  # None values are dropped by _post
    return int(answer["message_id"])


async def edit_text(
    bot: Bot, chat_id: int, message_id: int, text: str, reply_markup: Markup = None
) -> None:
    """Replace the text (and keyboard) of message ``message_id`` in ``chat_id``."""
    data = {
        "chat_id": chat_id,
        "message_id": message_id,
        "text": text,
        "reply_markup": reply_markup,
    }
    await bot._post("editMessageText", data)  # None values are dropped by _post
