"""Filing a request from the phone, end to end on both messenger profiles.

Complete requests for four services (an album, a PDF, an urgent report with a location, a
bill ID and remembered identifiers), a restart in the middle, «بازگشت» and «انصراف», and
every kind of bad input a citizen sends at the wrong moment.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import pytest

from handlers import texts as general
from handlers.deps import KEY
from handlers.texts import apply as texts
from models.catalog import load_catalog
from models.dialog import DialogState
from models.digits import to_latin_digits, to_persian_digits
from models.identifiers import is_valid_tracking_code
from models.request import RequestDocument, ServiceRequest
from models.workdays import TEHRAN, WorkCalendar, format_jalali_date

NATIONAL_CODE = "0076229645"
BILL_ID = "12345670520"  # check digit right, service type 2 (electricity)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00"


@pytest.fixture(autouse=True)
def unthrottled(harness) -> None:
    """A whole filing is more than flood control's 20 messages a minute; not tested here."""
    harness.settings.flood_limit = 1000  # for the Application after harness.restart()
    harness.app.bot_data[KEY].flood_limit = 1000


def png(seed: int, size: int = 2) -> bytes:
    """A small, valid PNG whose pixels (and so bytes) depend on ``seed``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes((seed * 37 + i) % 256 for i in range(size * 3))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def jpeg(seed: int) -> bytes:
    """A tiny JPEG as far as magic bytes go (SOI, JFIF APP0, a comment, EOI)."""
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    comment = bytes([seed % 256]) * 8
    return b"\xff\xd8" + app0 + b"\xff\xfe\x00\x0a" + comment + b"\xff\xd9"


async def reply(person, count: int = 1) -> str:
    messages = await person.wait_for_reply(count=count)
    return messages[-1].text or ""


async def state() -> DialogState | None:
    return await DialogState.all().first()


async def begin(harness, person, code: str) -> str:
    await person.press_data(f"app:start:{code}")
    return await reply(person)


async def say(person, text: str) -> str:
    await person.send_text(text)
    return await reply(person)


async def press(person, label: str) -> str:
    await person.press(label)
    return await reply(person)


async def photo(person, data: bytes) -> str:
    await person.send_photo(data)
    return await reply(person)


async def filed(person) -> ServiceRequest:
    """Press «تأیید و ارسال»; the citizen's answer carries a valid tracking code."""
    text = await press(person, texts.BTN_CONFIRM)
    request = await ServiceRequest.all().order_by("-id").first().prefetch_related("service")
    assert request is not None
    assert is_valid_tracking_code(request.tracking_code)
    assert to_latin_digits(text).count(request.tracking_code) == 1
    assert request.tracking_code not in text  # shown in Persian digits
    assert await state() is None
    return request


async def file_capacity_change(harness, person) -> ServiceRequest:
    """A whole capacity-change filing with every identifier and three photos (the journey
    the logging and privacy tests scan for personal data)."""
    await begin(harness, person, "capacity-change")
    await press(person, texts.BTN_SEND_CONTACT)
    await say(person, to_persian_digits(NATIONAL_CODE))
    await say(person, BILL_ID)
    await say(person, "۴۰ آمپر سه فاز")
    for seed in (1, 2, 3):
        await photo(person, jpeg(seed))
        await press(person, texts.BTN_NEXT)
    await press(person, texts.BTN_SKIP)
    return await filed(person)


def stored_bytes(harness, document: RequestDocument) -> bytes:
    path = Path(harness.settings.storage_dir) / document.path
    assert path.name.startswith(document.sha256)
    return path.read_bytes()


def files_on_disk(harness) -> list[Path]:
    return [p for p in Path(harness.settings.storage_dir).rglob("*") if p.is_file()]


def deadline_of(request: ServiceRequest, days: int) -> str:
    expected = WorkCalendar().add_working_days(request.submitted_at, days)
    assert request.deadline is not None
    assert request.deadline.astimezone(TEHRAN).date() == expected.date()
    return format_jalali_date(expected)


