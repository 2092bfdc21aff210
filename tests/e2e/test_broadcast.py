"""Admins speak to citizens: /broadcast end to end through the stand-in.

Who may broadcast, choosing the audience, the preview and the cancel, the citizen's
opt-out, blocked citizens, pause/resume/cancel, a restart half-way, and replies to a
citizen staying quick while a broadcast runs.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

from handlers import texts as general
from handlers.broadcast import citizen_text
from handlers.render import fa
from handlers.texts import broadcast as texts
from models import clock
from models.broadcast import Broadcast, BroadcastState
from models.citizen import Citizen
from models.outbox import OutboxMessage, OutboxStatus, Priority
from tests.e2e.conftest import ADMIN_ID, OPERATOR_ID
from tests.e2e.test_operator import make_request

NEWS = "فردا از ساعت ۱۰ تا ۱۲ به دلیل تعمیرات شبکه، برق محله شهرک صنعتی قطع است."


async def citizens(harness, count: int, first: int = 5001) -> list[Citizen]:
    """Citizens who wrote to the bot before (rows only: their chats exist on the messenger)."""
    return [
        await Citizen.create(
            messenger=harness.messenger, user_id=uid, chat_id=uid, first_name=f"شهروند{uid}"
        )
        for uid in range(first, first + count)
    ]


def received(harness, chat_id: int, text: str = NEWS) -> int:
    """How many copies of the broadcast a chat holds."""
    wanted = citizen_text(text)
    return sum(1 for m in harness.standin.messages(chat_id) if (m.text or m.caption) == wanted)


async def compose(harness, admin, text: str = NEWS, audience: str = texts.AUD_ALL) -> str:
    """/broadcast, the text, the audience: returns the confirmation text (after the preview)."""
    await admin.send_command("broadcast")
    assert (await admin.wait_for_reply())[0].text == texts.COMPOSE
    await admin.send_text(text)
    assert (await admin.wait_for_reply())[0].text == texts.CHOOSE_AUDIENCE
    await admin.press(audience)
    title, preview, confirm = await admin.wait_for_reply(count=3)
    assert title.text == texts.PREVIEW_TITLE
    assert preview.text == citizen_text(text)  # exactly what citizens will see
    return confirm.text


async def nothing_in_flight(timeout: float = 10.0) -> None:
    """Until no broadcast row is claimed by a live lease (every send under way ended)."""
    async with asyncio.timeout(timeout):
        while await OutboxMessage.filter(
            kind="broadcast.message",
            status=OutboxStatus.PENDING,
            claimed_until__gt=clock.now(),
        ).exists():
            await asyncio.sleep(0.05)


async def answered(harness, text: str) -> None:
    """Until a button press was answered with ``text``."""
    await harness.standin.wait_until(
        lambda: any(a.text == text for a in harness.standin.callback_answers)
    )


async def until_done(harness, timeout: float = 30.0) -> Broadcast:
    async with asyncio.timeout(timeout):
        while True:
            b = await Broadcast.all().order_by("-id").first()
            if b is not None and b.state in (BroadcastState.DONE, BroadcastState.CANCELLED):
                return b
            clock.travel(timedelta(seconds=30))  # past retry pauses and progress intervals
            harness.workers.wake()
            await asyncio.sleep(0.05)


async def test_only_admins_may_broadcast(harness) -> None:
    """A citizen and an operator are refused, by command and by a forged button."""
    await citizens(harness, 2)
    for user_id in (1001, OPERATOR_ID):
        person = harness.person(user_id)
        await person.send_command("broadcast")
        assert (await person.wait_for_reply())[0].text == texts.NOT_ADMIN
        await person.send_command("broadcasts")
        assert (await person.wait_for_reply())[0].text == texts.NOT_ADMIN
    admin = harness.person(ADMIN_ID, "مدیر")
    await compose(harness, admin)
    b = await Broadcast.get()
    intruder = harness.person(1001)
    await intruder.press_data(f"bc:go:{b.id}")
    await harness.standin.wait_until(lambda: len(harness.standin.callback_answers) >= 2)
    assert harness.standin.callback_answers[-1].text == texts.NOT_ADMIN
    assert (await Broadcast.get()).state == BroadcastState.DRAFT
    assert not await OutboxMessage.filter(kind="broadcast.message").exists()


async def test_preview_and_cancel_send_nothing(harness) -> None:
    people = await citizens(harness, 3)
    admin = harness.person(ADMIN_ID, "مدیر")
    confirm = await compose(harness, admin)
    assert fa(3) in confirm  # three recipients (the admin never wrote before: not one)
    await admin.press(texts.BTN_CANCEL)
    edited = await admin.wait_for_edit()
    assert edited.text == texts.DISCARDED
    await admin.press_data(f"bc:go:{(await Broadcast.get()).id}")  # too late to confirm
    await harness.standin.wait_until(lambda: len(harness.standin.callback_answers) >= 3)
    assert harness.standin.callback_answers[-1].text == texts.NOT_DRAFT
    harness.workers.wake()
    await asyncio.sleep(0.3)
    assert all(received(harness, c.chat_id) == 0 for c in people)
    assert (await Broadcast.get()).state == BroadcastState.CANCELLED


async def test_audiences_count_who_they_name(harness) -> None:
    """By messenger, by service filed, with open requests: preview counts and recipients."""
    await citizens(harness, 4)
    await make_request(harness, user_id=5001, service_code="meter-replacement")
    await make_request(harness, user_id=5002, service_code="meter-relocation")
    admin = harness.person(ADMIN_ID, "مدیر")
    confirm = await compose(harness, admin, audience=texts.AUD_OPEN)
    assert f"{texts.AUD_OPEN}\n" in confirm and fa(2) in confirm

    await admin.send_command("broadcast")
    await admin.wait_for_reply()
    await admin.send_text(NEWS)
    await admin.wait_for_reply()
    await admin.press(texts.AUD_SERVICE)
    assert (await admin.wait_for_reply())[0].text == texts.CHOOSE_SERVICE
    await admin.press("جابجایی کنتور یا انشعاب")
    confirm = (await admin.wait_for_reply(count=3))[-1].text
    assert "جابجایی کنتور یا انشعاب" in confirm and f"{fa(1)} نفر" in confirm
    await admin.press(texts.BTN_SEND)
    await until_done(harness)
    assert received(harness, 5002) == 1
    assert [received(harness, uid) for uid in (5001, 5003, 5004)] == [0, 0, 0]


async def test_broadcast_reaches_everyone_but_the_opted_out_and_marks_the_blocked(
    harness,
) -> None:
    people = await citizens(harness, 5)
    quitter = harness.person(5002)
    await quitter.send_text(texts.BTN_OPT_OUT)
    assert (await quitter.wait_for_reply())[0].text.startswith("✅")
    regretful = harness.person(5003)
    await regretful.send_command("stop")
    await regretful.wait_for_reply()
    await regretful.send_text(texts.BTN_OPT_IN)
    assert (await regretful.wait_for_reply())[0].text == texts.OPTED_IN
    harness.standin.state.blocked.add(5004)  # blocked the bot; the bot does not know yet

    admin = harness.person(ADMIN_ID, "مدیر")
    await compose(harness, admin)
    await admin.press(texts.BTN_SEND)
    progress = await admin.wait_for_edit()
    assert progress.text.startswith("📣")
    b = await until_done(harness)
    assert b.state == BroadcastState.DONE

    assert {c.user_id: received(harness, c.chat_id) for c in people} == {
        5001: 1,
        5002: 0,  # opted out
        5003: 1,  # opted back in
        5004: 0,  # blocked
        5005: 1,
    }
    assert (await Citizen.get(user_id=5004)).blocked_bot
    await harness.standin.wait_until(
        lambda: any("گزارش پایانی" in (m.text or "") for m in admin.inbox)
    )
    report = next(m.text for m in admin.inbox if "گزارش پایانی" in (m.text or ""))
    assert f"فرستاده: {fa(3)}" in report and f"مسدودکرده ربات: {fa(1)}" in report

    # the next broadcast skips the blocked citizen from the start
    await compose(harness, admin)
    confirm = admin.inbox[-1].text
    assert f"{fa(3)} نفر" in confirm


async def test_the_progress_message_ends_with_the_final_figures(harness) -> None:
    """The progress edits are outbox rows: edits the messenger refused are sent again, and
    the admin's message ends showing the broadcast done, its figures and no buttons."""
    await citizens(harness, 3)
    admin = harness.person(ADMIN_ID, "مدیر")
    await compose(harness, admin)
    harness.standin.fail_next("editMessageText", status=500, times=3)
    await admin.press(texts.BTN_SEND)
    b = await until_done(harness)
    assert b.state == BroadcastState.DONE and b.progress_message_id is not None
    done = texts.STATE_NAMES[BroadcastState.DONE]

    def final() -> bool:
        [shown] = [m for m in harness.standin.messages(b.admin_chat_id)
                   if m.message_id == b.progress_message_id]  # fmt: skip
        return done in (shown.text or "") and f"{fa(3)}" in shown.text and not shown.reply_markup

    async with asyncio.timeout(20):
        while not final():
            clock.travel(timedelta(seconds=30))  # past the retry pauses
            harness.workers.wake()
            await asyncio.sleep(0.05)


