"""``skedbot local``: the whole bot in one terminal, the terminal being the citizen's phone.

No token, no account, no server: the bot runs on the settings' database (SQLite by
default, migrated and seeded here) against the built-in Bot API stand-in, through the same
python-telegram-bot HTTP stack as in production. Lines typed (or piped) in are what the
citizen sends; every bot message is printed as it arrives, edits and the operator group's
messages included, and buttons are pressed by typing their number.

After each input line the phone waits until the bot is idle (no bot activity for
``IDLE_SECONDS``, at most ``MAX_WAIT_SECONDS``) before reading the next one, so a piped
session (``printf '/start\\n2\\n' | skedbot local``) prints the same transcript every time.

The terminal's own captions (for what a phone would draw: a photo, a keyboard) and the
layout of a bot message are in :mod:`bot.localscreen`.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.db import close_db, describe, prepare_database
from bot.localscreen import (
    ALERT,
    BANNER,
    BOT,
    BYE,
    CHOICES,
    DELETED,
    NO_OPERATOR_BUTTON,
    NO_SUCH_FILE,
    OPERATOR_GROUP,
    TOAST,
    URL_BUTTON,
    USAGE,
    render,
)
from bot.messengers import messenger as messenger_profile
from bot.settings import Settings
from bot.standin import BotApiStandIn, BotMessage, Person
from models.digits import to_latin_digits, to_persian_digits

__all__ = ["TerminalPhone", "run_local"]

LOCAL_TOKEN = "100000:LOCAL-TERMINAL"
DEFAULT_OPERATOR_CHAT = -100123
DEFAULT_PHONE = "09120000000"
IDLE_SECONDS = 0.4
MAX_WAIT_SECONDS = 5.0
_TICK = 0.05


@dataclass(frozen=True, slots=True)
class Choice:
    """One numbered button the citizen can press by typing its number."""

    label: str
    press: Callable[[], Awaitable[object]]
    url: str | None = None
    message_id: int | None = None  # the message an inline button belongs to


class TerminalPhone:
    """Prints what the bot sends to the citizen (and to the operator group) and turns
    typed lines into the citizen's updates."""

    def __init__(
        self, standin: BotApiStandIn, citizen: Person, operator: Person, out: TextIO
    ) -> None:
        self.standin = standin
        self.citizen = citizen
        self.operator = operator
        self.out = out
        self._shown: dict[tuple[int, int], int] = {}  # message → version printed
        self._calls_seen = 0
        self._answers_seen = 0
        self._last_activity = 0.0
        self._last_choices: list[str] = []
        self._typed_after = 0  # the bot's last message id at the citizen's last action
        self._pressed: int | None = None  # the message whose inline button was pressed last
        standin.on_message(self._on_message)

    # ------------------------------------------------------------------ output
    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _on_message(self, message: BotMessage) -> None:
        self._touch()
        if message.chat_id not in (self.citizen.chat_id, self.operator.chat_id):
            return
        key = (message.chat_id, message.message_id)
        if message.deleted:
            self._print(f"{self._prefix(message)} {DELETED} #{message.message_id}")
            return
        if self._shown.get(key) == message.version:
            return
        edited = key in self._shown or message.version > 0
        self._shown[key] = message.version
        self._print(self.render(message, edited=edited))

    def _prefix(self, message: BotMessage) -> str:
        return OPERATOR_GROUP if message.chat_id == self.operator.chat_id else BOT

    def render(self, message: BotMessage, *, edited: bool = False) -> str:
        """A message as the terminal shows it (:func:`bot.localscreen.render`)."""
        return render(message, operator=message.chat_id == self.operator.chat_id, edited=edited)

    def show_choices(self, *, always: bool = False) -> None:
        """The numbered buttons, printed when they changed since last shown."""
        labels = [c.label for c in self.choices()]
        if not labels or (labels == self._last_choices and not always):
            self._last_choices = labels
            return
        self._last_choices = labels
        self._print(CHOICES)
        for i, label in enumerate(labels, 1):
            self._print(f"   {i}) {label}")

    def _show_callback_answers(self) -> None:
        answers = self.standin.callback_answers
        for answer in answers[self._answers_seen :]:
            if answer.text:
                template = ALERT if answer.show_alert else TOAST
                self._print(f"{BOT} {template.format(text=answer.text)}")
        self._answers_seen = len(answers)

    # ----------------------------------------------------------------- buttons
    def _latest_inline(self, chat_id: int, after: int = 0) -> BotMessage | None:
        """The newest message with inline buttons sent since the citizen's last action.

        Buttons of older messages belong to an earlier step and would only confuse the
        numbering; the message whose button was just pressed stays (it may be edited in place).
        """
        for message in reversed(self.standin.messages(chat_id)):
            if message.message_id <= after and message.message_id != self._pressed:
                return None
            if not message.deleted and message.inline_buttons:
                return message
        return None

    def _inline_choices(self, person: Person, after: int = 0) -> list[Choice]:
        message = self._latest_inline(person.chat_id, after)
        if message is None:
            return []
        choices = []
        for row in message.inline_buttons:
            for label, data in row:
                if data is None:
                    raw = message.inline_button(label) or {}
                    choices.append(Choice(label, _noop, url=str(raw.get("url", ""))))
                else:
                    choices.append(
                        Choice(
                            label,
                            _press_data(person, data, message.message_id),
                            message_id=message.message_id,
                        )
                    )
        return choices

    def choices(self) -> list[Choice]:
        """The citizen's numbered buttons: the newest inline keyboard, then the reply keyboard."""
        choices = self._inline_choices(self.citizen, self._typed_after)
        keyboard = self.citizen.reply_keyboard
        if keyboard is not None:
            for row in keyboard.reply_buttons:
                for label in row:
                    choices.append(Choice(label, _press(self.citizen, label)))
        return choices

    # ------------------------------------------------------------------ input
    async def handle(self, line: str) -> bool:
        """Act on one input line; False when the session should end."""
        text = line.strip()
        if not text:
            return True
        word, _, rest = text.partition(" ")
        args = rest.split()
        latin = to_latin_digits(text)
        if word == "/quit":
            return False
        if latin.isdigit():
            choices = self.choices()
            if 1 <= int(latin) <= len(choices):
                choice = choices[int(latin) - 1]
                self._mark_action(choice.message_id)
                await self._choose(choice)
                return True
        self._mark_action(None)
        command = _COMMANDS.get(word)
        if command is not None:
            await command(self, args)
        else:
            await self.citizen.send_text(text)
        self._touch()
        return True

    def _mark_action(self, pressed: int | None) -> None:
        sent = self.standin.messages(self.citizen.chat_id)
        self._typed_after = sent[-1].message_id if sent else 0
        self._pressed = pressed

    async def _choose(self, choice: Choice) -> None:
        if choice.url is not None:
            self._print(URL_BUTTON.format(url=choice.url))
            return
        self._touch()
        await choice.press()

    async def _photo(self, args: list[str]) -> None:
        data = self._read(args, "/photo PATH")
        if data is not None:
            await self.citizen.send_photo(data)

    async def _file(self, args: list[str]) -> None:
        data = self._read(args, "/file PATH")
        if data is not None:
            path = Path(args[0])
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            await self.citizen.send_document(data, filename=path.name, mime_type=mime)

    async def _album(self, args: list[str]) -> None:
        if not args:
            self._print(USAGE.format(usage="/album PATH PATH…"))
            return
        photos = [self._read([path], "/album PATH PATH…") for path in args]
        if all(p is not None for p in photos):
            await self.citizen.send_album([p for p in photos if p is not None])

    async def _contact(self, args: list[str]) -> None:
        phone = args[0] if args else self.citizen.phone_number or DEFAULT_PHONE
        await self.citizen.send_contact(phone, own=True)

    async def _location(self, args: list[str]) -> None:
        try:
            lat, lon = (float(to_latin_digits(a)) for a in args)
        except ValueError:
            self._print(USAGE.format(usage="/location LAT LON"))
            return
        await self.citizen.send_location(lat, lon)

    async def _sticker(self, args: list[str]) -> None:
        await self.citizen.send_sticker()

    async def _voice(self, args: list[str]) -> None:
        await self.citizen.send_voice()

    async def _op(self, args: list[str]) -> None:
        """Press button N of the newest operator-group message, as an operator; any other
        text is the operator's *reply* to the newest group message (the relay sends it to
        the citizen)."""
        choices = self._inline_choices(self.operator)
        n = to_latin_digits(args[0]) if args else ""
        group = self.standin.messages(self.operator.chat_id)
        if args and not n.isdigit() and group:
            await self.operator.send_text(" ".join(args), reply_to=group[-1].message_id)
            return
        if not n.isdigit() or not 1 <= int(n) <= len(choices):
            self._print(NO_OPERATOR_BUTTON.format(n=args[0] if args else "?"))
            return
        await self._choose(choices[int(n) - 1])

    async def _opsay(self, args: list[str]) -> None:
        """Write in the operator group, as an operator, replying to the bot's newest message
        there (the bot's prompts, «مدرک دیگر» say, take only such replies)."""
        if not args:
            self._print(USAGE.format(usage="/opsay TEXT"))
            return
        messages = self.standin.state.messages_in(self.operator.chat_id)
        newest = messages[-1].message_id if messages else None
        await self.operator.send_text(" ".join(args), reply_to=newest)

    def _read(self, args: list[str], usage: str) -> bytes | None:
        if len(args) != 1:
            self._print(USAGE.format(usage=usage))
            return None
        try:
            return Path(args[0]).expanduser().read_bytes()
        except OSError:
            self._print(NO_SUCH_FILE.format(path=args[0]))
            return None

    # ------------------------------------------------------------------ pacing
    def _touch(self) -> None:
        self._last_activity = asyncio.get_running_loop().time()

    def _scan_calls(self) -> None:
        """Any Bot API call other than a long poll counts as the bot being busy."""
        calls = self.standin.calls
        if any(c.method.lower() != "getupdates" for c in calls[self._calls_seen :]):
            self._touch()
        self._calls_seen = len(calls)
        if len(calls) > 10_000:  # a long session must not grow without bound
            del calls[:-100]
            self._calls_seen = len(calls)

    async def settle(self) -> None:
        """Wait until the bot has fetched every update and then stayed quiet."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while loop.time() - started < MAX_WAIT_SECONDS:
            await asyncio.sleep(_TICK)
            self._scan_calls()
            fetched = len(self.standin.updates) == 0
            if fetched and loop.time() - self._last_activity >= IDLE_SECONDS:
                break
        self._show_callback_answers()
        self.show_choices()


async def _noop() -> None:
    return None


def _press(person: Person, label: str) -> Callable[[], Awaitable[object]]:
    return lambda: person.press(label)


def _press_data(person: Person, data: str, message_id: int) -> Callable[[], Awaitable[object]]:
    return lambda: person.press_data(data, message_id)


_COMMANDS: dict[str, Callable[[TerminalPhone, list[str]], Awaitable[None]]] = {
    "/photo": TerminalPhone._photo,
    "/file": TerminalPhone._file,
    "/album": TerminalPhone._album,
    "/contact": TerminalPhone._contact,
    "/location": TerminalPhone._location,
    "/sticker": TerminalPhone._sticker,
    "/voice": TerminalPhone._voice,
    "/op": TerminalPhone._op,
    "/opsay": TerminalPhone._opsay,
}


def _stdin_lines(loop: asyncio.AbstractEventLoop) -> asyncio.Queue[str | None]:
    """Lines from stdin, read by a daemon thread so the bot keeps running meanwhile.

    A daemon thread (not the loop's executor) so that Ctrl-C or /quit never waits for a
    ``readline`` that may block forever; ``None`` marks end of input.
    """
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        stream = sys.stdin.buffer
        while True:
            try:
                raw = stream.readline()
            except (OSError, ValueError):
                raw = b""
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n") if raw else None
            loop.call_soon_threadsafe(queue.put_nowait, line)
            if line is None:
                return

    threading.Thread(target=read, name="skedbot-local-stdin", daemon=True).start()
    return queue


async def run_local(settings: Settings, messenger: str, user_id: int, name: str) -> int:
    """``skedbot local``: the exit code (0 after /quit or end of input)."""
    profile = messenger_profile(messenger)
    out = sys.stdout
    with contextlib.suppress(AttributeError, ValueError):
        out.reconfigure(errors="replace")  # type: ignore[union-attr]
    operator_chat = settings.operator_chat_id(messenger) or DEFAULT_OPERATOR_CHAT
    local_settings = settings.model_copy(
        update={
            f"{messenger}_operator_chat_id": operator_chat,
            f"{messenger}_admin_ids": settings.admin_ids(messenger) | {user_id},
        }
    )
    await prepare_database(settings.database_url, always_seed=True)
    try:
        # Imported after the database check: the matcher's language tools take seconds
        # to import, and a wrong database URL should be reported at once.
        from bot.app import build_application, shared_resources
        from bot.runtime import running_bots

        async with BotApiStandIn(token=LOCAL_TOKEN, profile=messenger) as standin:
            citizen = standin.person(user_id, first_name=name, phone_number=DEFAULT_PHONE)
            operator = standin.person(user_id, first_name=name, chat_id=operator_chat)
            resources = await shared_resources(local_settings)
            app = build_application(
                local_settings,
                messenger,
                resources,
                token=LOCAL_TOKEN,
                base_url=standin.base_url,
                base_file_url=standin.base_file_url,
            )
            phone = TerminalPhone(standin, citizen, operator, out)
            interactive = sys.stdin.isatty()
            async with running_bots([app], resources):
                print(
                    BANNER.format(
                        messenger=profile.title_fa,
                        database=describe(settings.database_url),
                        name=name,
                        user_id=to_persian_digits(str(user_id)),
                    ),
                    file=out,
                    flush=True,
                )
                lines = _stdin_lines(asyncio.get_running_loop())
                while True:
                    if interactive:
                        print("» ", end="", file=out, flush=True)
                    line = await lines.get()
                    if line is None:
                        break
                    if not interactive:
                        print(f"» {line}", file=out, flush=True)
                    if not await phone.handle(line):
                        break
                    await phone.settle()
                await phone.settle()
            print(BYE, file=out, flush=True)
    finally:
        await close_db()
    return 0