async def test_new_connection_with_album_and_pdf(harness) -> None:
    """Two photos of the national card as one album, the deed as a PDF, optional ones skipped."""
    person = harness.person()
    text = await begin(harness, person, "new-connection")
    assert "درخواست انشعاب جدید برق" in text and texts.ASK_MOBILE[:20] in text
    assert "مرحله ۱ از" in text
    text = await press(person, texts.BTN_SEND_CONTACT)
    assert texts.ASK_NATIONAL_CODE in text
    text = await say(person, "۰۰۷۶۲۲۹۶۴۵")  # Persian digits are fine
    assert texts.FIELD_PROMPTS["usage"] in text
    await press(person, texts.CHOICES["residential"])
    await say(person, "کرمان، جیرفت، خیابان امام، کوچه ۱۲، پلاک ۷")
    text = await say(person, "۷۶۱۶۹۱۳۱۱۱")
    assert texts.FIELD_PROMPTS["amperage"][:20] in text
    text = await press(person, "۳۲ آمپر تک‌فاز")
    assert "کارت ملی مالک" in text and "همه اعداد و نام خوانا" in text  # the hint

    front, back = png(1), png(2)
    await person.send_album([front, back])
    [receipt] = await person.wait_for_reply()
    assert receipt.text.startswith("✅ تصویر ۱ کارت ملی مالک دریافت شد")
    edited = await person.wait_for_edit(receipt)
    assert "۲ تصویر کارت ملی مالک" in edited.text
    current = await state()
    assert current is not None and len(current.data["documents"]["national-card"]) == 2

    text = await press(person, texts.BTN_NEXT)
    assert "سند مالکیت ملک" in text
    await person.send_document(PDF, filename="sanad.pdf")
    text = await reply(person)
    assert text.startswith("✅ فایل PDF ۱ سند مالکیت ملک دریافت شد")
    text = await press(person, texts.BTN_NEXT)
    assert "پروانه ساخت" in text and texts.BTN_SKIP in text
    await press(person, texts.BTN_SKIP)
    await press(person, texts.BTN_SKIP)
    summary = await press(person, texts.BTN_SKIP)
    assert summary.startswith(texts.SUMMARY_TITLE)
    assert "******۹۶۴۵" in summary and NATIONAL_CODE not in to_latin_digits(summary)
    assert "۳۲ آمپر تک‌فاز" in summary and "خانگی" in summary
    assert "کارت ملی مالک: ۲ فایل" in summary and "سند مالکیت ملک: ۱ فایل" in summary
    assert await ServiceRequest.all().count() == 0  # nothing before the confirmation

    request = await filed(person)
    assert request.service.code == "new-connection"
    assert request.national_code == NATIONAL_CODE and request.mobile == "09120001001"
    assert request.answers["usage"] == "residential"
    assert request.answers["amperage"] == {"amps": 32, "phase": 1}
    assert request.answers["postal_code"] == "7616913111"
    assert request.answers["urgent"] is False
    documents = await RequestDocument.filter(request=request).order_by("id")
    assert [(d.document_key, d.mime) for d in documents] == [
        ("national-card", "image/png"),
        ("national-card", "image/png"),
        ("deed", "application/pdf"),
    ]
    for document, data in zip(documents, (front, back, PDF), strict=True):
        assert stored_bytes(harness, document) == data
        assert document.sha256 == hashlib.sha256(data).hexdigest()
        assert document.size == len(data) and document.messenger_file_id
    final = person.inbox[-1].text
    assert deadline_of(request, 30) in final and "۳۰ روز کاری" in final
    assert general.BTN_SEARCH in str(person.inbox[-1].reply_buttons)
    await harness.standin.wait_until(
        lambda: any(
            request.tracking_code in to_latin_digits(m.text or "")
            for m in harness.operator_messages()
        )
    )


