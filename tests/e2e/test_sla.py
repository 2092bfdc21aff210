"""Life after filing, end to end through the stand-in: the documents round trip, the SLA
clock, خاتمه with its reminder, staff warnings and the digest, /track, cancel and rating.
Time is moved with ``models.clock.travel``; nothing sleeps for a deadline."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

from bot.sla_jobs import sla_round
from handlers import texts
from handlers.deps import KEY
from handlers.render import fa
from handlers.texts import apply as apply_texts
from handlers.texts import operator as otexts
from handlers.texts import sla as stexts
from models import clock, sla
from models.dialog import DialogState
from models.followup import ask_for_documents
from models.outbox import OutboxMessage
from models.request import RequestDocument, RequestStatus, ServiceRequest, StatusEvent
from models.service import Service
from models.workdays import TEHRAN, format_jalali_date
from tests.e2e.test_apply import (
    begin,
    filed,
    jpeg,
    photo,
    png,
    press,
    say,
    unthrottled,  # noqa: F401
)
from tests.e2e.test_delivery import until_outbox_empty
from tests.e2e.test_operator import (
    MOBILE,
    NATIONAL_CODE,
    announce,
    eventually,
    labels,
    make_request,
    operator,
)


async def sla_request(harness, user_id: int = 1001, code: str = "meter-replacement", **kw):
    """A request filed now under its card's terms, as filing writes it."""
    request = await make_request(harness, user_id=user_id, service_code=code, **kw)
    card = (await Service.get(code=code)).to_card()
    request.terms = sla.filed_terms(card)
    request.deadline = sla.calendar().add_working_days(clock.now(), card.duration_days)
    await request.save()
    return request


def travel_working_days(days: int, hour: int = 10) -> datetime:
    """Move the clock to ``hour`` (Tehran) of the ``days``-th working day from now."""
    day = sla.calendar().add_working_days(clock.now(), days).date()
    target = datetime.combine(day, time(hour), tzinfo=TEHRAN)
    clock.travel(target - clock.now())
    return target


async def album_kept() -> bool:
    state = await DialogState.all().first()
    return state is not None and len(state.data["documents"].get("round", [])) == 2


async def group_text(harness, needle: str, timeout: float = 5.0):
    await harness.standin.wait_until(
        lambda: any(needle in (m.text or "") for m in harness.operator_messages()), timeout
    )
    return [m for m in harness.operator_messages() if needle in (m.text or "")]


async def test_documents_round_trip_moves_the_deadline(harness) -> None:
    """Staff ask for two specific documents; the citizen sends them as one album into the
    same request; staff get them under the original message, which shows the new status;
    the deadline moved by the working days waited."""
    citizen = harness.person(1001)
    request = await sla_request(harness)
    first_deadline = request.deadline
    await announce(harness, request)
    await harness.standin.wait_until(lambda: len(harness.operator_messages()) >= 3)
    status_message = harness.operator_messages()[-1]
    staff = operator(harness)

    await staff.press(otexts.BTN_NEEDS_DOCUMENTS)
    picker = (await group_text(harness, stexts.PICK_DOCUMENTS.split("\n")[0][:10]))[-1]
    assert picker.reply_to_message_id == status_message.message_id
    await request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED  # nothing changes before the confirm
    await staff.press(stexts.BTN_UNPICKED.format(title="عکس کنتور"))
    await staff.wait_for_edit(picker)
    await staff.press(stexts.BTN_OTHER)
    prompt = (await group_text(harness, stexts.OTHER_PROMPT.split("،")[1][:20]))[-1]
    other = operator(harness, 9100, "غریبه")  # not an operator: their reply does not count
    await other.send_text("سند جعلی", reply_to=prompt.message_id)
    await staff.send_text("سند مالکیت ملک", reply_to=prompt.message_id)
    edited = await staff.wait_for_edit(picker)
    assert "سند مالکیت ملک" in edited.text and "سند جعلی" not in edited.text
    await staff.press(stexts.BTN_PICK_CONFIRM)
    edited_status = await staff.wait_for_edit(status_message)
    assert texts.STATUS_LABELS["needs_documents"] in edited_status.text

    [notice] = await citizen.wait_for_reply()
    await request.refresh_from_db()
    assert request.status == RequestStatus.NEEDS_DOCUMENTS and request.paused_at is not None
    assert "عکس کنتور" in notice.text and "سند مالکیت ملک" in notice.text
    assert "آخرین قبض" not in notice.text
    assert format_jalali_date(request.docs_due) in notice.text
    assert labels(notice) == [stexts.BTN_SEND_DOCUMENTS]

    travel_working_days(2)
    await citizen.press(stexts.BTN_SEND_DOCUMENTS)
    [prompt_text] = await citizen.wait_for_reply()
    assert "سند مالکیت ملک" in prompt_text.text
    await citizen.send_sticker()  # not a file: explained, same step
    [why] = await citizen.wait_for_reply()
    assert why.text == stexts.UPLOAD_WANT_FILE.format(done=stexts.BTN_UPLOAD_DONE)
    await citizen.send_album([jpeg(1), jpeg(2)])
    await citizen.wait_for_reply()  # one receipt for the album
    await eventually(album_kept)  # the album's second item is another update
    await citizen.press(stexts.BTN_UPLOAD_DONE)
    [sent] = await citizen.wait_for_reply()
    await request.refresh_from_db()
    assert request.status == RequestStatus.IN_REVIEW and request.paused_at is None
    assert request.paused_days == 2
    assert request.deadline == sla.calendar().add_working_days(first_deadline, 2)
    assert format_jalali_date(request.deadline) in sent.text
    assert await ServiceRequest.all().count() == 1  # the same request, not a new one
    keys = (
        await RequestDocument.filter(request=request)
        .order_by("id")
        .values_list("document_key", flat=True)
    )
    assert keys == ["meter-photo", "other"]

    await until_outbox_empty(harness)
    album = harness.operator_messages()[-1]
    assert album.kind == "media_group" and len(album.media) == 2
    assert album.reply_to_message_id == status_message.message_id
    assert {album.file_bytes(0), album.file_bytes(1)} == {jpeg(1), jpeg(2)}
    final = await staff.wait_for_edit(status_message)
    assert texts.STATUS_LABELS["in_review"] in final.text


