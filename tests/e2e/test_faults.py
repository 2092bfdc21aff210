"""The messenger failing a tenth of the bot's calls loses nothing (issue 12, "Faults").

The stand-in fails 10% of the calls that say something with a 5xx, a 429 naming a pause,
or a timeout whose message did arrive (its answer held past ``SKEDBOT_BOT_API_TIMEOUT``).
Through it, citizens file requests (every answer of the dialog), the group gets the
announcements, a back-office tool changes a status (the citizens' notices) and an admin
broadcasts. Every one of those messages arrives, and a message shows twice only where a
timeout hid that it had arrived: the at-least-once window the README documents.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from bot.standin import TIMEOUT
from handlers import texts
from handlers.broadcast import citizen_text
from handlers.deps import KEY
from handlers.render import fa
from handlers.texts import apply as apply_texts
from handlers.texts import broadcast as btexts
from models import clock
from models.digits import to_latin_digits
from models.outbox import OutboxMessage, OutboxStatus
from models.request import ServiceRequest
from tests.e2e.announced import announced_parts
from tests.e2e.conftest import ADMIN_ID, OPERATOR_CHAT
from tests.e2e.settled import all_handled
from tests.e2e.test_apply import png
from tests.e2e.test_broadcast import NEWS, compose, until_done
from tests.e2e.test_delivery import HAZARD, until_outbox_empty

TIMEOUT_SECONDS = 0.3
"""``SKEDBOT_BOT_API_TIMEOUT`` here; the stand-in answers a timed-out call after LATE."""
LATE = 1.0
CITIZENS = (3001, 3002, 3003, 3004)
FAULTS = (500, 502, 429, TIMEOUT)
HELP_TITLE = texts.HELP.split("\n", 1)[0]


@pytest.fixture
async def flaky(harness):
    """The harness with a short Bot API timeout and no flood limit (a filing is many
    messages), and a stand-in that answers a timed-out call late instead of never."""
    harness.settings.bot_api_timeout = TIMEOUT_SECONDS
    harness.settings.flood_limit = 1000
    await harness.restart()
    harness.standin.late_answer_seconds = LATE
    return harness


async def answer(harness, person, action) -> str:
    """Do ``action``, wait for the bot's answer — moving the clock past the outbox's retry
    pauses, where a reply that failed every try went — then until the bot has handled every
    update (its retries included), so that a late copy cannot pass for the answer to the
    next step."""
    await action
    messages = harness.standin.state.messages_in(person.chat_id)
    mark = person._seen
    async with asyncio.timeout(30):
        while len(messages) <= mark:
            clock.travel(timedelta(seconds=30))
            harness.workers.wake()
            await asyncio.sleep(0.05)
    await all_handled(harness.app, harness.standin)
    person._seen = len(messages)
    return messages[mark].text or messages[mark].caption or ""


async def up_to_the_photo(harness, person) -> None:
    """An urgent hazard report up to its photo step, every step answered."""
    assert await answer(harness, person, person.press_data("app:start:safety-hazard"))
    await answer(harness, person, person.press(apply_texts.BTN_SEND_LOCATION))
    await answer(harness, person, person.send_text(HAZARD))


async def file_hazard(harness, person) -> ServiceRequest:
    """An urgent hazard report, every step answered."""
    await up_to_the_photo(harness, person)
    await answer(harness, person, person.send_photo(png(person.user_id)))
    await answer(harness, person, person.press(apply_texts.BTN_NEXT))
    summary = await answer(harness, person, person.press(apply_texts.BTN_SEND_CONTACT))
    assert summary.startswith(apply_texts.SUMMARY_TITLE)
    done = await answer(harness, person, person.press(apply_texts.BTN_CONFIRM))
    request = await ServiceRequest.filter(citizen__user_id=person.user_id).get()
    assert request.tracking_code in to_latin_digits(done)
    return request


def copies(harness, chat_id: int) -> Counter[str]:
    return Counter(m.text or m.caption or "" for m in harness.standin.messages(chat_id))


async def test_a_tenth_of_the_calls_failing_loses_nothing(flaky) -> None:
    harness = flaky
    standin = harness.standin
    people = [harness.person(uid, f"شهروند{uid}") for uid in CITIZENS]
    standin.fail_randomly(0.10, seed=12, statuses=FAULTS)
    requests = [await file_hazard(harness, person) for person in people]

    standin.fail_randomly(0)  # the admin's dialog counts its answers; its sends go below
    admin = harness.person(ADMIN_ID, "مدیر")
    await compose(harness, admin)
    standin.fail_randomly(0.10, seed=13, statuses=FAULTS)
    for request in requests:  # a back-office tool moves each request on
        await ServiceRequest._meta.db.execute_script(
            f"UPDATE service_request SET status = 'in_progress' WHERE id = {request.id}"
        )
    harness.app.bot_data[KEY].wake_workers()
    await admin.press(btexts.BTN_SEND)
    await until_done(harness, timeout=60)
    await until_outbox_empty(harness, timeout=60)
    await all_handled(harness.app, standin)
    standin.fail_randomly(0)
    faults, timeouts = standin.injected_faults, standin.injected_timeouts
    assert faults >= 4 and timeouts >= 1, (faults, timeouts)  # the faults did bite

    extra = 0
    for person, request in zip(people, requests, strict=True):
        got = copies(harness, person.chat_id)
        code, status = fa(request.tracking_code), texts.STATUS_LABELS["in_progress"]
        assert any(code in text and status in text for text in got), person  # the notice
        assert got[citizen_text(NEWS)] >= 1, person  # the broadcast
        assert texts.INTERNAL_ERROR not in got
        extra += sum(n - 1 for n in got.values())
        parts = announced_parts(harness.operator_messages(), request.tracking_code)
        assert min(parts.values()) >= 1, parts  # details, photo and status buttons
    extra += sum(n - 1 for n in copies(harness, OPERATOR_CHAT).values())
    assert extra <= timeouts, (extra, timeouts)  # a copy only where a timeout hid a send
    assert not await OutboxMessage.filter(status=OutboxStatus.FAILED).exists()


async def test_a_reply_hit_by_one_server_error_is_sent_again(flaky) -> None:
    person = flaky.person(1001)
    flaky.standin.fail_next("sendMessage", status=500)
    reply = await answer(flaky, person, person.send_command("/help"))
    assert reply.startswith(HELP_TITLE)
    assert [m.text for m in flaky.standin.messages(person.chat_id)] == [reply]


async def test_a_reply_the_messenger_keeps_refusing_waits_in_the_outbox(flaky) -> None:
    """Every try inside the update fails: the answer is owed, not dropped, and goes as soon
    as the messenger takes it."""
    person = flaky.person(1001)
    flaky.standin.fail_next("sendMessage", status=503, times=4)  # three tries, then the outbox
    reply = await answer(flaky, person, person.send_command("/help"))
    assert reply.startswith(HELP_TITLE)
    assert [m.text for m in flaky.standin.messages(person.chat_id)] == [reply]
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 1


async def test_a_photo_receipt_the_messenger_keeps_refusing_waits_in_the_outbox(flaky) -> None:
    """The photo is kept; its receipt (with «بعدی») is owed, not dropped."""
    person = flaky.person(1001)
    await up_to_the_photo(flaky, person)
    flaky.standin.fail_next("sendMessage", status=503, times=4)  # three tries, then the outbox
    receipt = await answer(flaky, person, person.send_photo(png(1)))
    expected = apply_texts.RECEIVED.format(
        what=apply_texts.FILE_WORD_PHOTO, n=fa(1), title="عکس خطر", next=apply_texts.BTN_NEXT
    )
    assert receipt == expected
    await answer(flaky, person, person.press(apply_texts.BTN_NEXT))  # the receipt's button
    summary = await answer(flaky, person, person.press(apply_texts.BTN_SEND_CONTACT))
    assert summary.startswith(apply_texts.SUMMARY_TITLE)


async def test_a_press_whose_answer_timed_out_still_gets_its_reply(flaky) -> None:
    """The button press's answer landed but its reply came too late; the retry is told the
    press is answered already. That is done, not a failure: the citizen's reply follows."""
    person = flaky.person(1001)
    flaky.standin.fail_next("answerCallbackQuery", status=TIMEOUT)
    card = await answer(flaky, person, person.press_data("app:start:safety-hazard"))
    assert card.startswith(apply_texts.URGENT_INTRO.split("«")[0])  # the first step, not silence
    assert flaky.standin.injected_timeouts == 1