async def test_bill_id_service_then_remembered_identity(harness) -> None:
    """capacity-change with a bill ID and a typed amperage; the same photo for two documents is
    stored once; the next request (reconnection) offers «همان …» for all three identifiers."""
    person = harness.person()
    await begin(harness, person, "capacity-change")
    await press(person, texts.BTN_SEND_CONTACT)
    text = await say(person, NATIONAL_CODE)
    assert texts.ASK_BILL_ID in text
    await say(person, BILL_ID)
    text = await say(person, "۴۰ آمپر سه فاز")
    assert "کارت ملی مالک" in text
    card = jpeg(7)
    await photo(person, card)
    await press(person, texts.BTN_NEXT)
    await photo(person, png(3))
    await press(person, texts.BTN_NEXT)
    await photo(person, card)  # the same bytes again, for the deed
    await press(person, texts.BTN_NEXT)
    summary = await press(person, texts.BTN_SKIP)
    assert "شناسه قبض: ۱۲۳۴۵۶۷۰۵۲۰" in summary and "۴۰ آمپر سه‌فاز" in summary
    request = await filed(person)
    assert request.bill_id == BILL_ID
    assert request.answers["amperage"] == {"amps": 40, "phase": 3}
    documents = await RequestDocument.filter(request=request).order_by("id")
    assert [d.document_key for d in documents] == ["national-card", "last-bill", "deed"]
    assert documents[0].path == documents[2].path
    assert stored_bytes(harness, documents[0]) == card
    assert len(files_on_disk(harness)) == 2
    assert deadline_of(request, 6) in person.inbox[-1].text

    text = await begin(harness, person, "reconnection")
    assert "۰۹۱۲***۱۰۰۱" in text
    text = await press(person, texts.BTN_SAME.format(value="۰۹۱۲***۱۰۰۱"))
    assert "******۹۶۴۵" in text
    text = await press(person, texts.BTN_SAME.format(value="******۹۶۴۵"))
    assert "۱۲۳۴۵۶۷۰۵۲۰" in text
    text = await press(person, texts.BTN_CHANGE)  # a different subscription this time
    assert text.endswith(texts.ASK_BILL_ID)
    text = await say(person, "98765430127")
    assert "رسید پرداخت بدهی" in text
    await person.send_document(jpeg(9), filename="receipt.jpg", mime_type="image/jpeg")
    await reply(person)
    await press(person, texts.BTN_NEXT)
    second = await filed(person)
    assert second.service.code == "reconnection" and second.bill_id == "98765430127"
    assert second.tracking_code != request.tracking_code
    assert deadline_of(second, 1) in person.inbox[-1].text


async def test_urgent_report_location_first(harness) -> None:
    """safety-hazard: location first, a sentence, an optional photo, a mobile; the operator
    group is alerted at once and the request is marked urgent."""
    person = harness.person()
    text = await begin(harness, person, "safety-hazard")
    assert "۱۲۱" in text and texts.FIELD_PROMPTS["location"][:20] in text
    keyboard = person.reply_keyboard
    assert keyboard is not None
    assert keyboard.reply_button(texts.BTN_SEND_LOCATION)["request_location"]
    text = await press(person, texts.BTN_SEND_LOCATION)
    assert texts.URGENT_DESCRIPTION[:20] in text
    text = await say(person, "سیم برق پاره شده و روی زمین افتاده")
    assert "عکس خطر" in text
    await photo(person, png(5))
    text = await press(person, texts.BTN_NEXT)
    assert texts.ASK_MOBILE[:20] in text
    summary = await press(person, texts.BTN_SEND_CONTACT)
    assert texts.SUMMARY_URGENT in summary and "کد ملی" not in summary
    request = await filed(person)
    assert request.answers["urgent"] is True
    assert request.answers["location"] == {"lat": 30.2839, "lon": 57.0834}
    assert request.national_code is None and request.mobile == "09120001001"
    assert "کارشناسان حوادث" in person.inbox[-1].text
    await harness.standin.wait_until(
        lambda: any(
            request.tracking_code in to_latin_digits(m.text or "")
            for m in harness.operator_messages()
        )
    )


