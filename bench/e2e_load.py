"""What the citizens of ``bench/e2e.py`` do, and what is watched while they do it.

:class:`Watch` sees every message the bot sends or edits (the stand-in's ``on_message``)
and every update the citizens send: the first reply to each update (its latency and the
backlog it arrived into), messages per chat, and a wake-up per chat for the journeys that
wait for the next thing on their screen. :func:`journey` is one citizen's whole visit:
``/start``, a free-text search, the card, the filing dialog with three photos, and
tracking the code they were given. :func:`flood` and :func:`garbage` are the hostile rest.
"""

from __future__ import annotations

import asyncio
import re
import struct
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.standin import BotApiStandIn, BotMessage, Person
from handlers import texts
from handlers.texts import apply as apply_texts
from models.digits import to_latin_digits
from models.identifiers import is_valid_tracking_code

SEARCH = "ميخوام برق خونمون سه فاز بشه"  # Arabic ي, no ZWNJ: what citizens type
BILL_ID = "12345670520"
STEP_TIMEOUT = 120.0
GARBAGE_CHAT = -1_009_000
"""Chats of the garbage updates (channels, foreign groups): nothing may be sent there."""


def national_code(seed: int) -> str:
    """A valid Iranian national code (check digit right) for citizen ``seed``."""
    digits = [int(c) for c in f"{(seed * 7919 + 1_000_003) % 10**9:09d}"]
    total = sum(d * (10 - i) for i, d in enumerate(digits)) % 11
    check = total if total < 2 else 11 - total
    return "".join(map(str, digits)) + str(check)


def png(seed: int) -> bytes:
    """A small valid PNG whose bytes depend on ``seed`` (documents are stored by hash)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes((seed * 31 + i) % 256 for i in range(12))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * 4))
        + chunk(b"IEND", b"")
    )


@dataclass
class Sent:
    """One update a citizen sent, and when it was first answered."""

    chat_id: int
    at: float
    backlog: int
    answered: float | None = None


@dataclass
class Watch:
    """Everything seen on the bot's side of the stand-in, for the figures."""

    standin: BotApiStandIn
    updates: list[Sent] = field(default_factory=list)
    new_messages: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    edits: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    texts_in: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    _pending: dict[int, list[Sent]] = field(default_factory=dict)
    _known: set[tuple[int, int]] = field(default_factory=set)
    _wake: dict[int, asyncio.Event] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.standin.on_message(self._seen)

    def _seen(self, message: BotMessage) -> None:
        chat = message.chat_id
        key = (chat, message.message_id)
        if key in self._known:
            self.edits[chat] += 1
        else:
            self._known.add(key)
            self.new_messages[chat] += 1
            self.texts_in[chat].append(message.text or "")
        pending = self._pending.get(chat)
        if pending:
            now = time.monotonic()
            for sent in pending:
                sent.answered = now
            pending.clear()
        event = self._wake.get(chat)
        if event is not None:
            event.set()

    def sending(self, chat_id: int, *, tracked: bool = True) -> None:
        """Call just before a citizen's update goes in."""
        if not tracked:  # a flooder's or garbage: many get no answer, on purpose
            return
        sent = Sent(chat_id, time.monotonic(), self.backlog() + 1)
        self.updates.append(sent)
        self._pending.setdefault(chat_id, []).append(sent)

    def backlog(self) -> int:
        return sum(len(p) for p in self._pending.values())

    async def until(self, person: Person, ready: Callable[[], bool], what: str) -> None:
        """Until ``ready()`` holds for ``person``'s screen; woken by their chat only."""
        event = self._wake.setdefault(person.chat_id, asyncio.Event())
        deadline = time.monotonic() + STEP_TIMEOUT
        while not ready():
            event.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{person!r}: no {what} in {STEP_TIMEOUT:.0f}s")
            try:
                await asyncio.wait_for(event.wait(), left)
            except TimeoutError:
                continue


def on_screen(person: Person, label: str) -> Callable[[], bool]:
    """The button ``label`` can be pressed now (inline on the last message, or the keyboard)."""

    def ready() -> bool:
        last = person.last_message
        if last is not None and last.inline_button(label) is not None:
            return True
        keyboard = person.reply_keyboard
        return keyboard is not None and keyboard.reply_button(label) is not None

    return ready


def said(watch: Watch, person: Person, part: str, after: int) -> Callable[[], bool]:
    """A message containing ``part`` arrived after the first ``after`` of this chat."""
    return lambda: any(part in t for t in watch.texts_in[person.chat_id][after:])


