"""Hostile and random updates through the real stack (issue 12): nothing breaks, nobody else
is touched, a replay is handled once.

Every update kind the Bot API sends (and a few it may send one day) with random Unicode —
right-to-left marks, zero-width characters, lone surrogates, 100 KB texts — forged and
oversized callback data, random chats, and replays, seeded so a failure can be repeated.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

import pytest

from handlers.texts import apply as apply_texts
from models.dialog import DialogState
from tests.e2e.conftest import OPERATOR_CHAT
from tests.e2e.test_apply import begin, press

UPDATES = 5000
"""Per messenger: the suite sends 10,000 in all (Telegram and Bale each get their own)."""
SEED = 1405
BYSTANDER = 424242
REPLAYED = 515151
ALPHABET = (
    "سلام برق کنتور قبض انشعاب خاموشی ۰۱۲۳۴۵۶۷۸۹ 0123456789 abc ابپتث"
    "\u200c\u200d\u200e\u200f\u202a\u202b\u202e\u2066\u2067\ufeff\u0640 😀🔌⚡ \n\t"
)


def _text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.01:
        return "ب" * 100_000
    if roll < 0.05:
        return "".join(chr(rng.randrange(0x20, 0x2FFFF)) for _ in range(rng.randrange(1, 80)))
    if roll < 0.07:
        return "سلام \udc80\ud800"
    if roll < 0.15:
        return rng.choice(["/start", "/help", "/cancel", "/track", "/broadcast", "/op", "/x"])
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 200)))


def _data(rng: random.Random) -> str:
    feature = rng.choice(["op", "app", "menu", "svc", "cat", "dlg", "srch", "staff", "zz", ""])
    action = rng.choice(["done", "start", "open", "resume", "card", "list", "x" * 30, ""])
    arg = rng.choice(["1", "-1", "99999999999", "new-connection", "../../etc", "\u202e", ""])
    data = f"{feature}:{action}:{arg}"
    return data * rng.choice([1, 1, 1, 20])


class Fuzzer:
    def __init__(self, seed: int, next_id: Callable[[], int]) -> None:
        self.rng = random.Random(seed)
        self.next_id = next_id

    def user(self) -> dict[str, Any]:
        uid = self.rng.randrange(
            20_000, 60_000
        )  # many chats: the 1 message/s per chat cap is not under test
        return {"id": uid, "is_bot": self.rng.random() < 0.05, "first_name": _text(self.rng)[:64]}

    def chat(self, user: dict[str, Any]) -> dict[str, Any]:
        roll = self.rng.random()
        if roll < 0.8:
            return {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if roll < 0.9:
            return {"id": OPERATOR_CHAT, "type": "supergroup", "title": "کارشناسان"}
        return {"id": -self.rng.randrange(10**9, 10**10), "type": "channel", "title": "کانال"}

    def message(self) -> dict[str, Any]:
        user = self.user()
        body: dict[str, Any] = {
            "message_id": self.rng.randrange(1, 10**6),
            "date": 1_700_000_000,
            "chat": self.chat(user),
            "from": user,
        }
        kind = self.rng.choice(
            ["text"] * 6 + ["sticker", "photo", "document", "voice", "contact", "location",
                            "poll", "dice", "video", "new_chat_members", "caption_only"]
        )  # fmt: skip
        file = {"file_id": _text(self.rng)[:40] or "x", "file_unique_id": "u"}
        match kind:
            case "text":
                body["text"] = _text(self.rng)
            case "sticker":
                body["sticker"] = {**file, "type": "regular", "width": 1, "height": 1,
                                   "is_animated": False, "is_video": False}  # fmt: skip
            case "photo":
                body["photo"] = [{**file, "width": 1, "height": 1, "file_size": 10**9}]
            case "document":
                body["document"] = {**file, "file_name": _text(self.rng)[:30],
                                    "mime_type": "application/x-msdownload"}  # fmt: skip
            case "voice":
                body["voice"] = {**file, "duration": 3}
            case "contact":
                body["contact"] = {"phone_number": _text(self.rng)[:20], "first_name": "x",
                                   "user_id": self.rng.randrange(1, 10**6)}  # fmt: skip
            case "location":
                body["location"] = {"latitude": self.rng.uniform(-90, 90),
                                    "longitude": self.rng.uniform(-180, 180)}  # fmt: skip
            case "poll":
                body["poll"] = {"id": "p", "question": "q", "options": [],
                                "total_voter_count": 0, "is_closed": False,
                                "is_anonymous": True, "type": "regular",
                                "allows_multiple_answers": False}  # fmt: skip
            case "dice":
                body["dice"] = {"emoji": "🎲", "value": 3}
            case "video":
                body["video"] = {**file, "width": 1, "height": 1, "duration": 1}
            case "new_chat_members":
                body["new_chat_members"] = [self.user()]
            case "caption_only":
                body["caption"] = _text(self.rng)
        return body

    def update(self) -> dict[str, Any]:
        update: dict[str, Any] = {"update_id": self.next_id()}
        roll = self.rng.random()
        if roll < 0.45:
            update["message"] = self.message()
        elif roll < 0.5:
            update["edited_message"] = self.message()
        elif roll < 0.55:
            update["channel_post"] = self.message()
        elif roll < 0.8:
            user = self.user()
            query: dict[str, Any] = {
                "id": str(self.rng.randrange(10**9)),
                "from": user,
                "chat_instance": "ci",
                "data": _data(self.rng),
            }
            if self.rng.random() < 0.9:
                query["message"] = {
                    "message_id": self.rng.randrange(1, 10**6),
                    "date": 1_700_000_000,
                    "chat": self.chat(user),
                    "text": "x",
                }
            update["callback_query"] = query
        elif roll < 0.85:
            user = self.user()
            update["my_chat_member"] = {
                "chat": self.chat(user), "from": user, "date": 1_700_000_000,
                "old_chat_member": {"status": "member", "user": user},
                "new_chat_member": {"status": "kicked", "user": user, "until_date": 0},
            }  # fmt: skip
        elif roll < 0.9:
            update["inline_query"] = {
                "id": "i", "from": self.user(), "query": _text(self.rng), "offset": ""
            }  # fmt: skip
        elif roll < 0.93:
            update["poll_answer"] = {"poll_id": "p", "user": self.user(), "option_ids": [0]}
        elif roll < 0.96:
            update["business_message"] = self.message()
        else:
            update["a_future_kind"] = {"anything": _text(self.rng)}
        return update


@pytest.fixture
def quiet_errors(caplog):
    caplog.set_level(logging.WARNING)
    return caplog


async def test_random_and_hostile_updates(harness, quiet_errors) -> None:
    # the messenger's send cap is not under test here: let the stand-in take 1,000/s
    harness.settings = harness.settings.model_copy(
        update={"bale_rate": 1000, "telegram_rate": 1000}
    )
    await harness.restart()
    # a bystander with an open dialog: nothing in the fuzz may touch it
    bystander = harness.person(BYSTANDER, "مریم")
    await begin(harness, bystander, "meter-relocation")
    await press(bystander, apply_texts.BTN_SEND_CONTACT)
    before = await DialogState.get(user_id=BYSTANDER)
    seen_by_bystander = len(bystander.inbox)

    fuzz = Fuzzer(SEED, harness.standin.updates.next_id)
    replayed = {
        "update_id": 0,
        "message": {
            "message_id": 1, "date": 1_700_000_000,
            "chat": {"id": REPLAYED, "type": "private", "first_name": "تکرار"},
            "from": {"id": REPLAYED, "is_bot": False, "first_name": "تکرار"},
            "text": "/help", "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }  # fmt: skip
    for n in range(UPDATES):
        harness.standin.inject_update(fuzz.update())
        if n % 700 == 0:  # one update delivered three times in one batch
            replayed["update_id"] = harness.standin.updates.next_id()
            for _ in range(3):
                harness.standin.inject_update(dict(replayed))

    # a last update from a known citizen: once it is answered, everything before it was taken
    last = harness.person(1001, "آخر")
    await last.send_command("/help")
    await last.wait_for_reply(timeout=180)
    await harness.standin.wait_until(lambda: harness.app.update_queue.empty(), timeout=60)

    errors = [r for r in quiet_errors.records if r.levelno >= logging.ERROR and r.name != "asyncio"]
    assert errors == [], [f"{r.name}: {r.getMessage()}" for r in errors[:5]]
    assert len(harness.standin.messages(REPLAYED)) == len(range(0, UPDATES, 700))  # once each
    after = await DialogState.get(user_id=BYSTANDER)
    assert (after.flow, after.step, after.version) == (before.flow, before.step, before.version)
    assert len(bystander.inbox) == seen_by_bystander
