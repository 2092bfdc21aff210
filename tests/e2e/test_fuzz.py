"""Hostile and random updates through the real stack (issue 12): nothing breaks, nobody else
is touched, nothing that needs no answer gets one, a replay is handled once.

Every update kind python-telegram-bot knows (and one it may learn one day), every kind of
message, random Unicode — right-to-left marks, zero-width characters, lone surrogates,
100 KB texts — forged and oversized callback data (also our own buttons, naming another
citizen's request), random chats, and replays, seeded so a failure can be repeated.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

import pytest

from handlers.broadcast.access import BC
from handlers.incidents import INC
from handlers.keyboards import APP, CAT, DLG, MENU, SRCH, SVC
from handlers.operator import DESK, OP
from handlers.outages import AREAS
from handlers.privacy import PRIV
from handlers.relay import RELAY
from handlers.render import fa
from handlers.sla.pick import OPDOC
from handlers.sla.rating import RATE
from handlers.sla.render import DOCS
from handlers.staff import STAFF
from handlers.tagging import TAG
from handlers.track import TRK
from models.desk import Claim
from models.dialog import DialogState
from models.request import RequestDocument, ServiceRequest, StatusEvent
from tests.e2e.conftest import OPERATOR_CHAT
from tests.e2e.settled import all_handled
from tests.e2e.test_apply import begin, file_capacity_change, stored_bytes

UPDATES = 5000
"""Per messenger: the suite sends 10,000 in all (Telegram and Bale each get their own)."""
SEED = 1405
BYSTANDER = 424242
REPLAYED = 515151
ALPHABET = (
    "سلام برق کنتور قبض انشعاب خاموشی ۰۱۲۳۴۵۶۷۸۹ 0123456789 abc ابپتث"
    "\u200c\u200d\u200e\u200f\u202a\u202b\u202e\u2066\u2067\ufeff\u0640 😀🔌⚡ \n\t"
)
BUTTONS = (OP, DESK, TRK, DOCS, RATE, OPDOC, TAG, INC, BC, PRIV, RELAY, AREAS, STAFF,
           MENU, CAT, SVC, SRCH, DLG, APP)  # fmt: skip
"""Our own buttons: forged data of their shape passes the parser and reaches the handlers,
whose checks of the row and the presser's rights are what is under test."""
MESSAGE_KINDS = ["text"] * 6 + [
    "sticker", "photo", "document", "voice", "audio", "animation", "video", "video_note",
    "contact", "location", "venue", "poll", "dice", "new_chat_members", "caption_only",
]  # fmt: skip
UPDATE_KINDS = {
    # a feature may answer these, in a private chat or the operator group
    "message": 43, "edited_message": 4, "callback_query": 24,
    # nothing may ever answer these
    "channel_post": 2, "edited_channel_post": 2, "my_chat_member": 2, "chat_member": 2,
    "poll": 1, "poll_answer": 1, "message_reaction": 1, "message_reaction_count": 1,
    "chat_join_request": 1, "inline_query": 1, "chosen_inline_result": 1,
    "shipping_query": 1, "pre_checkout_query": 1, "chat_boost": 1, "removed_chat_boost": 1,
    "purchased_paid_media": 1, "business_connection": 1, "business_message": 2,
    "edited_business_message": 1, "deleted_business_messages": 1, "guest_message": 1,
    "managed_bot": 1, "a_future_kind": 2,
}  # fmt: skip
"""Update kind → weight (of 100): messages and presses, which the bot works on, as often as
before every other kind was sent too."""
ANSWERABLE = frozenset({"message", "edited_message", "callback_query"})
DATE = 1_700_000_000


