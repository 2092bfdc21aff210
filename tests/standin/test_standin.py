"""The Bot API stand-in driven by a real PTB Application over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.standin import BALE, BotApiStandIn, BotMessage, ButtonNotFoundError
from tests.standin.conftest import TOKEN, build_app, png, polling_bot

OPERATORS = -1001234567890
Ctx = ContextTypes.DEFAULT_TYPE


async def echo(update: Update, context: Ctx) -> None:
    assert update.message is not None
    await update.message.reply_text(update.message.text or "")


def bot_for(standin: BotApiStandIn) -> Bot:
    return Bot(standin.token, base_url=standin.base_url, base_file_url=standin.base_file_url)


class Receiver:
    """A tiny aiohttp webhook endpoint recording what it was sent."""

    def __init__(self) -> None:
        self.updates: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.arrived = asyncio.Event()
        self.hold: asyncio.Event | None = None
        """When given, each post is answered only once it is set."""
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        self.updates.append(await request.json())
        self.headers.append(dict(request.headers))
        self.arrived.set()
        if self.hold is not None:
            await self.hold.wait()
        return web.Response(text="ok")

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()

    async def wait(self, count: int, timeout: float = 3.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.updates) < count:
            assert time.monotonic() < deadline, f"got {len(self.updates)} of {count} updates"
            await asyncio.sleep(0.01)


# ------------------------------------------------------------------ messages
async def test_text_round_trip(standin: BotApiStandIn) -> None:
    async with polling_bot(standin, MessageHandler(filters.TEXT, echo)):
        ali = standin.person(user_id=1001, first_name="علی")
        update = await ali.send_text("سلام")
        [reply] = await ali.wait_for_reply()
        await ali.send_text("خداحافظ")
        [second] = await ali.wait_for_reply()
    assert update["message"]["chat"] == {"id": 1001, "type": "private", "first_name": "علی"}
    assert reply.text == "سلام" and reply.kind == "text" and reply.chat_id == 1001
    # message ids are per chat and shared by both sides, as in Telegram
    assert (update["message"]["message_id"], reply.message_id, second.message_id) == (1, 2, 4)
    assert reply.raw["from"]["username"] == "skedbot" and reply.raw["from"]["is_bot"]
    assert [m.text for m in ali.inbox] == ["سلام", "خداحافظ"]


async def test_command_reply_keyboard_contact_and_subscriber(standin: BotApiStandIn) -> None:
    seen: list[str] = []
    standin.on_message(lambda m: seen.append(f"sync:{m.text}"))

    async def async_subscriber(message: BotMessage) -> None:
        seen.append(f"async:{message.text}")

    standin.on_message(async_subscriber)

    async def start(update: Update, context: Ctx) -> None:
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton("ارسال شماره", request_contact=True)], ["راهنما"]]
        )
        await update.message.reply_text(f"args={context.args}", reply_markup=keyboard)

    async def contact(update: Update, context: Ctx) -> None:
        c = update.message.contact
        await update.message.reply_text(f"{c.phone_number} {c.user_id}",
                                        reply_markup=ReplyKeyboardRemove())  # fmt: skip

    handlers = (CommandHandler("start", start), MessageHandler(filters.CONTACT, contact),
                MessageHandler(filters.TEXT, echo))  # fmt: skip
    async with polling_bot(standin, *handlers):
        ali = standin.person(user_id=1001, phone_number="09131234567")
        await ali.send_command("/start", "abc")
        [menu] = await ali.wait_for_reply()
        assert menu.text == "args=['abc']"
        assert menu.reply_buttons == [["ارسال شماره"], ["راهنما"]]
        await ali.press("راهنما")
        assert (await ali.wait_for_reply())[0].text == "راهنما"
        await ali.press("ارسال شماره")
        [done] = await ali.wait_for_reply()
        assert done.text == "09131234567 1001" and ali.reply_keyboard is None
        with pytest.raises(ButtonNotFoundError, match=r"(?i)راهنما"):
            await ali.press("راهنما")
    assert seen[:2] == ["sync:args=['abc']", "async:args=['abc']"]


async def test_inline_button_press_and_edit(standin: BotApiStandIn) -> None:
    async def ask(update: Update, context: Ctx) -> None:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton("بله", callback_data="yes"),
              InlineKeyboardButton("خیر", callback_data="no")]]
        )  # fmt: skip
        await update.message.reply_text("مطمئنید؟", reply_markup=markup)

    async def answer(update: Update, context: Ctx) -> None:
        query = update.callback_query
        await query.answer(f"got {query.data}", show_alert=query.data == "forged")
        if query.data in ("yes", "no"):
            await query.edit_message_text(f"<b>{query.data}</b>", parse_mode="HTML")

    async with polling_bot(standin, MessageHandler(filters.TEXT, ask),
                           CallbackQueryHandler(answer)):  # fmt: skip
        ali = standin.person(user_id=1001)
        await ali.send_text("سوال")
        [question] = await ali.wait_for_reply()
        assert question.inline_buttons == [[("بله", "yes"), ("خیر", "no")]]
        await ali.press("بله")
        edited = await ali.wait_for_edit(question)
        assert edited is question and question.text == "yes" and question.edits == ["مطمئنید؟"]
        assert question.source_text == "<b>yes</b>" and question.reply_markup is None
        await ali.press_data("forged", message_id=999)
        await standin.wait_until(lambda: len(standin.callback_answers) == 2, timeout=3)
    first, forged = standin.callback_answers
    assert (first.text, first.data, first.show_alert, first.user_id) == (
        "got yes",
        "yes",
        False,
        1001,
    )
    assert forged.show_alert and forged.data == "forged"


async def test_edit_rules_and_parse_errors(standin: BotApiStandIn) -> None:
    async with bot_for(standin) as bot:
        sent = await bot.send_message(1001, "a", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("x", callback_data="x")]]))  # fmt: skip
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_text("a", 1001, sent.message_id,
                                        reply_markup=sent.reply_markup)  # fmt: skip
        with pytest.raises(BadRequest, match=r"(?i)Unsupported start tag"):
            await bot.send_message(1001, "a<br>b", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)reserved"):
            await bot.send_message(1001, "ساعت 10.30", parse_mode="MarkdownV2")
        with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
            await bot.send_message(1001, "a", reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("x", callback_data="ث" * 40)]]))  # fmt: skip
        with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
            await bot.send_message(1001, " ")
        with pytest.raises(BadRequest, match=r"(?i)To edit not found"):
            await bot.edit_message_text("b", 1001, 77)
        # editMessageText without reply_markup drops the inline keyboard, as Telegram does
        await bot.edit_message_text("b", 1001, sent.message_id)
    [message] = standin.messages(1001)
    assert (message.text, message.inline_buttons, message.version) == ("b", [], 1)


async def test_group_operator_forward_reply_and_copy(standin: BotApiStandIn) -> None:
    async def from_user(update: Update, context: Ctx) -> None:
        await update.message.forward(OPERATORS)

    async def from_operator(update: Update, context: Ctx) -> None:
        replied = update.message.reply_to_message
        user_id = replied.forward_origin.sender_user.id
        await context.bot.copy_message(user_id, OPERATORS, update.message.message_id)

    handlers = (
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT, from_user),
        MessageHandler(filters.Chat(OPERATORS) & filters.REPLY, from_operator),
    )
    async with polling_bot(standin, *handlers):
        ali = standin.person(user_id=1001, first_name="علی")
        operator = standin.person(user_id=7, first_name="اپراتور", chat_id=OPERATORS,
                                  chat_title="اپراتورها")  # fmt: skip
        await ali.send_text("برق قطع است")
        [forwarded] = await operator.wait_for_reply()
        assert forwarded.forwarded and forwarded.text == "برق قطع است"
        update = await operator.send_text("در حال بررسی", reply_to=forwarded)
        [answer] = await ali.wait_for_reply()
    chat = update["message"]["chat"]
    assert chat == {"id": OPERATORS, "type": "supergroup", "title": "اپراتورها"}
    assert answer.text == "در حال بررسی" and not answer.forwarded


# --------------------------------------------------------------------- files
async def test_person_photo_reaches_bot_and_operator_group(standin: BotApiStandIn) -> None:
    image = png(40, 30)

    async def on_photo(update: Update, context: Ctx) -> None:
        biggest = update.message.photo[-1]
        data = await (await biggest.get_file()).download_as_bytearray()
        await update.message.reply_text(f"{len(data)} {biggest.width}x{biggest.height}")
        # re-upload the bytes, and pass the file on by file_id, to the operators
        await context.bot.send_photo(OPERATORS, photo=bytes(data), caption="upload")
        await context.bot.send_photo(OPERATORS, photo=biggest.file_id, caption="by id")

    async with polling_bot(standin, MessageHandler(filters.PHOTO, on_photo)):
        ali = standin.person(user_id=1001)
        await ali.send_photo(image, caption="قبض")
        [reply] = await ali.wait_for_reply()
        await standin.wait_until(lambda: len(standin.messages(OPERATORS)) == 2, timeout=3)
    assert reply.text == f"{len(image)} 40x30"
    uploaded, by_id = standin.messages(OPERATORS)
    assert uploaded.kind == by_id.kind == "photo"
    assert uploaded.file_bytes() == by_id.file_bytes() == image
    assert (uploaded.text, by_id.text) == ("upload", "by id")


async def test_documents_album_and_media_group(standin: BotApiStandIn) -> None:
    pdf = b"%PDF-1.4 fake"
    photos = [png(2, 2), png(3, 3), png(4, 4)]
    got: list[tuple[str | None, int]] = []

    async def on_doc(update: Update, context: Ctx) -> None:
        doc = update.message.document
        data = await (await doc.get_file()).download_as_bytearray()
        assert bytes(data) == pdf and doc.file_name == "bill.pdf"
        await context.bot.send_document(OPERATORS, document=doc.file_id, caption="forwarded")
        await context.bot.send_document(OPERATORS, document=b"report", filename="r.txt")

    async def on_album_photo(update: Update, context: Ctx) -> None:
        got.append((update.message.media_group_id, len(update.message.photo)))
        if len(got) == len(photos):
            await context.bot.send_media_group(
                OPERATORS, [InputMediaPhoto(p, caption="آلبوم" if i == 0 else None)
                            for i, p in enumerate(photos)],
            )  # fmt: skip

    async with polling_bot(standin, MessageHandler(filters.Document.ALL, on_doc),
                           MessageHandler(filters.PHOTO, on_album_photo)):  # fmt: skip
        ali = standin.person(user_id=1001)
        await ali.send_document(pdf, filename="bill.pdf")
        await standin.wait_until(lambda: len(standin.messages(OPERATORS)) == 2, timeout=3)
        await ali.send_album(photos)
        await standin.wait_until(lambda: len(standin.messages(OPERATORS)) == 3, timeout=3)
    assert len({group for group, _ in got}) == 1 and got[0][0] is not None
    by_id, report, album = standin.messages(OPERATORS)
    assert by_id.file_bytes() == pdf and by_id.text == "forwarded"
    assert report.media == [("document", b"report")] and report.files[0].filename == "r.txt"
    assert album.kind == "media_group" and album.text == "آلبوم"
    assert [data for _, data in album.media] == photos and len(album.message_ids) == 3


async def test_get_file_too_big_on_telegram(standin: BotApiStandIn) -> None:
    big = standin.person(user_id=1001)
    await big.send_document(bytes(20 * 1024 * 1024 + 1), filename="big.zip")
    file_id = standin.updates.take_all()[0]["message"]["document"]["file_id"]
    async with bot_for(standin) as bot:
        with pytest.raises(BadRequest, match=r"(?i)File is too big"):
            await bot.get_file(file_id)
        with pytest.raises(BadRequest, match=r"(?i)Wrong file identifier"):
            await bot.send_document(1001, "no-such-file-id")


# ------------------------------------------------------------ delivery modes
async def test_webhook_push_with_secret(standin: BotApiStandIn) -> None:
    async with Receiver() as receiver, bot_for(standin) as bot:
        await bot.set_webhook(receiver.url, secret_token="s3cret")
        info = await bot.get_webhook_info()
        assert info.url == receiver.url
        update = await standin.person(user_id=1001).send_text("hook")
        await receiver.wait(1)
        with pytest.raises(Conflict):
            await bot.get_updates()
        await bot.delete_webhook()
        await standin.person(user_id=1001).send_text("polled")
        polled = await bot.get_updates(timeout=1)
    assert receiver.updates == [update]
    assert receiver.headers[0]["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
    assert [u.message.text for u in polled] == ["polled"]


async def test_deliver_to_round_robin(standin: BotApiStandIn) -> None:
    async with Receiver() as one, Receiver() as two:
        standin.deliver_to([one.url, two.url], secret_token="k")
        for i in range(4):
            await standin.person(user_id=2000).send_text(str(i))
        await one.wait(2)
        await two.wait(2)
        standin.deliver_to(None)
    assert [u["message"]["text"] for u in one.updates] == ["0", "2"]
    assert [u["message"]["text"] for u in two.updates] == ["1", "3"]
    assert one.headers[0]["X-Telegram-Bot-Api-Secret-Token"] == "k"


async def test_webhook_posts_chats_at_once_and_each_chat_in_order(
    standin: BotApiStandIn,
) -> None:
    """Like Telegram's webhook: several posts in flight, but a chat's next update only
    after its last one was acknowledged."""
    async with Receiver() as receiver:
        receiver.hold = asyncio.Event()
        standin.deliver_to([receiver.url])
        for user_id in (3000, 3001, 3002):
            await standin.person(user_id=user_id).send_text("first")
        await standin.person(user_id=3000).send_text("second")
        await receiver.wait(3)  # three chats at once, none acknowledged yet
        await asyncio.sleep(0.2)
        assert len(receiver.updates) == 3  # 3000's second waits for its first
        assert standin.pusher.pending_count == 4
        receiver.hold.set()
        await receiver.wait(4)
        standin.deliver_to(None)
    texts_of_3000 = [
        u["message"]["text"] for u in receiver.updates if u["message"]["chat"]["id"] == 3000
    ]
    assert texts_of_3000 == ["first", "second"]


# -------------------------------------------------------------------- faults
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_429_retry_after_and_slow(standin: BotApiStandIn) -> None:
    standin.fail_next("sendMessage", status=429, retry_after=3)
    async with bot_for(standin) as bot:
        standin.fail_next("getMe", status=502)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1001, "x")
        assert caught.value.retry_after in (3, dtm.timedelta(seconds=3))
        await bot.send_message(1001, "x")  # only the next call failed
        with pytest.raises(Exception, match=r"(?i)Bad Gateway"):
            await bot.get_me()
        standin.slow("sendChatAction", 0.2)
        started = time.perf_counter()
        await bot.send_chat_action(1001, "typing")
        assert time.perf_counter() - started >= 0.2
    assert [c.status for c in standin.calls_to("sendMessage")] == [429, 200]


async def test_token_and_unknown_method(standin: BotApiStandIn) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=standin.base_url) as bot:
            await bot.get_me()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{standin.base_url}999:WRONG/getMe") as r:
            assert r.status == 401
            assert await r.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with http.post(f"{standin.base_url}{TOKEN}/noSuchMethod") as r:
            assert r.status == 404
            assert (await r.json())["description"] == "Not Found: method not found"
        # a JSON body with a real object as reply_markup, and GET with a query string
        body = {"chat_id": 5, "text": "hi", "reply_markup": {"keyboard": [["a"]]}}
        async with http.post(f"{standin.base_url}{TOKEN}/sendMessage", json=body) as r:
            assert (await r.json())["result"]["text"] == "hi"
        async with http.get(f"{standin.base_url}{TOKEN}/getMe") as r:
            assert (await r.json())["result"]["username"] == "skedbot"
    assert standin.messages(5)[0].reply_buttons == [["a"]]


async def test_blocked_user_and_wait_timeout_message(standin: BotApiStandIn) -> None:
    ali = standin.person(user_id=1001)
    await ali.block()
    async with bot_for(standin) as bot:
        with pytest.raises(Forbidden, match=r"(?i)blocked"):
            await bot.send_message(1001, "hi")
    with pytest.raises(TimeoutError, match=r"(?i)sendMessage -> 403 Forbidden"):
        await ali.wait_for_reply(timeout=0.05)


# --------------------------------------------------------------------- bale
async def test_bale_quirks(bale: BotApiStandIn) -> None:
    assert bale.profile is BALE
    bale.fail_next("sendMessage", status=429, retry_after=5)
    async with Receiver() as receiver, bot_for(bale) as bot:
        with pytest.raises(BadRequest, match=r"(?i)Method not supported"):
            await bot.set_my_commands([("start", "شروع")])
        with pytest.raises(BadRequest, match=r"(?i)Method not supported"):
            await bot.delete_my_commands()
        with pytest.raises(BadRequest, match=r"(?i)Bot limit exceed"):
            await bot.send_message(1001, "x")
        await bot.set_webhook(receiver.url, secret_token="ignored")
        await bale.person(user_id=1001).send_text("سلام")
        await receiver.wait(1)
    assert "X-Telegram-Bot-Api-Secret-Token" not in receiver.headers[0]
    assert bale.calls_to("sendMessage")[0].status == 400


async def test_set_my_commands_on_telegram_and_polling_app(standin: BotApiStandIn) -> None:
    async with polling_bot(standin) as app:
        await app.bot.set_my_commands([("start", "شروع"), ("help", "راهنما")])
        assert [c.command for c in await app.bot.get_my_commands()] == ["start", "help"]
    assert standin.commands()[0] == {"command": "start", "description": "شروع"}
    assert build_app(standin).bot.base_url.startswith(standin.base_url)