async def test_termination_after_a_reminder(harness) -> None:
    citizen = harness.person(1001)
    request = await sla_request(harness)
    await announce(harness, request)
    await ask_for_documents(request, [{"key": "last-bill", "title": "آخرین قبض برق"}], actor="t")
    await until_outbox_empty(harness)
    [notice] = await citizen.wait_for_reply()
    assert "آخرین قبض برق" in notice.text

    travel_working_days(sla.DEFAULT_WAIT_DAYS - 3)
    harness.workers.wake()
    await asyncio.sleep(0.3)
    assert citizen.inbox[-1] is notice  # not yet: too early for the reminder
    travel_working_days(2)  # the day before the last day
    harness.workers.wake()
    [reminder] = await citizen.wait_for_reply()
    assert "یادآوری" in reminder.text and labels(reminder) == [stexts.BTN_SEND_DOCUMENTS]
    await request.refresh_from_db()
    assert request.status == RequestStatus.NEEDS_DOCUMENTS

    travel_working_days(2)  # the day after the last day
    harness.workers.wake()
    [closed] = await citizen.wait_for_reply()
    assert "خاتمه" in closed.text and "توافق‌نامه" in closed.text and fa(7) in closed.text
    await request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED
    [told] = await group_text(harness, "خاتمه یافت")
    assert fa(request.tracking_code) in told.text
    harness.workers.wake()
    await asyncio.sleep(0.3)
    assert len(citizen.inbox) == 3  # reminded once, closed once


async def test_a_bad_row_from_a_tool_leaves_the_other_reminders_alone(harness, caplog) -> None:
    """A back-office tool clears ``paused_at`` of a request that waits for documents (a row
    the bot never writes): the round skips that one request, says which in the log (by id,
    nothing of the citizen's), and the other citizen is still reminded. The round is run
    here, not only woken, so that one that stops at the bad row fails the test whatever
    order it reads the rows in."""
    broken_citizen, citizen = harness.person(1001), harness.person(1002)
    broken = await sla_request(harness, 1001)
    request = await sla_request(harness, 1002)
    for each in (broken, request):
        await ask_for_documents(each, [{"key": "last-bill", "title": "آخرین قبض برق"}], actor="t")
    await until_outbox_empty(harness)
    for person in (broken_citizen, citizen):
        await person.wait_for_reply()  # the documents notice
    await ServiceRequest._meta.db.execute_script(
        f"UPDATE service_request SET paused_at = NULL WHERE id = {broken.id}"
    )

    travel_working_days(sla.DEFAULT_WAIT_DAYS - 1)  # the day before the last day
    await sla_round({harness.messenger: harness.app})
    harness.workers.wake()
    [reminder] = await citizen.wait_for_reply()
    assert "یادآوری" in reminder.text and fa(request.tracking_code) in reminder.text
    await until_outbox_empty(harness)
    assert len(broken_citizen.inbox) == 1  # the notice only: no reminder from a bad row
    skipped = [r.getMessage() for r in caplog.records if f"request {broken.id}" in r.getMessage()]
    assert skipped and all("paused_at" in message for message in skipped)  # said, by id only
    assert NATIONAL_CODE not in caplog.text and MOBILE not in caplog.text