async def journey(watch: Watch, person: Person, seed: int) -> str:
    """One citizen's visit; returns the tracking code they were given."""
    chat = person.chat_id

    async def turn(action: Any, ready: Callable[[], bool], what: str) -> None:
        watch.sending(chat)
        await action
        await watch.until(person, ready, what)

    def mark() -> int:
        return len(watch.texts_in[chat])

    await turn(person.send_command("/start"), on_screen(person, texts.BTN_SEARCH), "menu")
    await turn(person.send_text(SEARCH), on_screen(person, texts.BTN_APPLY), "card")
    contact = apply_texts.BTN_SEND_CONTACT
    await turn(person.press(texts.BTN_APPLY), on_screen(person, contact), "mobile step")
    n = mark()
    await turn(person.press(contact), said(watch, person, "کد ملی", n), "national code step")
    n = mark()
    await turn(person.send_text(national_code(seed)), said(watch, person, "قبض", n), "bill step")
    n = mark()
    await turn(person.send_text(BILL_ID), said(watch, person, "آمپر", n), "amperage step")
    n = mark()
    amps = person.send_text("۴۰ آمپر سه فاز")
    await turn(amps, said(watch, person, "کارت ملی", n), "first document")
    for i in range(3):
        n = mark()
        receipt = on_screen(person, apply_texts.BTN_NEXT)
        photo = person.send_photo(png(seed * 3 + i))
        await turn(photo, lambda m=n, r=receipt: mark() > m and r(), "receipt")
        n = mark()
        await turn(person.press(apply_texts.BTN_NEXT), lambda m=n: mark() > m, "next step")
    confirm = on_screen(person, apply_texts.BTN_CONFIRM)
    await turn(person.press(apply_texts.BTN_SKIP), confirm, "summary")
    n = mark()
    await turn(person.press(apply_texts.BTN_CONFIRM), lambda: code_in(watch, chat, n), "code")
    code = code_in(watch, chat, n)
    assert code
    n = mark()
    ask = person.send_text(f"درخواستم با کد {code} به کجا رسید؟")
    await turn(ask, lambda: mark() > n, "status")
    return code


def code_in(watch: Watch, chat: int, after: int) -> str:
    """The tracking code in a message of ``chat`` after the first ``after``, or ''."""
    for text in watch.texts_in[chat][after:]:
        for candidate in re.findall(r"\d{6,}", to_latin_digits(text)):
            if is_valid_tracking_code(candidate):
                return candidate
    return ""


async def echo_journey(watch: Watch, person: Person, steps: int) -> None:
    """The echo bot's citizen: as many texts as a journey has updates, each awaited."""
    for i in range(steps):
        n = len(watch.texts_in[person.chat_id])
        watch.sending(person.chat_id)
        await person.send_text(f"پیام {i} {SEARCH}")
        await watch.until(person, lambda n=n: len(watch.texts_in[person.chat_id]) > n, "echo")


async def flood(person: Person, watch: Watch, count: int) -> None:
    """One sender, ``count`` texts at once: the limit's answers, one notice, then silence."""
    for i in range(count):
        watch.sending(person.chat_id, tracked=False)
        await person.send_text(f"سلام {i}")


def garbage_updates(standin: BotApiStandIn, count: int) -> list[dict[str, Any]]:
    """Updates that need no answer: channel posts, foreign groups' chatter, polls, member
    changes, reactions, a field from a future Bot API."""
    user = {"id": 77_000, "is_bot": False, "first_name": "ناشناس"}
    channel = {"id": GARBAGE_CHAT, "type": "channel", "title": "کانال"}
    group = {"id": GARBAGE_CHAT - 1, "type": "supergroup", "title": "گروه دیگر"}
    poll = {
        "id": "p1", "question": "؟", "options": [{"text": "بله", "voter_count": 0}],
        "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
        "type": "regular", "allows_multiple_answers": False,
    }  # fmt: skip
    joined = {"status": "member", "user": standin.bot_user}
    left = {"status": "left", "user": standin.bot_user}
    thumbs = [{"type": "emoji", "emoji": "👍"}]
    kinds: list[Callable[[int], dict[str, Any]]] = [
        lambda i: {"channel_post": {"message_id": i, "date": 0, "chat": channel, "text": "خبر"}},
        lambda i: {
            "message": {"message_id": i, "date": 0, "chat": group, "from": user, "text": "سلام"}
        },
        lambda i: {"poll": poll},
        lambda i: {
            "my_chat_member": {
                "chat": group,
                "from": user,
                "date": 0,
                "old_chat_member": left,
                "new_chat_member": joined,
            }
        },
        lambda i: {
            "message_reaction": {
                "chat": group,
                "message_id": 1,
                "date": 0,
                "user": user,
                "old_reaction": [],
                "new_reaction": thumbs,
            }
        },
        lambda i: {
            "edited_channel_post": {
                "message_id": i,
                "date": 0,
                "edit_date": 1,
                "chat": channel,
                "text": "خبر",
            }
        },
        lambda i: {"future_update_kind": {"id": i}},
    ]
    return [kinds[i % len(kinds)](i + 1) for i in range(count)]