async def test_restart_back_and_cancel(harness) -> None:
    """A restart mid-dialog goes on from the same step (files kept); «بازگشت» goes back one
    step; «انصراف» leaves nothing filed."""
    person = harness.person()
    await begin(harness, person, "street-lighting")
    await press(person, texts.BTN_SEND_CONTACT)
    await say(person, NATIONAL_CODE)
    text = await say(person, "میدان آزادی جیرفت")  # typed address instead of a location
    assert texts.FIELD_PROMPTS["address"] in text
    text = await press(person, texts.BTN_BACK)
    assert texts.FIELD_PROMPTS["location"][:20] in text
    assert (await state()).step == "f.location"
    await press(person, texts.BTN_SEND_LOCATION)
    await say(person, "خیابان شهید بهشتی، روبروی مدرسه")
    await say(person, "چراغ تیر شماره ۱۲ شب‌ها خاموش است")
    await photo(person, png(8))

    await harness.restart()

    text = await photo(person, png(9))  # the same step: a second photo of the pole
    assert text.startswith("✅ تصویر ۲ عکس چراغ یا تیر")
    current = await state()
    assert current is not None and len(current.data["documents"]["pole-photo"]) == 2
    text = await press(person, texts.BTN_NEXT)
    assert text.startswith(texts.SUMMARY_TITLE) and "عکس چراغ یا تیر: ۲ فایل" in text

    await person.send_text(general.BTN_TRACK)  # a menu label (typed) interrupts the dialog
    await person.wait_for_reply()
    text = await press(person, general.BTN_CONTINUE)
    assert text.startswith(texts.SUMMARY_TITLE)

    text = await say(person, texts.BTN_CANCEL)  # the reply keyboard's, not the old inline one
    assert text == texts.CANCELLED
    assert await state() is None
    assert await ServiceRequest.all().count() == 0
    assert general.BTN_SERVICES in str(person.inbox[-1].reply_buttons)


