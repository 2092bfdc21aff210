"""The staff side end to end: a filed request in the operator group, status buttons, and the
citizen's notices delivered through the outbox (also rows written by back-office tools)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.outbox import deliver_outbox
from handlers import texts
from handlers.announce import queue_announcement
from handlers.deps import KEY
from handlers.render import fa
from handlers.texts import apply as apply_texts
from handlers.texts import desk as dtexts
from handlers.texts import notices
from handlers.texts import operator as otexts
from models import clock
from models.citizen import Citizen
from models.digits import PERSIAN_DIGITS
from models.identifiers import new_tracking_code
from models.outbox import OutboxMessage, OutboxStatus
from models.request import RequestDocument, RequestStatus, ServiceRequest, StatusEvent
from models.service import Service
from tests.e2e.conftest import ADMIN_ID, OPERATOR_CHAT, OPERATOR_ID
from tests.e2e.test_apply import begin, filed, photo, png, press, say

NATIONAL_CODE = "0076229645"
MOBILE = "09123456789"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(100)
JPEG_2 = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x02" + bytes(120)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def make_request(
    harness,
    user_id: int = 1001,
    first_name: str = "مریم",
    service_code: str = "meter-replacement",
    **answers: object,
) -> ServiceRequest:
    """A filed request straight through the models (the dialog is another feature's test)."""
    citizen, _ = await Citizen.get_or_create(
        messenger=harness.messenger,
        user_id=user_id,
        defaults={"chat_id": user_id, "first_name": first_name},
    )
    service = await Service.get(code=service_code)
    return await ServiceRequest.create(
        tracking_code=new_tracking_code(),
        citizen=citizen,
        service=service,
        answers=answers,
        national_code=NATIONAL_CODE,
        mobile=MOBILE,
        bill_id="1234567825",
        deadline=datetime(2026, 11, 26, 12, tzinfo=UTC),
    )


def operator(harness, user_id: int = OPERATOR_ID, first_name: str = "رضا"):
    return harness.standin.person(user_id=user_id, first_name=first_name, chat_id=OPERATOR_CHAT)


def labels(message) -> list[str]:
    return [label for row in message.inline_buttons for label, _ in row]


async def announce(harness, request: ServiceRequest) -> None:
    """Queue the request's announcement as filing does, and let the outbox send it."""
    await queue_announcement(request, harness.messenger, OPERATOR_CHAT)
    await deliver_outbox({harness.messenger: harness.app})


async def eventually(condition: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Until a database condition holds (the bot writes it just after its message goes)."""
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.02)


async def all_delivered() -> bool:
    return not await StatusEvent.filter(delivered_at=None).exists()


def given_up_for(chat_id: int) -> Callable[[], Awaitable[bool]]:
    """A condition: the chat's rows are all given up (the sender's own marks come earlier)."""

    async def condition() -> bool:
        rows = await OutboxMessage.filter(chat_id=chat_id).values_list("status", flat=True)
        return bool(rows) and all(s == OutboxStatus.FAILED for s in rows)

    return condition


async def wait_for_answers(harness, count: int) -> None:
    await harness.standin.wait_until(lambda: len(harness.standin.callback_answers) >= count)


async def test_announcement_buttons_and_citizen_notices(harness) -> None:
    """The group sees the request masked, its documents as albums and status buttons; each
    press moves the status, and the citizen gets each notice in Persian digits."""
    citizen = harness.person(1001)
    store = harness.app.bot_data[KEY].store
    # the citizen's photos as the messenger has them (reusable file ids), and a PDF whose
    # file id no longer works: the bot must upload that one from its own store
    file_ids = []
    for data in (JPEG, JPEG_2):
        sent = await citizen.send_photo(data)
        file_ids.append(sent["message"]["photo"][-1]["file_id"])
        await citizen.wait_for_reply()  # (outside a dialog a photo gets «send text»)
    request = await make_request(
        harness,
        urgent=True,
        address="کرمان، خیابان شریعتی، کوچه ۱۲",
        location={"lat": 30.28, "lon": 57.08},
    )
    for key, data, mime, fid in (
        ("meter-photo", JPEG, "image/jpeg", file_ids[0]),
        ("last-bill", JPEG_2, "image/jpeg", file_ids[1]),
        ("last-bill", PDF, "application/pdf", "expired-file-id"),
    ):
        stored = store.save(data)
        await RequestDocument.create(
            request=request,
            document_key=key,
            sha256=stored.sha256,
            path=stored.relative_path,
            mime=mime,
            size=len(data),
            messenger_file_id=fid,
        )

    await announce(harness, request)
    staff = operator(harness)
    await harness.standin.wait_until(lambda: len(harness.operator_messages()) >= 4)
    details, album, pdf, status = harness.operator_messages()
    assert otexts.URGENT_MARK in details.text
    assert fa(request.tracking_code) in details.text
    assert "مریم" in details.text and "تعویض کنتور" in details.text
    assert "******" + fa("9645") in details.text
    assert fa("0912***6789") in details.text
    for secret in (NATIONAL_CODE, MOBILE, fa(NATIONAL_CODE), fa(MOBILE)):
        assert secret not in details.text
    assert "کوچه ۱۲" in details.text and "۵ آذر ۱۴۰۵" in details.text
    assert album.kind == "media_group" and len(album.media) == 2
    assert {album.file_bytes(0), album.file_bytes(1)} == {JPEG, JPEG_2}
    assert pdf.kind == "document" and pdf.file_bytes() == PDF
    assert labels(status) == [
        otexts.BTN_IN_REVIEW,
        otexts.BTN_NEEDS_DOCUMENTS,
        otexts.BTN_IN_PROGRESS,
        otexts.BTN_DONE,
        otexts.BTN_REJECTED,
        dtexts.BTN_CLAIM,
    ]

    await staff.press(otexts.BTN_IN_REVIEW)
    edited = await staff.wait_for_edit(status)
    assert texts.STATUS_LABELS["in_review"] in edited.text and "رضا" in edited.text
    assert otexts.BTN_IN_REVIEW not in labels(edited)
    [notice] = await citizen.wait_for_reply()
    assert fa(request.tracking_code) in notice.text
    assert texts.STATUS_LABELS["in_review"] in notice.text
    assert not any(ch in notice.text for ch in "0123456789")
    assert any(ch in notice.text for ch in PERSIAN_DIGITS)

    admin = operator(harness, ADMIN_ID, "سارا")  # admins are operators too
    await admin.press(otexts.BTN_DONE)
    edited = await admin.wait_for_edit(status)
    assert "سارا" in edited.text and labels(edited) == []  # final: no buttons left
    [done] = await citizen.wait_for_reply()
    assert texts.STATUS_LABELS["done"] in done.text

    await request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    await eventually(all_delivered)
    events = await StatusEvent.filter(request=request).order_by("id")
    assert [e.actor for e in events] == [
        f"operator:{harness.messenger}:{OPERATOR_ID}",
        f"operator:{harness.messenger}:{ADMIN_ID}",
    ]


async def test_refused_presses_change_nothing(harness) -> None:
    """Non-operators in the group, forged data from a private chat, another group, unknown
    ids and illegal moves: each gets an alert, and neither status nor outbox changes."""
    request = await make_request(harness)
    await announce(harness, request)
    await harness.standin.wait_until(lambda: len(harness.operator_messages()) >= 3)

    # one at a time: presses in different chats are handled concurrently, so their
    # answers would otherwise come in any order
    stranger = operator(harness, 5555, "ناشناس")
    await stranger.press(otexts.BTN_DONE)
    await wait_for_answers(harness, 1)
    citizen = harness.person(1001)
    await citizen.press_data(f"op:done:{request.id}")
    await wait_for_answers(harness, 2)
    other_group = harness.standin.person(user_id=OPERATOR_ID, chat_id=-1002000)
    await other_group.press_data(f"op:done:{request.id}")
    await wait_for_answers(harness, 3)
    staff = operator(harness)
    for data in ("op:done:99999", "op:explode:1", f"op:done:{request.id}x", "op:done:-1"):
        await staff.press_data(data)
    await wait_for_answers(harness, 7)
    answers = harness.standin.callback_answers
    assert all(a.show_alert for a in answers)
    # different chats are answered concurrently: their order is not promised
    assert sorted(a.text for a in answers) == sorted(
        [otexts.NOT_OPERATOR, otexts.WRONG_CHAT, otexts.WRONG_CHAT, otexts.UNKNOWN_REQUEST]
        + [texts.EXPIRED_BUTTON] * 3
    )
    await request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert await StatusEvent.filter(request=request).count() == 0

    # an illegal transition: «در حال بررسی» again on a request already done
    await staff.press(otexts.BTN_DONE)
    await wait_for_answers(harness, 8)
    await staff.press_data(f"op:review:{request.id}")
    await wait_for_answers(harness, 9)
    refusal = harness.standin.callback_answers[-1]
    assert refusal.show_alert and texts.STATUS_LABELS["done"] in refusal.text
    await request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert await StatusEvent.filter(request=request).count() == 1


async def test_back_office_row_reaches_the_citizen(harness) -> None:
    """A tool that knows nothing of the bot inserts a status_event row with plain SQL."""
    citizen = harness.person(1001)
    request = await make_request(harness)
    await StatusEvent._meta.db.execute_script(
        "INSERT INTO status_event (request_id, status, note) "  # the rest has SQL defaults
        f"VALUES ({request.id}, 'needs_documents', 'تصویر سند ملک پلاک 12 لازم است')"
    )
    [notice] = await citizen.wait_for_reply()
    assert fa(request.tracking_code) in notice.text
    assert texts.STATUS_LABELS["needs_documents"] in notice.text
    assert "پلاک ۱۲" in notice.text
    assert notices.NEEDS_DOCUMENTS_HINT.format(staff=texts.BTN_STAFF) in notice.text
    await eventually(all_delivered)


async def test_back_office_status_update_reaches_the_citizen_once(harness) -> None:
    """A tool changes service_request.status with a plain UPDATE and writes no event."""
    citizen = harness.person(1001)
    request = await make_request(harness)
    await ServiceRequest._meta.db.execute_script(
        f"UPDATE service_request SET status = 'in_progress' WHERE id = {request.id}"
    )
    [notice] = await citizen.wait_for_reply()
    assert fa(request.tracking_code) in notice.text
    assert texts.STATUS_LABELS["in_progress"] in notice.text
    await eventually(all_delivered)
    events = await StatusEvent.filter(request=request).values_list("status", "actor")
    assert events == [("in_progress", "external")]
    await deliver_outbox({harness.messenger: harness.app})  # another round: nothing new
    assert await StatusEvent.filter(request=request).count() == 1
    assert len(citizen.inbox) == 1


async def test_blocked_citizen_does_not_jam_the_outbox(harness) -> None:
    gone = harness.person(1001)
    await gone.block()
    present = harness.person(1002, "علی")
    first = await make_request(harness, user_id=1001)
    second = await make_request(harness, user_id=1002, first_name="علی")
    await first.move_to(RequestStatus.IN_REVIEW, actor="test")
    await second.move_to(RequestStatus.IN_REVIEW, actor="test")
    harness.app.bot_data[KEY].wake_workers()

    [notice] = await present.wait_for_reply()
    assert fa(second.tracking_code) in notice.text
    assert gone.inbox == []
    await eventually(given_up_for(1001))  # the dispatcher marks the chat, then the row
    blocked = await Citizen.get(messenger=harness.messenger, user_id=1001)
    assert blocked.blocked_bot


async def test_failed_delivery_is_retried(harness) -> None:
    """A messenger hiccup costs one attempt, not the notice."""
    citizen = harness.person(1001)
    request = await make_request(harness)
    harness.standin.fail_next("sendMessage", status=500)
    await request.move_to(RequestStatus.IN_PROGRESS, actor="test")
    harness.app.bot_data[KEY].wake_workers()
    [notice] = await citizen.wait_for_reply(timeout=10)
    assert texts.STATUS_LABELS["in_progress"] in notice.text
    await eventually(all_delivered)
    event = await StatusEvent.get(request=request)
    assert event.attempts == 1


@pytest.mark.backend("postgres")
async def test_concurrent_dispatchers_send_each_notice_once(harness) -> None:
    """Several bot processes share one PostgreSQL: rows are claimed, never sent twice."""
    people = [harness.person(2001 + i, f"شهروند{i}") for i in range(3)]
    requests = [await make_request(harness, user_id=p.user_id) for p in people]
    for request in requests:
        for status in (RequestStatus.IN_REVIEW, RequestStatus.IN_PROGRESS, RequestStatus.DONE):
            await request.move_to(status, actor="test")
    apps = {harness.messenger: harness.app}
    # the harness's own worker is a third dispatcher running beside these two
    await asyncio.gather(deliver_outbox(apps), deliver_outbox(apps))
    await eventually(all_delivered)
    for person in people:  # each notice once, then «انجام شد»'s one rating question
        await person.wait_for_reply(count=4)
        notices_, [question] = person.inbox[:3], person.inbox[3:]
        assert labels(question) == [fa(n) for n in range(1, 6)]
        assert [m.text.split("\n")[-1] for m in notices_] == [
            notices.STATUS_NOTICE.split("\n")[-1].format(status=texts.STATUS_LABELS[s])
            for s in ("in_review", "in_progress", "done")
        ]


async def test_report_filed_through_the_dialog_reaches_staff_and_back(harness) -> None:
    """An urgent report filed with the application dialog: the group sees it marked, with its
    location and photo; a press there comes back to the citizen as a notice."""
    person = harness.person()
    await begin(harness, person, "safety-hazard")
    await press(person, apply_texts.BTN_SEND_LOCATION)
    await say(person, "سیم برق پاره شده و روی زمین افتاده")
    picture = png(5)
    await photo(person, picture)
    await press(person, apply_texts.BTN_NEXT)
    await press(person, apply_texts.BTN_SEND_CONTACT)
    request = await filed(person)

    await harness.standin.wait_until(lambda: len(harness.operator_messages()) >= 3)
    details, shot, status = harness.operator_messages()
    assert otexts.URGENT_MARK in details.text and fa(request.tracking_code) in details.text
    assert "روی نقشه" in details.text and "سیم برق پاره شده" in details.text
    assert fa("0912***1001") in details.text and "09120001001" not in details.text
    assert shot.kind == "photo" and shot.file_bytes() == picture
    assert otexts.BTN_IN_PROGRESS in labels(status)

    await operator(harness).press(otexts.BTN_IN_PROGRESS)
    [notice] = await person.wait_for_reply()
    assert fa(request.tracking_code) in notice.text
    assert texts.STATUS_LABELS["in_progress"] in notice.text


async def test_documents_uploaded_as_an_album_reach_staff(harness) -> None:
    """Two PDFs whose file ids no longer work: the bot uploads both from its store as one
    album (each file an attach:// part), and staff see them, not «… فرستاده نشد»."""
    store = harness.app.bot_data[KEY].store
    request = await make_request(harness)
    second_pdf = PDF.replace(b"<<>>", b"<< /Page 2 >>")
    for data in (PDF, second_pdf):
        stored = store.save(data)
        await RequestDocument.create(
            request=request,
            document_key="last-bill",
            sha256=stored.sha256,
            path=stored.relative_path,
            mime="application/pdf",
            size=len(data),
            messenger_file_id="expired-file-id",
        )

    await announce(harness, request)
    await harness.standin.wait_until(lambda: len(harness.operator_messages()) >= 3)
    _details, album, status = harness.operator_messages()
    assert album.kind == "media_group" and len(album.media) == 2
    assert {album.file_bytes(0), album.file_bytes(1)} == {PDF, second_pdf}
    missing = otexts.REQUEST_DOCUMENTS_MISSING.split("{")[0]
    assert not any(missing in (m.text or "") for m in harness.operator_messages())
    assert labels(status)


async def test_operators_move_only_their_own_messengers_requests(harness) -> None:
    """A request filed on the other messenger (same database) is not this group's: the press
    is refused and the request, its events and its citizen's inbox stay as they were."""
    other = "telegram" if harness.messenger == "bale" else "bale"
    citizen = await Citizen.create(messenger=other, user_id=1001, chat_id=1001, first_name="مریم")
    request = await ServiceRequest.create(
        tracking_code=new_tracking_code(),
        citizen=citizen,
        service=await Service.get(code="meter-replacement"),
        answers={},
    )
    staff = operator(harness)
    for action in ("review", "reject"):
        before = len(harness.standin.callback_answers)
        await staff.press_data(f"op:{action}:{request.id}")
        await wait_for_answers(harness, before + 1)
        answer = harness.standin.callback_answers[-1]
        assert answer.show_alert and answer.text == otexts.UNKNOWN_REQUEST
    await request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert await StatusEvent.filter(request=request).count() == 0
    assert harness.person(1001).inbox == []


async def test_announcement_survives_a_minute_of_group_errors(harness) -> None:
    """The group answers 5xx for a minute: the announcement waits in the outbox, retried
    with growing pauses (passed by moving the clock, not by sleeping), and arrives whole
    once the group heals."""
    request = await make_request(harness)
    harness.standin.fail_randomly(1.0, chat_id=OPERATOR_CHAT, statuses=(500,))
    try:
        await queue_announcement(request, harness.messenger, OPERATOR_CHAT)
        apps = {harness.messenger: harness.app}
        for _ in range(12):  # a minute in five-second steps
            await deliver_outbox(apps)
            clock.travel(timedelta(seconds=5))
        assert harness.operator_messages() == []
        rows = await OutboxMessage.filter(ref=request.id, chat_id=OPERATOR_CHAT)
        assert rows and all(r.status == OutboxStatus.PENDING for r in rows)
        assert max(r.attempts for r in rows) >= 3
        harness.standin.fail_randomly(0)
        clock.travel(timedelta(minutes=10))  # past any retry pause
        await deliver_outbox(apps)
        await harness.standin.wait_until(lambda: len(harness.operator_messages()) >= 3)
    finally:
        harness.standin.fail_randomly(0)
        clock.reset()
    details, _none, status = harness.operator_messages()
    assert fa(request.tracking_code) in details.text
    assert otexts.BTN_DONE in labels(status)