class Fuzzer:
    """Seeded random updates, and the chats each may be answered in.

    ``loud`` holds the chats and senders of updates a feature may answer: messages, edits
    and presses in private chats or the operator group. ``silent`` holds those of every
    other update (other kinds, channels, foreign groups): the bot must never send there
    (a chat named in both is not checked)."""

    def __init__(
        self, seed: int, next_id: Callable[[], int], victims: list[int], codes: list[str]
    ) -> None:
        self.rng = random.Random(seed)
        self.next_id = next_id
        self.victims = victims
        """Another citizen's request ids, for forged buttons to name."""
        self.codes = codes
        """Another citizen's tracking codes, for strangers to quote."""
        self.loud: set[int] = set()
        self.silent: set[int] = set()
        self._named: set[int] = set()
        """The chats and users named by the update being built."""

    # ------------------------------------------------------------------ pieces
    def text(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.01:
            return "ب" * 100_000
        if roll < 0.05:
            return "".join(chr(rng.randrange(0x20, 0x2FFFF)) for _ in range(rng.randrange(1, 80)))
        if roll < 0.07:
            return "سلام \udc80\ud800"
        if roll < 0.09:
            code = rng.choice(self.codes)
            return rng.choice([code, fa(code), f"/track {code}", f"پیگیری {fa(code)}"])
        if roll < 0.17:
            return rng.choice(["/start", "/help", "/cancel", "/track", "/broadcast", "/op", "/x"])
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 200)))

    def data(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            button = rng.choice(BUTTONS)
            victim = rng.choice(self.victims)
            arg = rng.choice([str(victim), f"{victim}.{rng.randrange(9)}", "1", "2147483648"])
            return f"{button.name}:{rng.choice(button.actions)}:{arg}"
        feature = rng.choice(["op", "app", "menu", "svc", "cat", "dlg", "srch", "staff", "zz", ""])
        action = rng.choice(["done", "start", "open", "resume", "card", "list", "x" * 30, ""])
        arg = rng.choice(["1", "-1", "99999999999", "new-connection", "../../etc", "\u202e", ""])
        data = f"{feature}:{action}:{arg}"
        return data * rng.choice([1, 1, 1, 20])

    def user(self) -> dict[str, Any]:
        uid = self.rng.randrange(
            20_000, 60_000
        )  # many chats: the 1 message/s per chat cap is not under test
        self._named.add(uid)
        return {"id": uid, "is_bot": self.rng.random() < 0.05, "first_name": self.text()[:64]}

    def chat(self, user: dict[str, Any]) -> dict[str, Any]:
        roll = self.rng.random()
        if roll < 0.75:
            chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        elif roll < 0.83:
            chat = {"id": OPERATOR_CHAT, "type": "supergroup", "title": "کارشناسان"}
        elif roll < 0.9:
            kind = self.rng.choice(["group", "supergroup"])
            chat = {"id": -self.rng.randrange(10**5, 10**12), "type": kind, "title": "گروه"}
        else:
            chat = {"id": -self.rng.randrange(10**9, 10**10), "type": "channel", "title": "کانال"}
        self._named.add(chat["id"])
        return chat

    def emoji(self) -> dict[str, Any]:
        return {"type": "emoji", "emoji": self.rng.choice(["👍", "🔥", "😡"])}

    def member(self, user: dict[str, Any]) -> dict[str, Any]:
        status = self.rng.choice(["member", "kicked", "left", "administrator"])
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "kicked":
            member["until_date"] = 0
        if status == "administrator":
            member |= {"can_be_edited": False, "is_anonymous": False,
                       "can_manage_chat": True, "can_delete_messages": True,
                       "can_manage_video_chats": False, "can_restrict_members": True,
                       "can_promote_members": False, "can_change_info": False,
                       "can_invite_users": True, "can_post_stories": False,
                       "can_edit_stories": False, "can_delete_stories": False}  # fmt: skip
        return member

    def boost_source(self) -> dict[str, Any]:
        return {"source": "premium", "user": self.user()}

    def message(self) -> dict[str, Any]:
        rng = self.rng
        user = self.user()
        body: dict[str, Any] = {
            "message_id": rng.randrange(1, 10**6),
            "date": DATE,
            "chat": self.chat(user),
            "from": user,
        }
        file = {"file_id": self.text()[:40] or "x", "file_unique_id": "u"}
        match rng.choice(MESSAGE_KINDS):
            case "text":
                body["text"] = self.text()
            case "sticker":
                body["sticker"] = {**file, "type": "regular", "width": 1, "height": 1,
                                   "is_animated": False, "is_video": False}  # fmt: skip
            case "photo":
                body["photo"] = [{**file, "width": 1, "height": 1, "file_size": 10**9}]
            case "document":
                body["document"] = {**file, "file_name": self.text()[:30],
                                    "mime_type": "application/x-msdownload"}  # fmt: skip
            case "voice":
                body["voice"] = {**file, "duration": 3}
            case "audio":
                body["audio"] = {**file, "duration": 200, "title": self.text()[:30]}
            case "animation":
                body["animation"] = {**file, "width": 1, "height": 1, "duration": 1}
            case "video":
                body["video"] = {**file, "width": 1, "height": 1, "duration": 1}
            case "video_note":
                body["video_note"] = {**file, "length": 1, "duration": 1}
            case "contact":
                body["contact"] = {"phone_number": self.text()[:20], "first_name": "x",
                                   "user_id": rng.randrange(1, 10**6)}  # fmt: skip
            case "location":
                body["location"] = self.location()
            case "venue":
                body["venue"] = {"location": self.location(), "title": self.text()[:40],
                                 "address": self.text()[:80]}  # fmt: skip
            case "poll":
                body["poll"] = self.poll()
            case "dice":
                body["dice"] = {"emoji": "🎲", "value": 3}
            case "new_chat_members":
                body["new_chat_members"] = [self.user()]
            case "caption_only":
                body["caption"] = self.text()
        if rng.random() < 0.05:  # a field a later Bot API adds
            body["a_future_field"] = {"anything": self.text()[:50]}
        return body

    def location(self) -> dict[str, Any]:
        return {"latitude": self.rng.uniform(-90, 90), "longitude": self.rng.uniform(-180, 180)}

    def poll(self) -> dict[str, Any]:
        return {"id": "p", "question": "q", "options": [], "total_voter_count": 0,
                "is_closed": False, "is_anonymous": True, "type": "regular",
                "allows_multiple_answers": False}  # fmt: skip

    def member_update(self) -> dict[str, Any]:
        user = self.user()
        return {"chat": self.chat(user), "from": user, "date": DATE,
                "old_chat_member": self.member(self.user()),
                "new_chat_member": self.member(self.user())}  # fmt: skip

    # ------------------------------------------------------------------ kinds
    def body(self, kind: str) -> dict[str, Any]:
        """The content of an update of ``kind``, as the Bot API shapes it."""
        rng = self.rng
        match kind:
            case "message" | "edited_message" | "channel_post" | "edited_channel_post":
                return self.message()
            case "business_message" | "edited_business_message":
                return {**self.message(), "business_connection_id": "biz"}
            case "guest_message":
                return {**self.message(), "guest_query_id": str(rng.randrange(10**9))}
            case "callback_query":
                user = self.user()
                query: dict[str, Any] = {
                    "id": str(rng.randrange(10**9)),
                    "from": user,
                    "chat_instance": "ci",
                    "data": self.data(),
                }
                if rng.random() < 0.9:
                    query["message"] = {
                        "message_id": rng.randrange(1, 10**6),
                        "date": DATE,
                        "chat": self.chat(user),
                        "text": "x",
                    }
                return query
            case "my_chat_member" | "chat_member":
                return self.member_update()
            case "poll":
                return self.poll()
            case "poll_answer":
                return {"poll_id": "p", "user": self.user(), "option_ids": [0]}
            case "message_reaction":
                user = self.user()
                return {"chat": self.chat(user), "message_id": rng.randrange(1, 10**6),
                        "user": user, "date": DATE, "old_reaction": [],
                        "new_reaction": [self.emoji()]}  # fmt: skip
            case "message_reaction_count":
                return {"chat": self.chat(self.user()), "message_id": rng.randrange(1, 10**6),
                        "date": DATE,
                        "reactions": [{"type": self.emoji(), "total_count": 3}]}  # fmt: skip
            case "chat_join_request":
                user = self.user()
                return {"chat": self.chat(user), "from": user, "user_chat_id": user["id"],
                        "date": DATE, "bio": self.text()[:70]}  # fmt: skip
            case "inline_query":
                return {"id": "i", "from": self.user(), "query": self.text(), "offset": ""}
            case "chosen_inline_result":
                return {"result_id": "r", "from": self.user(), "query": self.text()}
            case "shipping_query":
                address = {"country_code": "IR", "state": "تهران", "city": "تهران",
                           "street_line1": self.text()[:60], "street_line2": "",
                           "post_code": "1234567890"}  # fmt: skip
                return {"id": "s", "from": self.user(), "invoice_payload": self.text()[:60],
                        "shipping_address": address}  # fmt: skip
            case "pre_checkout_query":
                return {"id": "c", "from": self.user(), "currency": "IRR",
                        "total_amount": 10_000, "invoice_payload": self.text()[:60]}  # fmt: skip
            case "chat_boost":
                boost = {"boost_id": "b", "add_date": DATE, "expiration_date": DATE + 86_400,
                         "source": self.boost_source()}  # fmt: skip
                return {"chat": self.chat(self.user()), "boost": boost}
            case "removed_chat_boost":
                return {"chat": self.chat(self.user()), "boost_id": "b", "remove_date": DATE,
                        "source": self.boost_source()}  # fmt: skip
            case "purchased_paid_media":
                return {"from": self.user(), "paid_media_payload": self.text()[:60]}
            case "business_connection":
                user = self.user()
                return {"id": "biz", "user": user, "user_chat_id": user["id"], "date": DATE,
                        "can_reply": True, "is_enabled": True}  # fmt: skip
            case "deleted_business_messages":
                return {"business_connection_id": "biz", "chat": self.chat(self.user()),
                        "message_ids": [rng.randrange(1, 10**6)]}  # fmt: skip
            case "managed_bot":
                bot = {"id": rng.randrange(10**9), "is_bot": True, "first_name": "bot"}
                return {"user": self.user(), "bot": bot}
            case _:  # a kind a later Bot API adds
                user = self.user()
                return {"chat": self.chat(user), "from": user, "anything": self.text()}

    def update(self) -> dict[str, Any]:
        kind = self.rng.choices(list(UPDATE_KINDS), weights=list(UPDATE_KINDS.values()))[0]
        self._named = set()
        update = {"update_id": self.next_id(), kind: self.body(kind)}
        answerable = kind in ANSWERABLE and not any(
            chat < 0 and chat != OPERATOR_CHAT for chat in self._named
        )  # a message in a channel or another group is no citizen's, nor any staff's
        (self.loud if answerable else self.silent).update(self._named)
        return update

    def must_stay_silent(self) -> set[int]:
        return self.silent - self.loud


@pytest.fixture
def quiet_errors(caplog):
    caplog.set_level(logging.WARNING)
    return caplog


async def _request_as_filed(harness, request_id: int) -> tuple[Any, ...]:
    """What a stranger's forged button could change about a request: its status and what
    follows it, its claim, its history and its documents (rows and stored bytes)."""
    request = await ServiceRequest.get(id=request_id)
    documents = await RequestDocument.filter(request_id=request_id).order_by("id")
    return (
        request.status,
        request.closed_at,
        request.rating,
        request.docs_wanted,
        request.answers,
        await Claim.filter(request_id=request_id).count(),
        await StatusEvent.filter(request_id=request_id).count(),
        [(d.id, d.document_key, d.sha256, stored_bytes(harness, d)) for d in documents],
    )


def _calls_naming(harness, chats: set[int]) -> list[str]:
    """The bot's requests (sends, edits, deletions, chat actions…) naming one of ``chats``."""
    wanted = {str(chat) for chat in chats}
    return [
        f"{call.method} → {call.params['chat_id']}"
        for call in harness.standin.calls
        if str(call.params.get("chat_id")) in wanted
    ]


async def test_random_and_hostile_updates(harness, quiet_errors) -> None:
    """Nothing is logged as an error (``asyncio``'s "Task exception was never retrieved"
    included), a replay is answered once, no update of a kind or chat nobody answers gets a
    request naming its chat, and a bystander's request and open dialog stay as they were."""
    # the messenger's send cap is not under test here: let the stand-in take 1,000/s
    harness.settings = harness.settings.model_copy(
        update={"bale_rate": 1000, "telegram_rate": 1000}
    )
    await harness.restart()
    # a bystander with a filed request and an open dialog: nothing in the fuzz may touch them
    bystander = harness.person(BYSTANDER, "مریم")
    filed = await file_capacity_change(harness, bystander)
    await begin(harness, bystander, "meter-relocation")  # at its first step: mobile known
    before = await DialogState.get(user_id=BYSTANDER)
    request_before = await _request_as_filed(harness, filed.id)
    seen_by_bystander = len(_calls_naming(harness, {BYSTANDER}))

    fuzz = Fuzzer(SEED, harness.standin.updates.next_id, [filed.id], [filed.tracking_code])
    replayed = {
        "update_id": 0,
        "message": {
            "message_id": 1, "date": DATE,
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

    # a last update from a known citizen: the bot still answers after all that
    last = harness.person(1001, "آخر")
    await last.send_command("/help")
    await last.wait_for_reply(timeout=180)
    await all_handled(harness.app, harness.standin)  # other chats' updates may be in flight

    errors = [r for r in quiet_errors.records if r.levelno >= logging.ERROR]
    assert errors == [], [f"{r.name}: {r.getMessage()}" for r in errors[:5]]
    assert len(harness.standin.messages(REPLAYED)) == len(range(0, UPDATES, 700))  # once each
    silent = fuzz.must_stay_silent()
    assert len(silent) > 1000  # the check below looks at many chats, not a handful
    assert _calls_naming(harness, silent) == []
    after = await DialogState.get(user_id=BYSTANDER)
    assert (after.flow, after.step, after.version) == (before.flow, before.step, before.version)
    assert await _request_as_filed(harness, filed.id) == request_before
    assert len(_calls_naming(harness, {BYSTANDER})) == seen_by_bystander