async def test_bad_input_explained_and_same_step(harness) -> None:
    """Every wrong thing at every step: a Persian explanation, the same step, nothing kept."""
    person = harness.person()

    async def refused(step: str, explanation: str, prompt: str) -> None:
        text = await reply(person)
        assert explanation in text, text
        assert prompt in text, text
        current = await state()
        assert current is not None and current.step == step

    await begin(harness, person, "connection-removal")
    ask_mobile = texts.ASK_MOBILE[:20]
    await person.send_text("09123456789")
    await refused("mobile", texts.MOBILE_TYPED[:20], ask_mobile)
    await person.send_contact("09121112233", own=False)
    await refused("mobile", texts.PROBLEMS["contact_not_own"], ask_mobile)
    await person._send(
        contact={"phone_number": "09121112233", "first_name": "x", "user_id": person.user_id},
        forward_origin={"type": "hidden_user", "sender_user_name": "x", "date": 1},
    )
    await refused("mobile", texts.FORWARDED_REFUSED, ask_mobile)
    await person.send_sticker()
    await refused("mobile", texts.MEDIA_REFUSED["sticker"], ask_mobile)
    await press(person, texts.BTN_SEND_CONTACT)

    await person.send_text("12345")
    await refused("national_code", texts.PROBLEMS["national_code_length"], texts.ASK_NATIONAL_CODE)
    await person.send_text("0076229646")
    await refused("national_code", texts.PROBLEMS["national_code_check"], texts.ASK_NATIONAL_CODE)
    await person.send_voice()
    await refused("national_code", texts.MEDIA_REFUSED["voice"], texts.ASK_NATIONAL_CODE)
    await say(person, NATIONAL_CODE)

    await person.send_text("1234")
    await refused("bill_id", texts.PROBLEMS["bill_id_length"], texts.ASK_BILL_ID)
    await person.send_text("12345670521")
    await refused("bill_id", texts.PROBLEMS["bill_id_check"], texts.ASK_BILL_ID)
    await person.send_text("2050327604613")  # a valid bill ID, but not an electricity bill
    await refused("bill_id", texts.PROBLEMS["bill_id_not_electricity"], texts.ASK_BILL_ID)
    await say(person, BILL_ID)

    ask_description = texts.FIELD_PROMPTS["description"][:20]
    await person.send_text("ب" * 10_000)
    text = await reply(person)
    assert "طولانی" in text and (await state()).step == "f.description"
    await person.send_text("ب" * 600)
    await refused("f.description", "حداکثر ۵۰۰ نویسه", ask_description)
    await person.send_video()
    await refused("f.description", texts.MEDIA_REFUSED["video"], ask_description)
    await say(person, "کنتور تند می‌چرخد و قبض دو برابر شده است")

    ask_card = load_catalog().service("connection-removal").documents[0].title
    await person.send_text("فردا می‌فرستم")
    await refused("doc.national-card", texts.WANT_FILE.format(title=ask_card), ask_card)
    await person.send_animation()
    await refused("doc.national-card", texts.MEDIA_REFUSED["animation"], ask_card)
    await person.send_video()
    await refused("doc.national-card", texts.MEDIA_REFUSED["video"], ask_card)
    await person.send_sticker()
    await refused("doc.national-card", texts.MEDIA_REFUSED["sticker"], ask_card)
    await person.send_document(EXE, filename="kart-melli.jpg", mime_type="image/jpeg")
    await refused("doc.national-card", texts.FILE_UNSUPPORTED, ask_card)
    huge = png(4) + bytes(11 * 1024 * 1024)
    await person.send_photo(huge)
    await refused("doc.national-card", "۱۰ مگابایت", ask_card)
    stored = harness.standin.state.files.add("document", PDF, filename="a.pdf")
    await person._send(
        document={"file_id": stored.file_id, "file_unique_id": stored.file_unique_id},
        forward_origin={"type": "hidden_user", "sender_user_name": "x", "date": 1},
    )
    await refused("doc.national-card", texts.FORWARDED_REFUSED, ask_card)
    await person.send_text(texts.BTN_NEXT)
    await refused("doc.national-card", texts.NEED_FILE_FIRST.format(title=ask_card), ask_card)
    assert files_on_disk(harness) == []  # nothing refused was stored

    await photo(person, png(6))
    receipt = person.inbox[-1]
    text = await photo(person, png(6))  # the very same photo again
    assert text == texts.DUPLICATE_FILE.format(title=ask_card)
    await press(person, texts.BTN_NEXT)
    assert (await state()).step == "doc.last-bill"
    answers = harness.standin.callback_answers
    for data in (
        receipt.inline_buttons[0][1][1],  # «بعدی» of the previous step's receipt
        "app:next:99999.doc.last-bill",  # another dialog's row
        "app:confirm:connection-removal",  # no such action
    ):
        before = len(answers)
        await person.press_data(data, receipt.message_id)
        await harness.standin.wait_until(lambda: len(answers) > before)  # noqa: B023
        assert answers[-1].show_alert and answers[-1].text == general.EXPIRED_BUTTON
        assert (await state()).step == "doc.last-bill"
    assert await ServiceRequest.all().count() == 0


async def test_info_service_has_no_dialog(harness) -> None:
    person = harness.person()
    text = await begin(harness, person, "outage-schedule")
    assert text == general.INFO_SERVICE
    assert await state() is None


async def test_large_image_document_refused_before_download(harness) -> None:
    """A 15 MB JPEG sent as a file is over the 10 MB image limit by its declared size: the
    citizen is told at once and the bot never fetches the file (as with photos)."""
    person = harness.person()
    await begin(harness, person, "connection-removal")
    await press(person, texts.BTN_SEND_CONTACT)
    await say(person, NATIONAL_CODE)
    await say(person, BILL_ID)
    ask_card = await say(person, "کنتور تند می‌چرخد و قبض دو برابر شده است")
    title = load_catalog().service("connection-removal").documents[0].title
    assert title in ask_card
    big = jpeg(1)[:-2] + bytes(15 * 1024 * 1024) + b"\xff\xd9"
    await person.send_document(big, filename="scan.jpg", mime_type="image/jpeg")
    text = await reply(person)
    assert "۱۰ مگابایت" in text and title in text
    assert (await state()).step == "doc.national-card"
    assert harness.standin.calls_to("getFile") == []
    assert files_on_disk(harness) == []
