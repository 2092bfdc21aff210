"""The person side: a user's phone, driven from Python.

A :class:`Person` queues the updates a real client would cause (text, commands,
photos, albums, contacts, button presses...) and waits for the bot's answers. The
``wait_for_*`` helpers fail with the chat's actual recent content and the bot's
recent failed API calls, because "timed out" alone makes a failing test a puzzle.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from bot.standin.errors import ButtonNotFoundError
from bot.standin.files import file_object
from bot.standin.state import BotMessage

if TYPE_CHECKING:
    from bot.standin.core import BotApiStandIn

# Tiny but well-formed-looking payloads for media whose content tests rarely care about.
_STICKER = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"  # noqa: E501
_VOICE = b"OggS\x00\x02" + bytes(58)
_VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(32)
_KERMAN = (30.2839, 57.0834)


class Person:
    """One user in one chat (private, or a group when ``chat_id`` < 0)."""

    def __init__(self, standin: BotApiStandIn, user_id: int, chat_id: int) -> None:
        self.standin = standin
        self.user_id = user_id
        self.chat_id = chat_id
        self.phone_number: str | None = None
        self.location: tuple[float, float] = _KERMAN
        self._seen = 0
        self._edit_mark = 0

    def __repr__(self) -> str:
        return f"Person({self.user_id}, {self.user['first_name']!r}, chat={self.chat_id})"

    @property
    def user(self) -> dict[str, Any]:
        return self.standin.state.users[self.user_id]

    @property
    def inbox(self) -> list[BotMessage]:
        """Bot messages in this chat, oldest first (edits applied in place)."""
        return self.standin.messages(self.chat_id)

    @property
    def last_message(self) -> BotMessage | None:
        return self.standin.last_message(self.chat_id)

    @property
    def reply_keyboard(self) -> BotMessage | None:
        """The bot message whose reply keyboard is currently shown, if any."""
        for message in reversed(self.standin.state.messages_in(self.chat_id)):
            markup = message.reply_markup or {}
            if "keyboard" in markup:
                return message
            if markup.get("remove_keyboard"):
                return None
        return None

    # ---------------------------------------------------------------- sending
    async def send_text(self, text: str, *, reply_to: int | BotMessage | None = None) -> dict:
        """A text message; a leading ``/command`` gets its bot_command entity like a client."""
        entities = None
        if text.startswith("/") and len(text) > 1:
            length = len(text.split(maxsplit=1)[0])
            entities = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self._send(text=text, entities=entities, reply_to=reply_to)

    async def send_command(self, command: str, args: str = "") -> dict:
        """``/command [args]`` (the leading slash is optional here)."""
        command = command if command.startswith("/") else "/" + command
        return await self.send_text(f"{command} {args}".strip())

    async def send_photo(
        self,
        data: bytes,
        caption: str | None = None,
        *,
        reply_to: int | BotMessage | None = None,
        media_group_id: str | None = None,
    ) -> dict:
        """A photo; its sizes get file_ids the bot can getFile and download."""
        sizes = self.standin.state.files.add_photo(data)
        return await self._send(
            photo=[file_object(s) for s in sizes],
            caption=caption,
            reply_to=reply_to,
            media_group_id=media_group_id,
        )

    async def send_document(
        self,
        data: bytes,
        filename: str = "file.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        *,
        reply_to: int | BotMessage | None = None,
        media_group_id: str | None = None,
    ) -> dict:
        stored = self.standin.state.files.add(
            "document", data, filename=filename, mime_type=mime_type
        )
        return await self._send(
            document=file_object(stored),
            caption=caption,
            reply_to=reply_to,
            media_group_id=media_group_id,
        )

    async def send_album(self, photos: list[bytes], caption: str | None = None) -> list[dict]:
        """Several photos sharing one media_group_id, as consecutive updates."""
        group_id = self.standin.state.unique("album")
        return [
            await self.send_photo(data, caption if i == 0 else None, media_group_id=group_id)
            for i, data in enumerate(photos)
        ]

    async def send_contact(
        self,
        phone_number: str = "09123456789",
        own: bool = True,
        first_name: str | None = None,
    ) -> dict:
        """A shared contact; ``own=True`` is the person's own (``user_id`` = sender)."""
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or (self.user["first_name"] if own else "مخاطب"),
        }
        if own:
            contact["user_id"] = self.user_id
            if "last_name" in self.user:
                contact["last_name"] = self.user["last_name"]
        return await self._send(contact=contact)

    async def send_location(self, latitude: float, longitude: float) -> dict:
        return await self._send(location={"latitude": latitude, "longitude": longitude})

    async def send_sticker(self, emoji: str = "👍", data: bytes | None = None) -> dict:
        stored = self.standin.state.files.add(
            "sticker", data or _STICKER, width=512, height=512, mime_type="image/webp"
        )
        stored.extra["emoji"] = emoji
        return await self._send(sticker=file_object(stored))

    async def send_voice(
        self,
        data: bytes | None = None,
        duration: int = 2,
        *,
        reply_to: int | BotMessage | None = None,
    ) -> dict:
        stored = self.standin.state.files.add("voice", data or _VOICE, mime_type="audio/ogg")
        stored.extra["duration"] = duration
        return await self._send(voice=file_object(stored), reply_to=reply_to)

    async def send_video(
        self, data: bytes | None = None, caption: str | None = None, duration: int = 3
    ) -> dict:
        stored = self.standin.state.files.add(
            "video", data or _VIDEO, mime_type="video/mp4", width=640, height=360
        )
        stored.extra["duration"] = duration
        return await self._send(video=file_object(stored), caption=caption)

    async def send_animation(self, data: bytes | None = None, caption: str | None = None) -> dict:
        stored = self.standin.state.files.add(
            "animation",
            data or _VIDEO,
            filename="animation.mp4",
            mime_type="video/mp4",
            width=320,
            height=240,
        )
        obj = file_object(stored)
        return await self._send(animation=obj, document=obj, caption=caption)

    async def forward_text(
        self,
        text: str,
        from_user_id: int | None = None,
        from_first_name: str = "کاربر",
    ) -> dict:
        """A text forwarded from another user; ``from_user_id=None`` = hidden sender."""
        if from_user_id is None:
            origin = {"type": "hidden_user", "sender_user_name": from_first_name}
        else:
            sender = self.standin.state.user(from_user_id, first_name=from_first_name)
            origin = {"type": "user", "sender_user": dict(sender)}
        origin["date"] = self.standin.state.now() - 60
        return await self._send(text=text, forward_origin=origin)

    async def edit_text(self, sent: dict, text: str) -> dict:
        """Edit a message this person sent earlier (``sent`` is the update its send
        returned): the message changes in place and the bot gets an ``edited_message``."""
        original = sent.get("message") or sent.get("edited_message") or {}
        key = (self.chat_id, original.get("message_id"))
        state = self.standin.state
        message = state.raw.get(key)
        if message is None or message.get("from", {}).get("id") != self.user_id:
            raise ValueError(f"no message of {self!r} #{key[1]} to edit")
        message["text"] = text
        message["edit_date"] = state.now()
        update = {
            "update_id": self.standin.updates.next_id(),
            "edited_message": copy.deepcopy(message),
        }
        self._mark()
        self.standin.inject_update(update)
        return update

    # --------------------------------------------------------------- buttons
    async def press(self, button_text: str) -> dict:
        """Press a button: the newest bot message's inline button with this label, else
        the shown reply keyboard's button (sent as text, or contact/location if it
        requests one). Raises :class:`ButtonNotFoundError` listing what is on screen."""
        for message in reversed(self.standin.state.messages_in(self.chat_id)):
            if message.deleted:
                continue
            button = message.inline_button(button_text)
            if button is None:
                continue
            if "callback_data" not in button:
                raise ButtonNotFoundError(
                    f"{button_text!r} on #{message.message_id} is not a callback button: {button}"
                )
            return await self._callback(button["callback_data"], message.message_id)
        keyboard = self.reply_keyboard
        button = keyboard.reply_button(button_text) if keyboard else None
        if button is not None:
            if button.get("request_contact"):
                phone = self.phone_number or f"0912{self.user_id % 10_000_000:07d}"
                return await self.send_contact(phone, own=True)
            if button.get("request_location"):
                return await self.send_location(*self.location)
            return await self.send_text(button_text)
        raise ButtonNotFoundError(
            f"no button {button_text!r} in chat {self.chat_id}. On screen: {self._screen()}"
        )

    async def press_data(self, callback_data: str, message_id: int | None = None) -> dict:
        """A callback query with arbitrary (forged, stale) data on ``message_id`` (default:
        the newest bot message); an unknown id comes as an inaccessible message."""
        if message_id is None:
            last = self.last_message
            message_id = last.message_id if last else 0
        return await self._callback(callback_data, message_id)

    # --------------------------------------------------------------- waiting
    async def wait_for_reply(self, timeout: float = 5.0, count: int = 1) -> list[BotMessage]:
        """The next ``count`` bot messages in this chat since the person's last send
        (successive calls continue where the previous one stopped)."""
        messages = self.standin.state.messages_in(self.chat_id)
        try:
            await self.standin.wait_until(lambda: len(messages) - self._seen >= count, timeout)
        except TimeoutError:
            new = messages[self._seen :]
            raise TimeoutError(
                f"{self!r} waited {timeout}s for {count} new bot message(s) but got "
                f"{len(new)}: {[m.describe() for m in new]}.{self._diagnostics()}"
            ) from None
        new = messages[self._seen : self._seen + count]
        self._seen += count
        return new

    async def wait_for_edit(
        self, message: BotMessage | int | None = None, timeout: float = 5.0
    ) -> BotMessage:
        """Wait until ``message`` (default: any bot message in this chat) is edited or
        deleted after the person's last action; returns it."""
        wanted = message.message_id if isinstance(message, BotMessage) else message
        mark = self._edit_mark

        def edited() -> BotMessage | None:
            for m in reversed(self.standin.state.messages_in(self.chat_id)):
                if (wanted is None or wanted in m.message_ids) and m.edit_seq > mark:
                    return m
            return None

        try:
            await self.standin.wait_until(lambda: edited() is not None, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"{self!r} waited {timeout}s for an edit of "
                f"{'any message' if wanted is None else f'#{wanted}'}.{self._diagnostics()}"
            ) from None
        self._edit_mark = self.standin.state.edit_seq
        result = edited()
        assert result is not None
        return result

    # ------------------------------------------------------------ blocking
    async def block(self) -> dict:
        """Block the bot: its sends here fail with 403; a my_chat_member update is sent."""
        self.standin.state.blocked.add(self.chat_id)
        return self._member_update("member", "kicked")

    async def unblock(self) -> dict:
        self.standin.state.blocked.discard(self.chat_id)
        return self._member_update("kicked", "member")

    # ------------------------------------------------------------- internals
    def _mark(self) -> None:
        self._seen = len(self.standin.state.messages_in(self.chat_id))
        self._edit_mark = self.standin.state.edit_seq

    async def _send(self, *, reply_to: int | BotMessage | None = None, **content: Any) -> dict:
        state = self.standin.state
        if reply_to is not None:
            reply_id = reply_to.message_id if isinstance(reply_to, BotMessage) else reply_to
            target = state.raw.get((self.chat_id, reply_id))
            if target is None:
                raise ValueError(f"no message #{reply_id} in chat {self.chat_id} to reply to")
            content["reply_to_message"] = {
                k: v for k, v in copy.deepcopy(target).items() if k != "reply_to_message"
            }
        message = state.new_message(self.chat_id, self.user, **content)
        update = {"update_id": self.standin.updates.next_id(), "message": message}
        self._mark()
        self.standin.inject_update(update)
        return update

    async def _callback(self, data: str, message_id: int) -> dict:
        state = self.standin.state
        raw = state.raw.get((self.chat_id, message_id))
        message = (
            copy.deepcopy(raw)
            if raw
            else {
                "chat": state.chat(self.chat_id),
                "message_id": message_id,
                "date": 0,
            }
        )
        query_id = state.unique("cq")
        state.callback_queries[query_id] = {
            "answered": False,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "data": data,
        }
        query = {
            "id": query_id,
            "from": self.user,
            "message": message,
            "chat_instance": str(abs(self.chat_id) * 7919 % 10**12),
            "data": data,
        }
        self._mark()
        return self.standin.inject_update({"callback_query": query})

    def _member_update(self, old: str, new: str) -> dict:
        state = self.standin.state
        member = {
            "chat": state.chat(self.chat_id),
            "from": self.user,
            "date": state.now(),
            "old_chat_member": {"status": old, "user": self.standin.bot_user},
            "new_chat_member": {
                "status": new,
                "user": self.standin.bot_user,
                **({"until_date": 0} if new == "kicked" else {}),
            },
        }
        return self.standin.inject_update({"my_chat_member": member})

    def _screen(self) -> str:
        recent = self.standin.state.messages_in(self.chat_id)[-3:]
        return "; ".join(m.describe() for m in recent) or "(no bot messages)"

    def _diagnostics(self) -> str:
        failed = [c for c in self.standin.calls[-50:] if c.status != 200][-5:]
        text = f" Last bot messages here: {self._screen()}."
        if failed:
            text += " Recent failed Bot API calls: " + "; ".join(
                f"{c.method} -> {c.status} {c.error}" for c in failed
            )
        return text
