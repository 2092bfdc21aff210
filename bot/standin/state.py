"""What the stand-in remembers: chats, users, messages both ways, callbacks, files.

The state is plain data plus small helpers and knows nothing of HTTP, so both the
server (bot side) and :class:`~bot.standin.person.Person` (person side) change it the
same way, and tests can inspect it directly.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.standin.files import FileStore, StoredFile


@dataclass
class BotMessage:
    """One message the bot sent, as the person sees it now (edits applied in place).

    An album (``sendMediaGroup``) is ONE ``BotMessage`` of kind ``"media_group"`` whose
    ``media`` lists every item and whose ``message_ids`` holds each item's id, because
    a person sees (and tests reason about) an album as one thing.
    """

    chat_id: int
    message_id: int
    text: str | None
    kind: str
    reply_markup: dict[str, Any] | None = None
    media: list[tuple[str, bytes | str]] = field(default_factory=list)
    media_group_id: str | None = None
    edits: list[str | None] = field(default_factory=list)
    date: int = 0
    parse_mode: str | None = None
    source_text: str | None = None  # text/caption before parse_mode was applied
    reply_to_message_id: int | None = None
    message_ids: list[int] = field(default_factory=list)
    files: list[StoredFile] = field(default_factory=list, repr=False)
    forwarded: bool = False
    deleted: bool = False
    version: int = 0  # 0 as sent; +1 for every edit (text, caption or markup)
    edit_seq: int = field(default=0, repr=False)  # stand-in wide order of the last edit
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def inline_buttons(self) -> list[list[tuple[str, str | None]]]:
        """Rows of ``(text, callback_data)``; ``callback_data`` is None for URL buttons."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[(b.get("text", ""), b.get("callback_data")) for b in row] for row in rows]

    @property
    def reply_buttons(self) -> list[list[str]]:
        """Rows of reply-keyboard button texts."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]

    @property
    def removes_keyboard(self) -> bool:
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    def inline_button(self, text: str) -> dict[str, Any] | None:
        """The raw inline button labelled ``text``, if this message has one."""
        for row in (self.reply_markup or {}).get("inline_keyboard") or []:
            for button in row:
                if button.get("text") == text:
                    return button
        return None

    def reply_button(self, text: str) -> dict[str, Any] | None:
        """The raw reply-keyboard button labelled ``text`` (as a dict), if any."""
        for row in (self.reply_markup or {}).get("keyboard") or []:
            for button in row:
                button_dict = {"text": button} if isinstance(button, str) else button
                if button_dict.get("text") == text:
                    return button_dict
        return None

    def file_bytes(self, index: int = 0) -> bytes:
        """Bytes of the ``index``-th media item (raises if sent by URL only)."""
        payload = self.media[index][1]
        if not isinstance(payload, bytes):
            raise ValueError(f"media item {index} was sent by URL/file_id {payload!r}")
        return payload

    def describe(self) -> str:
        """One line for error messages and the terminal phone."""
        text = (self.text or "").replace("\n", " ⏎ ")
        if len(text) > 60:
            text = text[:57] + "..."
        extra = f" [{len(self.media)} media]" if self.media else ""
        labels = [t for row in self.inline_buttons for t, _ in row]
        labels += [t for row in self.reply_buttons for t in row]
        keys = f" buttons={labels}" if labels else ""
        return f"#{self.message_id} {self.kind}{extra}: {text!r}{keys}"


@dataclass(frozen=True)
class CallbackAnswer:
    """One ``answerCallbackQuery`` call."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    user_id: int | None
    chat_id: int | None
    data: str | None


@dataclass(frozen=True)
class ApiCall:
    """One bot request as the stand-in saw it (for assertions and debugging)."""

    method: str
    params: dict[str, Any]
    status: int
    at: float
    error: str | None = None  # the error description when status != 200


class StandInState:
    """Chats, users, messages, callback queries, commands, files."""

    def __init__(self, bot_user: dict[str, Any], clock: Callable[[], float] = time.time) -> None:
        self.bot_user = bot_user
        self.clock = clock
        self.files = FileStore()
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.raw: dict[tuple[int, int], dict[str, Any]] = {}
        self.bot_messages: dict[int, list[BotMessage]] = {}
        self.bot_index: dict[tuple[int, int], BotMessage] = {}
        self.all_bot_messages: list[BotMessage] = []
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.blocked: set[int] = set()
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._ids = itertools.count(1)
        self.edit_seq = 0

    def now(self) -> int:
        return int(self.clock())

    def unique(self, prefix: str = "") -> str:
        """A process-unique id (callback query ids, media group ids)."""
        return f"{prefix}{next(self._ids)}{int(self.clock() * 1000) % 100000:05d}"

    def user(self, user_id: int, **fields: Any) -> dict[str, Any]:
        user = self.users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
            self.users[user_id] = user
        user.update({k: v for k, v in fields.items() if v is not None})
        chat = self.chats.get(user_id)
        if chat is not None:  # the private chat shows the user's current names
            chat.update({k: user[k] for k in ("first_name", "last_name", "username") if k in user})
        return user

    def chat(self, chat_id: int, title: str | None = None) -> dict[str, Any]:
        """The Chat object of ``chat_id``; created on first use (private if > 0)."""
        chat = self.chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                user = self.user(chat_id)
                chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
                for key in ("last_name", "username"):
                    if key in user:
                        chat[key] = user[key]
            else:
                kind = "supergroup" if str(chat_id).startswith("-100") else "group"
                chat = {"id": chat_id, "type": kind, "title": title or f"Group {chat_id}"}
            self.chats[chat_id] = chat
        elif title and chat["type"] != "private":
            chat["title"] = title
        return chat

    def chat_by_username(self, username: str) -> int | None:
        for chat_id, chat in self.chats.items():
            if chat.get("username", "").lower() == username.lower():
                return chat_id
        return None

    def next_message_id(self, chat_id: int) -> int:
        """Message ids are per chat and shared by both sides, as in Telegram."""
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def new_message(self, chat_id: int, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        """Allocate and store a Message dict (either direction)."""
        message_id = self.next_message_id(chat_id)
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": self.chat(chat_id),
            "date": self.now(),
            **{k: v for k, v in content.items() if v is not None},
        }
        self.raw[(chat_id, message_id)] = message
        return message

    def add_bot_message(self, message: BotMessage) -> None:
        self.bot_messages.setdefault(message.chat_id, []).append(message)
        for message_id in message.message_ids or [message.message_id]:
            self.bot_index[(message.chat_id, message_id)] = message
        self.all_bot_messages.append(message)

    def messages_in(self, chat_id: int) -> list[BotMessage]:
        """The live list of the bot's messages in ``chat_id`` (do not mutate)."""
        return self.bot_messages.setdefault(chat_id, [])


def scope_key(scope: dict[str, Any] | None) -> str:
    """A hashable key for a BotCommandScope (commands are stored per scope+language)."""
    if not scope or scope.get("type") == "default":
        return "default"
    return ",".join(f"{k}={scope[k]}" for k in sorted(scope))
