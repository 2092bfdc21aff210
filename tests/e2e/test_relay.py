"""The conversation relay end to end: a citizen's text, voice note and photo reach the
operator group under one header; operators' replies (text, voice) reach the citizen, a
non-operator's do not; the mapping lives in the database (it survives a restart)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers import texts
from handlers.deps import KEY
from handlers.render import fa
from handlers.texts import relay as rtexts
from models import clock
from models.outbox import pending_count
from models.relay import Direction, Relay, RelayMessage
from tests.e2e.test_operator import MOBILE, eventually, make_request, operator

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(100)
VOICE = b"OggS\x00\x02" + bytes(80)


async def nothing_pending() -> bool:
    return await pending_count() == 0


def in_office_hours() -> None:
    """Move the bot's clock to a Saturday 10:00 Tehran (a working day, office open)."""
    target = datetime(2026, 11, 21, 6, 30, tzinfo=UTC)  # 10:00 in Tehran
    clock.travel(target - clock.now())


async def open_thread(harness, citizen) -> None:
    await citizen.send_text(texts.BTN_STAFF)
    [prompt] = await citizen.wait_for_reply()
    assert prompt.text == texts.STAFF_PROMPT


async def group_count_within(harness, n: int, timeout: float) -> list:
    await harness.standin.wait_until(lambda: len(harness.operator_messages()) >= n, timeout)
    return harness.operator_messages()


async def group_count(harness, n: int) -> list:
    await harness.standin.wait_until(lambda: len(harness.operator_messages()) >= n)
    return harness.operator_messages()


async def test_citizen_and_operator_talk_both_ways(harness) -> None:
    in_office_hours()
    try:
        citizen = harness.person(1001, "مریم")
        request = await make_request(harness)
        await open_thread(harness, citizen)

        await citizen.send_text("سلام، کنتور ما صدای عجیبی می‌دهد")
        [sent] = await citizen.wait_for_reply()
        assert sent.text == rtexts.SENT.format(end=rtexts.BTN_END)
        header, copied = await group_count(harness, 2)
        assert fa(request.tracking_code) in header.text and "مریم" in header.text
        assert fa(MOBILE) not in header.text and MOBILE not in header.text  # never in full
        assert copied.text == "سلام، کنتور ما صدای عجیبی می‌دهد"
        assert copied.reply_to_message_id == header.message_id

        await citizen.send_voice(VOICE)
        await citizen.wait_for_reply()
        await citizen.send_photo(JPEG, caption="عکس کنتور")
        await citizen.wait_for_reply()
        messages = await group_count(harness, 4)
        voice, photo = messages[2], messages[3]
        assert voice.kind == "voice" and voice.file_bytes() == VOICE
        assert photo.kind == "photo" and photo.text == "عکس کنتور"
        assert {voice.reply_to_message_id, photo.reply_to_message_id} == {header.message_id}

        # a stranger in the group replies: nothing reaches the citizen
        stranger = operator(harness, 5555, "ناشناس")
        await stranger.send_text("من هم نظری دارم", reply_to=copied.message_id)
        await group_count(harness, 5)
        assert harness.operator_messages()[-1].text == rtexts.REPLY_NOT_OPERATOR

        staff = operator(harness)
        await staff.send_text("سلام، همکاران فردا بازدید می‌کنند", reply_to=copied.message_id)
        [answer] = await citizen.wait_for_reply()
        assert answer.text == f"{rtexts.ANSWER_LABEL}\nسلام، همکاران فردا بازدید می‌کنند"

        # a restart: the mapping is in the database, not in memory
        await eventually(nothing_pending)
        await harness.restart()
        await staff.send_voice(VOICE, reply_to=header.message_id)
        [spoken] = await citizen.wait_for_reply()
        assert spoken.kind == "voice" and spoken.file_bytes() == VOICE
        assert spoken.text == rtexts.ANSWER_LABEL

        # the thread continues under the same header, then ends
        await citizen.send_text("ممنون")
        [ack] = await citizen.wait_for_reply()
        assert ack.text == rtexts.SENT_AGAIN
        messages = await group_count(harness, 6)
        assert (
            messages[-1].text == "ممنون" and messages[-1].reply_to_message_id == header.message_id
        )
        await citizen.press(rtexts.BTN_END)
        [ended] = await citizen.wait_for_reply()
        assert ended.text == rtexts.ENDED.format(staff=texts.BTN_STAFF)
        messages = await group_count(harness, 7)
        assert messages[-1].text == rtexts.GROUP_ENDED.format(number=fa((await Relay.first()).id))

        relay = await Relay.get()
        assert not relay.open and relay.request_id == request.id
        items = await RelayMessage.filter(relay=relay).order_by("id")
        assert [(i.direction, i.kind) for i in items] == [
            (Direction.IN, "text"),
            (Direction.IN, "voice"),
            (Direction.IN, "photo"),
            (Direction.OUT, "text"),
            (Direction.OUT, "voice"),
            (Direction.IN, "text"),
        ]
        assert items[3].actor.startswith("operator:")
    finally:
        clock.reset()


