"""Planned outages and area outage incidents, end to end through the stand-in.

The schedule import (a bad file keeps nothing and names its lines; a good one is kept),
subscribing by list and by location, the notices the evening before and shortly before
(once each however often the job runs), the answer to «برق ما کی میره», and outage reports
from one area grouped into one incident message, «already known», and «restored».
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import jdatetime
import pytest

from bot.outage_jobs import queue_outage_notices
from handlers.deps import KEY
from handlers.outages import outage_fields
from handlers.render import fa
from handlers.texts import apply as atexts
from handlers.texts import desk as dtexts
from handlers.texts import outages as texts
from models import clock
from models.areas import get_area
from models.citizen import Citizen
from models.incident import Incident
from models.outage import AreaSubscription, PlannedOutage
from models.outbox import OutboxMessage
from models.workdays import TEHRAN
from tests.e2e.test_operator import operator

JIROFT = (28.68, 57.74)
KAHNUJ = (27.95, 57.70)
TEHRAN_CITY = (35.70, 51.40)  # in Iran, in no area of ours


@pytest.fixture(autouse=True)
def unthrottled(harness) -> None:
    """A few filings are more than flood control allows a minute; not tested here."""
    harness.app.bot_data[KEY].flood_limit = 1000


def jalali(days: int) -> str:
    """The Tehran date ``days`` from now, as staff write it (Persian digits)."""
    day = (clock.now().astimezone(TEHRAN) + timedelta(days=days)).date()
    j = jdatetime.date.fromgregorian(date=day)
    return fa(f"{j.year}/{j.month:02d}/{j.day:02d}")


def tehran(days: int, at: time) -> datetime:
    day = (clock.now().astimezone(TEHRAN) + timedelta(days=days)).date()
    return datetime.combine(day, at, tzinfo=TEHRAN).astimezone(UTC)


async def send_csv(harness, text: str, user_id: int | None = None) -> str:
    staff = operator(harness) if user_id is None else operator(harness, user_id, "ناشناس")
    await staff.send_document(text.encode(), filename="schedule.csv", mime_type="text/csv")
    [answer] = await staff.wait_for_reply(timeout=10)
    return answer.text or ""


async def text_of(person, count: int = 1) -> str:
    return (await person.wait_for_reply(count=count))[-1].text or ""


# --------------------------------------------------------------------------- import


async def test_bad_schedule_is_refused_line_by_line_and_nothing_kept(harness) -> None:
    bad = "\n".join(
        [
            "منطقه,تاریخ,از,تا,علت",
            f"جیرفت,{jalali(2)},10:00,12:00,تعمیرات شبکه",  # good, but the file is refused
            f"آتلانتیس,{jalali(2)},10:00,12:00,تعمیرات",  # unknown area
            "کهنوج,1405/13/40,10:00,12:00,تعمیرات",  # no such date
            f"kahnuj,{jalali(3)},14:00,11:00,تعمیرات",  # ends before it starts
            f"فاریاب,{jalali(3)},25:00,26:00,تعمیرات",  # no such hour
            "منوجان,فقط چهار ستون,10:00",  # too few columns
        ]
    )
    answer = await send_csv(harness, bad)
    lines = answer.splitlines()
    assert lines[0] == texts.IMPORT_REFUSED
    assert lines[1].startswith("سطر ۳:") and "آتلانتیس" in lines[1]
    assert lines[2].startswith("سطر ۴:") and "تاریخ" in lines[2]
    assert lines[3].startswith("سطر ۵:") and "پایان" in lines[3]
    assert lines[4].startswith("سطر ۶:") and "ساعت" in lines[4]
    assert lines[5].startswith("سطر ۷:") and "ستون" in lines[5]
    assert len(lines) == 6
    assert await PlannedOutage.all().count() == 0  # not even the good line

    good = (
        f"جیرفت,{jalali(2)},10:00,12:00,تعمیرات شبکه\n"
        f"kahnuj,{jalali(3)},۰۸:۰۰-۰۹:۳۰,مدیریت بار\n"  # from-to in one column, Persian digits
    )
    assert await send_csv(harness, good) == texts.IMPORT_DONE.format(count=fa(2))
    jiroft = await PlannedOutage.get(area="jiroft")
    assert jiroft.starts_at == tehran(2, time(10)) and jiroft.ends_at == tehran(2, time(12))
    assert (await PlannedOutage.get(area="kahnuj")).ends_at == tehran(3, time(9, 30))
    assert await send_csv(harness, good) == texts.IMPORT_DONE.format(count=fa(2))
    assert await PlannedOutage.all().count() == 2  # importing again doubles nothing


async def test_only_operators_import(harness) -> None:
    answer = await send_csv(harness, f"جیرفت,{jalali(2)},10:00,12:00,تعمیرات", user_id=5555)
    assert answer == dtexts.NOT_OPERATOR
    assert await PlannedOutage.all().count() == 0


# --------------------------------------------------------------------------- subscribing


async def test_subscribe_from_the_list_and_the_schedule_answer(harness) -> None:
    await send_csv(harness, f"جیرفت,{jalali(2)},10:00,12:00,تعمیرات شبکه")
    person = harness.person()
    await person.send_text("برق ما کی میره")
    assert await text_of(person) == texts.SCHEDULE_OFFER
    await person.press(texts.BTN_PICK_AREA)
    assert await text_of(person) == texts.PICK_AREA
    await person.press("جیرفت")
    assert await text_of(person) == texts.SUBSCRIBED.format(area="جیرفت")
    assert await AreaSubscription.filter(area="jiroft").count() == 1

    await person.send_text("برق ما کی میره")
    answer = await text_of(person)
    outage = await PlannedOutage.get(area="jiroft")
    assert answer.startswith(texts.SCHEDULE_TITLE)
    assert texts.SCHEDULE_ITEM.format(**outage_fields(outage)) in answer
    assert "۱۰:۰۰" in answer and "۱۲:۰۰" in answer and jalali(2)[:4] in answer


async def test_subscribe_by_location(harness) -> None:
    person = harness.person()
    await person.send_command("outages")
    assert await text_of(person) == texts.SCHEDULE_OFFER
    await person.press(texts.BTN_SHARE_PLACE)
    assert await text_of(person) == texts.ASK_LOCATION
    await person.send_location(*KAHNUJ)
    assert await text_of(person) == texts.SUBSCRIBED.format(area="کهنوج")
    citizen = await Citizen.get(user_id=1001)
    assert await AreaSubscription.filter(citizen=citizen).values_list("area", flat=True) == [
        "kahnuj"
    ]
    await person.press(texts.BTN_SHARE_PLACE)
    await text_of(person)
    await person.send_location(*TEHRAN_CITY)
    assert (await text_of(person, count=2)) == texts.PICK_AREA
    assert texts.NO_AREA_HERE in [m.text for m in person.inbox[-2:]]


# --------------------------------------------------------------------------- notices


async def test_notices_the_evening_before_and_an_hour_before_once_each(harness) -> None:
    person = harness.person()
    citizen = await Citizen.create(
        messenger=harness.messenger, user_id=1001, chat_id=1001, first_name="مریم"
    )
    await AreaSubscription.create(citizen=citizen, area="jiroft")
    await AreaSubscription.create(citizen=citizen, area="kahnuj")
    await send_csv(harness, f"جیرفت,{jalali(2)},10:00,12:00,تعمیرات شبکه")
    outage = await PlannedOutage.get()
    fields_ = outage_fields(outage)
    eve = texts.NOTICE_EVE.format(**fields_)
    soon = texts.NOTICE_SOON.format(**fields_)

    def count(text: str) -> int:
        return sum(1 for m in person.inbox if m.text == text)

    before_eve = tehran(1, time(19, 50)) - clock.now()
    clock.travel(before_eve)
    assert await queue_outage_notices(20, 60) == 0  # not yet
    clock.travel(timedelta(minutes=15))  # 20:05 the evening before
    await queue_outage_notices(20, 60)
    await queue_outage_notices(20, 60)  # the job running twice (two processes, two rounds)
    harness.workers.wake()
    await harness.standin.wait_until(lambda: count(eve) == 1)
    clock.travel(outage.starts_at - clock.now() - timedelta(minutes=50))
    await queue_outage_notices(20, 60)
    await queue_outage_notices(20, 60)
    harness.workers.wake()
    await harness.standin.wait_until(lambda: count(soon) == 1)
    assert await queue_outage_notices(20, 60) == 0
    rows = await OutboxMessage.filter(dedup_key__startswith="outage-").count()
    assert rows == 2 and count(eve) == 1 and count(soon) == 1
    assert fa("10:00") in soon and "تعمیرات شبکه" in eve


# --------------------------------------------------------------------------- incidents


async def report_outage(harness, user_id: int, where: tuple[float, float]) -> str:
    """«برق خونمون رفته» → the card → the urgent report with a location → filed."""
    person = harness.person(user_id, f"شهروند{user_id}")
    person.location = where
    await person.press_data("app:start:outage-report")
    await text_of(person)
    await person.press(atexts.BTN_SEND_LOCATION)
    await text_of(person)
    await person.press(atexts.BTN_SKIP)
    await text_of(person)
    await person.press(atexts.BTN_SEND_CONTACT)
    await text_of(person)
    await person.press(atexts.BTN_CONFIRM)
    return await text_of(person)


def incident_messages(harness) -> list:
    return [m for m in harness.operator_messages() if (m.text or "").startswith("⚡️")]


async def test_reports_from_one_area_are_one_incident_then_restored(harness) -> None:
    first = await report_outage(harness, 2001, JIROFT)
    assert "پیش‌تر گزارش شده" not in first
    await harness.standin.wait_until(lambda: len(incident_messages(harness)) == 1)
    second = await report_outage(harness, 2002, JIROFT)
    jiroft = get_area("jiroft")
    assert jiroft is not None
    assert texts.KNOWN.format(area=jiroft.name) in second

    staff = operator(harness)
    incident = await Incident.get()
    await staff.press_data(f"inc:eta:{incident.id}.2", incident.group_message_id)
    await harness.standin.wait_until(
        lambda: any(a.text == texts.ETA_SET for a in harness.standin.callback_answers)
    )
    third = await report_outage(harness, 2003, JIROFT)
    assert "زمان تخمینی وصل برق" in third
    await harness.standin.wait_until(
        lambda: "تعداد گزارش‌ها: ۳" in (incident_messages(harness)[0].text or "")
    )
    assert len(incident_messages(harness)) == 1  # one message, edited: no flood
    assert "تعداد گزارش‌ها: ۱" not in incident_messages(harness)[0].text

    other = await report_outage(harness, 2004, KAHNUJ)  # another area: its own incident
    assert "پیش‌تر گزارش شده" not in other
    await harness.standin.wait_until(lambda: len(incident_messages(harness)) == 2)

    stranger = operator(harness, 5555, "ناشناس")
    await stranger.press_data(f"inc:done:{incident.id}", incident.group_message_id)
    await harness.standin.wait_until(
        lambda: any(a.text == dtexts.NOT_OPERATOR for a in harness.standin.callback_answers)
    )
    await staff.press_data(f"inc:done:{incident.id}", incident.group_message_id)
    restored = texts.RESTORED_NOTICE.format(area=jiroft.name)
    for user_id in (2001, 2002, 2003):
        person = harness.person(user_id)
        await harness.standin.wait_until(lambda p=person: p.inbox[-1].text == restored)
    assert all(m.text != restored for m in harness.person(2004).inbox)
    await harness.standin.wait_until(
        lambda: "برق وصل شد" in (incident_messages(harness)[0].text or "")
    )
    await staff.press_data(f"inc:done:{incident.id}", incident.group_message_id)  # twice
    await harness.standin.wait_until(
        lambda: any(a.text == texts.ALREADY_RESTORED for a in harness.standin.callback_answers)
    )
    for user_id in (2001, 2002, 2003):
        assert sum(m.text == restored for m in harness.person(user_id).inbox) == 1

    later = await report_outage(harness, 2005, JIROFT)  # after restoring: a new incident
    assert "پیش‌تر گزارش شده" not in later


async def test_broadcast_to_an_area_s_subscribers(harness) -> None:
    from handlers.texts import broadcast as btexts
    from tests.e2e.conftest import ADMIN_ID

    for uid, area in ((5001, "jiroft"), (5002, "jiroft"), (5003, "kahnuj")):
        citizen = await Citizen.create(
            messenger=harness.messenger, user_id=uid, chat_id=uid, first_name="شهروند"
        )
        await AreaSubscription.create(citizen=citizen, area=area)
    admin = harness.person(ADMIN_ID, "مدیر")
    await admin.send_command("broadcast")
    await admin.wait_for_reply()
    await admin.send_text("فردا برق جیرفت از ساعت ۱۰ قطع است.")
    assert await text_of(admin) == btexts.CHOOSE_AUDIENCE
    await admin.press(texts.AUD_AREA)
    assert await text_of(admin) == texts.CHOOSE_AREA
    await admin.press("جیرفت")
    confirm = await text_of(admin, count=3)
    assert texts.AUD_AREA_ITEM.format(area="جیرفت") in confirm and fa(2) in confirm