async def test_request_notices_reach_opted_out_citizens(harness) -> None:
    """Opting out stops broadcasts only: a status change still arrives."""
    person = harness.person(1001)
    await person.send_text(texts.BTN_OPT_OUT)
    await person.wait_for_reply()
    request = await make_request(harness, user_id=1001)
    await request.move_to("in_review", actor="test")
    harness.workers.wake()
    messages = await person.wait_for_reply()
    assert general.STATUS_LABELS["in_review"] in messages[0].text


async def test_pause_resume_and_cancel_from_the_list(harness) -> None:
    people = await citizens(harness, 30)
    harness.standin.slow("sendMessage", 0.05)
    admin = harness.person(ADMIN_ID, "مدیر")
    await compose(harness, admin)
    await admin.press(texts.BTN_SEND)
    await admin.wait_for_edit()
    b = await Broadcast.get()
    await admin.press(texts.BTN_PAUSE)
    await answered(harness, texts.PAUSED.format(id=fa(b.id)))
    assert (await Broadcast.get()).state == BroadcastState.PAUSED
    await nothing_in_flight()  # what was in flight at the press lands
    sent_when_paused = sum(received(harness, c.chat_id) for c in people)
    clock.travel(timedelta(minutes=5))
    harness.workers.wake()
    await asyncio.sleep(0.5)
    assert sum(received(harness, c.chat_id) for c in people) == sent_when_paused

    await admin.send_command("broadcasts")
    title, item = await admin.wait_for_reply(count=2)
    assert title.text == texts.LIST_TITLE and texts.STATE_NAMES["paused"] in item.text
    await admin.press(texts.BTN_RESUME)
    await answered(harness, texts.RESUMED.format(id=fa(b.id)))
    await harness.standin.wait_until(
        lambda: sum(received(harness, c.chat_id) for c in people) > sent_when_paused
    )
    await admin.press(texts.BTN_STOP)
    await answered(harness, texts.CANCELLED.format(id=fa(b.id)))
    b = await until_done(harness)
    assert b.state == BroadcastState.CANCELLED
    await asyncio.sleep(0.3)
    after_cancel = sum(received(harness, c.chat_id) for c in people)
    assert after_cancel < len(people)
    assert all(received(harness, c.chat_id) <= 1 for c in people)