async def test_unplaceable_messages_are_offered_to_staff(harness) -> None:
    """A voice note outside any dialog, and a text the matcher cannot place: the bot offers
    to send each, and on the press copies it to the group."""
    in_office_hours()
    try:
        citizen = harness.person(1002, "علی")
        await citizen.send_voice(VOICE)
        [offer] = await citizen.wait_for_reply()
        assert offer.text == rtexts.OFFER_MEDIA
        await citizen.press(rtexts.BTN_SEND_TO_STAFF)
        [sent] = await citizen.wait_for_reply()
        assert sent.text.startswith("✅")
        header, voice = await group_count(harness, 2)
        assert "علی" in header.text and voice.kind == "voice"
        assert rtexts.NO_CODES in header.text

        await citizen.press(rtexts.BTN_END)
        await citizen.wait_for_reply()
        await citizen.send_text("قیمت طلا امروز چنده؟")
        [none] = await citizen.wait_for_reply()
        assert none.inline_button(texts.BTN_STAFF) is not None
        await citizen.press(texts.BTN_STAFF)
        await citizen.wait_for_reply()
        messages = await group_count(harness, 5)
        assert messages[-1].text == "قیمت طلا امروز چنده؟"
    finally:
        clock.reset()


async def test_outside_office_hours_the_citizen_is_told_when(harness) -> None:
    # a Friday noon in Tehran: the next answer is Saturday (30 Aban) at 07:00
    clock.travel(datetime(2026, 11, 20, 8, 30, tzinfo=UTC) - clock.now())
    try:
        citizen = harness.person(1003, "زهرا")
        await open_thread(harness, citizen)
        await citizen.send_text("برق خانه ما از دیروز ضعیف است")
        _sent, later = await citizen.wait_for_reply(count=2)
        assert (
            later.text.startswith("🕐") and "۳۰ آبان ۱۴۰۵" in later.text and "۰۷:۰۰" in later.text
        )
        await group_count(harness, 2)  # and the message still went to the group
    finally:
        clock.reset()


async def test_relayed_message_waits_for_an_unreachable_group(harness) -> None:
    in_office_hours()
    try:
        citizen = harness.person(1004, "رضا")
        await open_thread(harness, citizen)
        harness.standin.fail_next("copyMessage", status=500, times=2)
        await citizen.send_text("پیامی که نباید گم شود")
        await citizen.wait_for_reply()
        await group_count(harness, 1)
        for _ in range(10):  # past the retry pauses without sleeping through them
            clock.travel(timedelta(seconds=10))
            harness.app.bot_data[KEY].wake_workers()
            try:
                await group_count_within(harness, 2, 0.5)
                break
            except TimeoutError:
                continue
        messages = await group_count(harness, 2)
        assert messages[1].text == "پیامی که نباید گم شود"
    finally:
        clock.reset()