async def test_warnings_once_each_with_two_workers(harness) -> None:
    request = await sla_request(harness, mobile="09123456789")  # 7 working days
    apps = {harness.messenger: harness.app}
    travel_working_days(2)
    await asyncio.gather(sla_round(apps), sla_round(apps))
    assert not await OutboxMessage.filter(dedup_key__startswith="warn75").exists()

    travel_working_days(4)  # 6 of 7 used
    await asyncio.gather(sla_round(apps), sla_round(apps))
    harness.workers.wake()
    [warning] = await group_text(harness, "۷۵٪")
    assert fa(request.tracking_code) in warning.text and "تعویض کنتور" in warning.text
    assert fa("0912***6789") in warning.text and "09123456789" not in warning.text

    travel_working_days(3)
    await asyncio.gather(sla_round(apps), sla_round(apps), sla_round(apps))
    harness.workers.wake()
    [breach] = await group_text(harness, "تأخیر")
    assert fa(request.tracking_code) in breach.text
    harness.workers.wake()
    await asyncio.gather(sla_round(apps), sla_round(apps))
    await until_outbox_empty(harness)
    assert len(await group_text(harness, "۷۵٪")) == 1
    assert len(await group_text(harness, "تأخیر")) == 1


async def test_digest_in_filing_order_once_a_day(harness) -> None:
    first = await sla_request(harness, 1001)
    other = await sla_request(harness, 1002, code="safety-hazard")
    second = await sla_request(harness, 1003)
    late = await sla_request(harness, 1004, code="safety-hazard")
    late.deadline = clock.now() - timedelta(days=9)
    await late.save()
    harness.app.bot_data[KEY].digest_hour = 9
    travel_working_days(1, hour=9)
    apps = {harness.messenger: harness.app}
    await asyncio.gather(sla_round(apps), sla_round(apps))
    harness.workers.wake()
    [digest] = await group_text(harness, "گزارش روزانه")
    text = digest.text
    positions = [text.index(fa(r.tracking_code)) for r in (other, late, first, second)]
    assert positions == sorted(positions)  # late service first; filing order within each
    assert (
        "⏰"
        in text.split(fa(late.tracking_code))[0].splitlines()[-1]
        + text.split(fa(late.tracking_code))[1].splitlines()[0]
        or "⏰" in text
    )
    await asyncio.gather(sla_round(apps), sla_round(apps))
    await until_outbox_empty(harness)
    assert len(await group_text(harness, "گزارش روزانه")) == 1


async def test_empty_digest_says_so(harness) -> None:
    harness.app.bot_data[KEY].digest_hour = 9
    travel_working_days(1, hour=9)
    await sla_round({harness.messenger: harness.app})
    harness.workers.wake()
    [digest] = await group_text(harness, "درخواست بازی نیست")
    assert "\n" not in digest.text


async def test_catalog_edit_leaves_filed_terms_alone(harness, unthrottled) -> None:  # noqa: F811
    person = harness.person()
    await begin(harness, person, "safety-hazard")
    await press(person, apply_texts.BTN_SEND_LOCATION)
    await say(person, "سیم برق پاره شده و روی زمین افتاده")
    await photo(person, png(5))
    await press(person, apply_texts.BTN_NEXT)
    await press(person, apply_texts.BTN_SEND_CONTACT)
    request = await filed(person)
    service = await Service.get(code="safety-hazard")
    filed_title = service.title
    assert request.terms["title"] == filed_title
    service.card = {**service.card, "title": "عنوان تازه", "duration_days": 30, "cost": "گران"}
    service.duration_days = 30
    await service.save()
    await person.send_command("track", request.tracking_code)
    [view] = await person.wait_for_reply()
    assert filed_title in view.text and "عنوان تازه" not in view.text and "گران" not in view.text
    assert stexts.TRACK_TERMS_INSTANT in view.text
    await request.refresh_from_db()
    assert request.terms["duration_days"] == 0 and request.terms["title"] == filed_title


