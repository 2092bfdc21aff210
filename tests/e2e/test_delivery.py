"""Nothing the bot owes is lost: the announcement of a filed request reaches the operator
group whatever happens to the citizen's reply, to the group's sends, or to the process.

Each test here failed before the announcement moved into the outbox (issue 14, item 1): it
was sent after the citizen's reply, inside the citizen's update, once.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from handlers.deps import KEY
from handlers.render import fa
from handlers.texts import apply as apply_texts
from models import clock
from models.outbox import OutboxMessage, OutboxStatus
from models.request import RequestStatus, ServiceRequest
from tests.e2e.announced import announced_parts
from tests.e2e.conftest import OPERATOR_CHAT
from tests.e2e.test_apply import begin, photo, png, press, say
from tests.e2e.test_operator import make_request

HAZARD = "سیم برق پاره شده و روی زمین افتاده"


async def reach_confirm(harness, person) -> None:
    """An urgent hazard report up to its summary: five steps, one photo."""
    await begin(harness, person, "safety-hazard")
    await press(person, apply_texts.BTN_SEND_LOCATION)
    await say(person, HAZARD)
    await photo(person, png(person.user_id))
    await press(person, apply_texts.BTN_NEXT)
    summary = await press(person, apply_texts.BTN_SEND_CONTACT)
    assert summary.startswith(apply_texts.SUMMARY_TITLE)


async def until_outbox_empty(harness, timeout: float = 20.0) -> None:
    """Let the outbox work, moving the clock past each retry pause instead of waiting."""
    async with asyncio.timeout(timeout):
        while await OutboxMessage.filter(status=OutboxStatus.PENDING).exists():
            clock.travel(timedelta(seconds=30))
            harness.workers.wake()
            await asyncio.sleep(0.05)


async def test_a_failed_filing_reply_does_not_lose_the_announcement(harness) -> None:
    person = harness.person(1001)
    await reach_confirm(harness, person)
    harness.standin.fail_randomly(1.0, chat_id=person.chat_id, statuses=(500,))
    await person.press(apply_texts.BTN_CONFIRM)
    await harness.standin.wait_until(lambda: harness.standin.injected_faults > 0)
    harness.standin.fail_randomly(0)

    request = await ServiceRequest.get()
    await until_outbox_empty(harness)
    await harness.standin.wait_until(
        lambda: announced_parts(harness.operator_messages(), request.tracking_code)["status"] == 1
    )
    assert announced_parts(harness.operator_messages(), request.tracking_code) == {
        "details": 1,
        "photo": 1,
        "status": 1,
    }


async def test_every_filing_is_announced_whole_through_group_faults(harness) -> None:
    """A quarter of the group's sends fail (5xx and 429): every part still arrives, once."""
    harness.standin.fail_randomly(0.25, seed=7, chat_id=OPERATOR_CHAT)
    codes = []
    for n in range(4):
        person = harness.person(2001 + n, f"شهروند{n}")
        await reach_confirm(harness, person)
        await press(person, apply_texts.BTN_CONFIRM)
        codes.append((await ServiceRequest.all().order_by("-id").first()).tracking_code)
    await until_outbox_empty(harness)
    assert harness.standin.injected_faults > 0  # the faults did bite
    for code in codes:
        assert announced_parts(harness.operator_messages(), code) == {
            "details": 1,
            "photo": 1,
            "status": 1,
        }, code


async def test_the_announcement_survives_a_restart(harness) -> None:
    """The group is unreachable when the request is filed and the bot restarts: the new
    process announces it."""
    harness.standin.fail_randomly(1.0, chat_id=OPERATOR_CHAT, statuses=(502,))
    person = harness.person(1001)
    await reach_confirm(harness, person)
    await press(person, apply_texts.BTN_CONFIRM)
    request = await ServiceRequest.get()
    await harness.standin.wait_until(lambda: harness.standin.injected_faults > 0)
    await harness.restart()
    harness.standin.fail_randomly(0)

    await until_outbox_empty(harness)
    assert announced_parts(harness.operator_messages(), request.tracking_code) == {
        "details": 1,
        "photo": 1,
        "status": 1,
    }


async def test_a_slow_group_send_holds_up_no_citizen(harness) -> None:
    """The group's album takes seconds to go (a slow upload, the messenger's per-group
    limit): a citizen's status notice queued meanwhile goes at once, not after it."""
    harness.standin.slow("sendPhoto", 3.0)
    person = harness.person(1001)
    await reach_confirm(harness, person)
    await press(person, apply_texts.BTN_CONFIRM)
    album = OutboxMessage.filter(kind="announce.album", status=OutboxStatus.PENDING)
    async with asyncio.timeout(10):
        while not await album.filter(claimed_until__gt=clock.now()).exists():
            await asyncio.sleep(0.02)  # until the album's send is under way

    other = await make_request(harness, user_id=1002, first_name="علی")
    await other.move_to(RequestStatus.IN_REVIEW, actor="test")
    harness.app.bot_data[KEY].wake_workers()
    citizen = harness.person(1002, "علی")
    [notice] = await citizen.wait_for_reply(timeout=10)
    assert fa(other.tracking_code) in notice.text
    request = await ServiceRequest.filter(citizen__user_id=1001).get()
    assert announced_parts(harness.operator_messages(), request.tracking_code)["photo"] == 0
    await until_outbox_empty(harness)
    assert announced_parts(harness.operator_messages(), request.tracking_code)["photo"] == 1
