"""A complete request filed while two ``skedbot webhook`` processes take turns on the citizen.

Two real ``python -m bot webhook`` processes share one database and one storage folder;
the stand-in round-robins every update over them, so consecutive steps of the dialog land
on different processes and the three photos of one album are handled by both at the same
time. Whatever the bot knows between two messages must come from the database, and two
processes saving one dialog at once must not lose a photo or show the citizen an error.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from bot.standin import BotApiStandIn, BotMessage
from handlers import texts as general
from handlers.texts import apply as texts
from models.digits import to_latin_digits
from models.identifiers import is_valid_tracking_code
from tests.conftest import run_isolated
from tests.e2e.test_apply import BILL_ID, NATIONAL_CODE, begin, photo, png, press, say
from tests.e2e.workers import TOKEN, in_database, running_workers, seed

OPERATOR_CHAT = -1001000
CITIZEN = 1001
SERVICE = "meter-relocation"
ADDRESS = "جیرفت، بلوار جمهوری، کوچه ۸، پلاک ۲۱"
DESCRIPTION = "کنتور پشت در حیاط است و مأمور قرائت به آن دسترسی ندارد"
REPLY_TIMEOUT = 10.0  # a database per process, and a subprocess per update: not a unit test

FAILURES = (general.DIALOG_STALE, general.INTERNAL_ERROR, texts.DIALOG_MOVED)
"""What the citizen must never see because two processes raced on their dialog."""


async def _filed_request() -> dict[str, Any]:
    """The request, its documents and the dialog rows, as the database has them."""
    from models.dialog import DialogState
    from models.request import RequestDocument, ServiceRequest

    requests = await ServiceRequest.all().prefetch_related("service")
    documents = await RequestDocument.all().order_by("id")
    return {
        "requests": [(r.id, r.tracking_code, r.service.code, r.bill_id) for r in requests],
        "documents": [(d.request_id, d.document_key, d.sha256, d.path, d.size) for d in documents],
        "dialogs": await DialogState.all().count(),
    }


def _current_texts(messages: list[BotMessage]) -> list[str]:
    return [m.text or "" for m in messages if not m.deleted]


async def test_two_workers_file_a_complete_request(database_url: str, tmp_path: Path) -> None:
    await run_isolated(seed(database_url))
    card, bill, stub, slip = png(11), png(12), png(13), png(14)
    async with (
        BotApiStandIn(token=TOKEN, profile="bale") as standin,
        running_workers(
            standin,
            database_url,
            tmp_path,
            bale_operator_chat_id=str(OPERATOR_CHAT),
            flood_limit="1000",
        ) as workers,
    ):
        urls = [worker.webhook_url() for worker in workers]
        standin.deliver_to(urls)
        person = standin.person(CITIZEN, "مریم")
        text = await begin(None, person, SERVICE)
        assert "جابجایی کنتور یا انشعاب" in text and texts.ASK_MOBILE[:20] in text
        text = await press(person, texts.BTN_SEND_CONTACT)
        assert texts.ASK_NATIONAL_CODE in text
        assert texts.ASK_BILL_ID in await say(person, NATIONAL_CODE)
        assert texts.FIELD_PROMPTS["address"] in await say(person, BILL_ID)
        assert texts.FIELD_PROMPTS["description"][:20] in await say(person, "نشانی اشتباه")
        text = await press(person, texts.BTN_BACK)  # «بازگشت»: the address is asked again
        assert texts.FIELD_PROMPTS["address"] in text
        assert texts.FIELD_PROMPTS["description"][:20] in await say(person, ADDRESS)
        text = await say(person, DESCRIPTION)
        assert "کارت ملی مالک" in text

        text = await photo(person, card)
        assert text.startswith("✅ تصویر ۱ کارت ملی مالک دریافت شد")
        text = await press(person, texts.BTN_NEXT)  # the receipt's inline «بعدی»
        assert "آخرین قبض پرداخت‌شده" in text

        before = dict(standin.pusher.deliveries)
        await person.send_album([bill, stub, slip])
        chat = standin.state.messages_in(CITIZEN)
        all_three = "(روی هم ۳ فایل برای این مدرک)"
        await standin.wait_until(  # one receipt for the album, edited up to all three
            lambda: any(all_three in t for t in _current_texts(chat)), timeout=REPLY_TIMEOUT
        )
        await standin.wait_until(lambda: standin.pusher.pending_count == 0)
        receipts = [t for t in _current_texts(chat) if "آخرین قبض پرداخت‌شده دریافت شد" in t]
        assert len(receipts) == 1, receipts
        album_share = Counter(standin.pusher.deliveries) - Counter(before)
        assert sorted(album_share.values()) == [1, 2], album_share  # both took album items

        text = await say(person, texts.BTN_NEXT)
        assert "رسید پرداخت هزینه" in text and texts.BTN_SKIP in text
        summary = await press(person, texts.BTN_SKIP)
        assert summary.startswith(texts.SUMMARY_TITLE)
        assert "کارت ملی مالک: ۱ فایل" in summary and "آخرین قبض پرداخت‌شده: ۳ فایل" in summary
        assert "شناسه قبض: ۱۲۳۴۵۶۷۰۵۲۰" in summary and ADDRESS in summary
        filed = await press(person, texts.BTN_CONFIRM)

        found = await in_database(database_url, _filed_request)
        [(request_id, code, service, bill_id)] = found["requests"]
        assert is_valid_tracking_code(code)
        assert (service, bill_id) == (SERVICE, BILL_ID)
        assert to_latin_digits(filed).count(code) == 1 and code not in filed
        assert found["dialogs"] == 0

        documents = found["documents"]
        assert all(d[0] == request_id for d in documents)
        by_key = Counter(d[1] for d in documents)
        assert by_key == {"national-card": 1, "last-bill": 3}
        storage = tmp_path / "documents"
        stored = {(key, (storage / path).read_bytes()) for _, key, _, path, _ in documents}
        assert stored == {
            ("national-card", card),
            ("last-bill", bill),
            ("last-bill", stub),
            ("last-bill", slip),
        }
        for _, _, sha256, path, size in documents:
            data = (storage / path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == sha256 and len(data) == size

        operator = standin.state.messages_in(OPERATOR_CHAT)
        await standin.wait_until(
            lambda: any(m.inline_buttons for m in operator), timeout=REPLY_TIMEOUT
        )  # the status buttons come last
        assert any(code in to_latin_digits(m.text or "") for m in operator)
        sent = [m.file_bytes(i) for m in operator for i in range(len(m.media))]
        assert sorted(sent) == sorted([card, bill, stub, slip])

        chat = standin.state.messages_in(CITIZEN)
        failures = [t for t in _current_texts(chat) if t in FAILURES]
        assert not failures, [m.describe() for m in chat]
        for worker in workers:
            assert standin.pusher.deliveries[worker.webhook_url()] >= 5, standin.pusher.deliveries
            assert "Traceback" not in worker.output(), worker.output()
        for worker in workers:
            assert await worker.stop() == 0, worker.output()