async def test_track_with_code_without_and_foreign(harness) -> None:
    mine = await sla_request(harness, 1001)
    await sla_request(harness, 1002)  # filed after mine: behind it in the queue
    theirs = await sla_request(harness, 1003)
    await mine.move_to(RequestStatus.IN_REVIEW, actor="test")
    await until_outbox_empty(harness)
    person = harness.person(1001)
    await person.wait_for_reply()  # the in-review notice

    await person.send_command("track", mine.tracking_code)
    [view] = await person.wait_for_reply()
    assert fa(mine.tracking_code) in view.text
    assert stexts.TRACK_QUEUE.format(n=fa(1)) in view.text
    assert texts.STATUS_LABELS["in_review"] in view.text
    assert stexts.TRACK_LEFT.split(":")[0] in view.text
    assert "ساعت" in view.text  # history with Jalali date and time
    assert stexts.BTN_CANCEL_REQUEST in labels(view)

    await person.send_text(f"پیگیری {theirs.tracking_code}")
    [foreign] = await person.wait_for_reply()
    await person.send_command("track", "1234567890")
    [unknown] = await person.wait_for_reply()
    assert foreign.text == texts.TRACK_NOT_FOUND.format(code=fa(theirs.tracking_code))
    assert unknown.text == texts.TRACK_NOT_FOUND.format(code=fa("1234567890"))
    await person.press_data(f"trk:show:{theirs.id}")
    [button] = await person.wait_for_reply()
    assert theirs.tracking_code not in button.text and fa(theirs.tracking_code) not in button.text

    await person.send_command("track")
    [listing] = await person.wait_for_reply()
    assert (
        labels(listing)
        == [stexts.TRACK_BUTTON.format(code=fa(mine.tracking_code), service="تعویض کنتور")]
        or len(labels(listing)) == 1
    )
    await person.press(labels(listing)[0])
    [again] = await person.wait_for_reply()
    assert fa(mine.tracking_code) in again.text


async def test_cancel_with_confirm(harness) -> None:
    request = await sla_request(harness)
    await announce(harness, request)
    person = harness.person(1001)
    await person.send_command("track", request.tracking_code)
    await person.wait_for_reply()
    await person.press(stexts.BTN_CANCEL_REQUEST)
    [confirm] = await person.wait_for_reply()
    await person.press(stexts.BTN_CANCEL_NO)
    await person.wait_for_edit(confirm)
    await request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    await person.press_data(f"trk:cancel:{request.id}")
    await person.wait_for_reply()
    await person.press(stexts.BTN_CANCEL_YES)
    done = await person.wait_for_edit()
    assert stexts.CANCEL_DONE.format(code=fa(request.tracking_code)) == done.text
    await request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    [told] = await group_text(harness, "لغو کرد")
    assert fa(request.tracking_code) in told.text
    await person.press_data(f"trk:yes:{request.id}")  # a late repeat changes nothing
    late = await person.wait_for_edit()
    assert late.text == stexts.CANCEL_TOO_LATE.format(status=texts.STATUS_LABELS["cancelled"])
    assert await StatusEvent.filter(request=request).count() == 1


async def test_rating_asked_once_and_stored_once(harness) -> None:
    request = await sla_request(harness)
    await announce(harness, request)
    person = harness.person(1001)
    await operator(harness).press(otexts.BTN_DONE)
    notice, question = await person.wait_for_reply(count=2)
    assert texts.STATUS_LABELS["done"] in notice.text
    assert labels(question) == [fa(n) for n in range(1, 6)]
    await person.press(fa(4))
    [thanks] = await person.wait_for_reply()
    assert stexts.BTN_RATE_SKIP in labels(thanks)
    await person.send_text("کارشناس خیلی سریع آمد")
    [ok] = await person.wait_for_reply()
    assert ok.text == stexts.RATE_COMMENT_THANKS
    await person.press_data(f"rate:s:{request.id}.1", message_id=question.message_id)
    await harness.standin.wait_until(lambda: len(harness.standin.callback_answers) >= 3)
    assert harness.standin.callback_answers[-1].text == stexts.RATE_ALREADY
    await request.refresh_from_db()
    assert request.rating == 4 and request.rating_comment == "کارشناس خیلی سریع آمد"
    await group_text(harness, "⭐️⭐️⭐️⭐️")
    await group_text(harness, "کارشناس خیلی سریع آمد")
    await until_outbox_empty(harness)
    assert await OutboxMessage.filter(dedup_key=f"rate:{request.id}").count() == 1


async def test_back_office_asks_for_documents_with_sql(harness) -> None:
    """A tool writes the status and the list; the citizen gets the named list and button,
    and the clock is paused."""
    citizen = harness.person(1001)
    request = await sla_request(harness)
    await ServiceRequest._meta.db.execute_script(
        "UPDATE service_request SET status = 'needs_documents', "
        """docs_wanted = '[{"key": "other", "title": "تصویر سند ملک"}]' """
        f"WHERE id = {request.id}"
    )
    [notice] = await citizen.wait_for_reply()
    assert "تصویر سند ملک" in notice.text and labels(notice) == [stexts.BTN_SEND_DOCUMENTS]
    await request.refresh_from_db()
    assert request.paused_at is not None and request.docs_due is not None