async def test_a_restart_half_way_skips_nobody_and_repeats_nobody(harness) -> None:
    people = await citizens(harness, 60)
    harness.standin.slow("sendMessage", 0.02)
    admin = harness.person(ADMIN_ID, "مدیر")
    await compose(harness, admin)
    await admin.press(texts.BTN_SEND)
    await harness.standin.wait_until(
        lambda: sum(received(harness, c.chat_id) for c in people) >= 30, timeout=20
    )
    await harness.restart()  # a clean stop: the sends in flight are finished and marked
    b = await until_done(harness, timeout=60)
    assert b.state == BroadcastState.DONE
    counts = Counter(received(harness, c.chat_id) for c in people)
    assert counts == {1: 60}  # nobody skipped, nobody twice
    assert (
        await OutboxMessage.filter(status=OutboxStatus.SENT, kind="broadcast.message").count() == 60
    )


async def test_a_crash_resends_only_what_was_in_flight(harness) -> None:
    """A process died with two rows claimed (sent or not, nobody knows): once their lease
    runs out they go again; every other citizen gets the broadcast once."""
    people = await citizens(harness, 10)
    admin = harness.person(ADMIN_ID, "مدیر")
    await compose(harness, admin)
    b = await Broadcast.get()
    await harness.stop()
    from models import broadcast as model

    await model.confirm(b.id, None)
    await model.queue_recipients(await Broadcast.get(id=b.id))
    in_flight = await OutboxMessage.filter(kind="broadcast.message").order_by("id").limit(2)
    for row in in_flight:  # the dead process had claimed these
        await OutboxMessage.filter(id=row.id).update(
            claimed_by="dead", claimed_until=clock.now() + timedelta(seconds=60)
        )
    await harness.start()
    harness.workers.wake()
    await harness.standin.wait_until(
        lambda: sum(received(harness, c.chat_id) for c in people) == 8, timeout=10
    )
    clock.travel(timedelta(seconds=61))  # the dead process's leases run out
    await until_done(harness)
    assert all(received(harness, c.chat_id) == 1 for c in people)


async def test_a_citizen_is_answered_quickly_while_a_broadcast_runs(harness) -> None:
    """The budget keeps room for replies: a search is answered within two seconds while
    a few hundred broadcast rows wait for their turn."""
    harness.settings = harness.settings.model_copy(
        update={f"{harness.messenger}_rate": 10.0, "rate_reserve": 0.3}
    )
    await harness.restart()
    await citizens(harness, 200)
    admin = harness.person(ADMIN_ID, "مدیر")
    await compose(harness, admin)
    await admin.press(texts.BTN_SEND)
    await harness.standin.wait_until(
        lambda: len(harness.standin.calls_to("sendMessage")) > 30, timeout=20
    )
    person = harness.person(1001)
    waits = []
    for query in ("کنتورم خراب شده", "قبضم زیاد اومده", "می‌خوام کنتورم سه‌فاز بشه"):
        started = time.monotonic()
        await person.send_text(query)
        await person.wait_for_reply(timeout=5)
        waits.append(time.monotonic() - started)
    assert max(waits) < 2.0, waits
    rows = await OutboxMessage.filter(kind="broadcast.message", priority=Priority.BULK).count()
    assert rows == 200
    left = await OutboxMessage.filter(kind="broadcast.message", status=OutboxStatus.PENDING)
    assert left  # the broadcast was still running when the citizen was answered
