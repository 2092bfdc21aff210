"""Unfinished dialogs: one reminder after ``dialog_reminder_minutes``, expiry after
``dialog_timeout_minutes``. Idle time is aged in the database instead of waited for, and
the workers are woken instead of waiting for their minute."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from telegram import Update
from tortoise import timezone

from handlers import flows, texts
from handlers.common import send
from handlers.texts import notices
from models.dialog import DialogState
from models.request import ServiceRequest
from tests.e2e.test_apply import begin

FLOW = "expirytest"
RESUMED = "resumed"


@pytest.fixture
async def resumable_flow() -> AsyncIterator[str]:
    """A resumable flow like the application dialog's (which has its own tests)."""

    async def on_message(update: Update, context, state: DialogState) -> None:
        await state.advance("next")

    async def on_resume(update: Update, context, state: DialogState) -> None:
        await send(update, context, f"{RESUMED}:{state.step}")

    flows.register_flow(FLOW, on_message, resume=on_resume)
    yield FLOW
    flows.RESUMABLE.pop(FLOW, None)
    flows._FLOWS.pop(FLOW, None)


async def open_dialog(harness, user_id: int, flow: str, idle_minutes: int) -> DialogState:
    state = await DialogState.begin(harness.messenger, user_id, user_id, flow, "step", {"a": 1})
    await age(state, idle_minutes)
    return state


async def age(state: DialogState, idle_minutes: int) -> None:
    when = timezone.now() - timedelta(minutes=idle_minutes)
    await DialogState.filter(id=state.id).update(updated_at=when)


async def run_workers_until(harness, condition: Callable[[], Awaitable[bool]]) -> None:
    """Wake the background jobs until ``condition`` holds (5 s at most)."""
    async with asyncio.timeout(5):
        while not await condition():
            harness.workers.wake()
            await asyncio.sleep(0.02)


def has_messages(person, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(person.inbox) >= count

    return check


async def test_one_reminder_then_expiry(harness, resumable_flow: str) -> None:
    maryam = harness.person(1001)
    state = await open_dialog(harness, 1001, resumable_flow, idle_minutes=61)
    await run_workers_until(harness, has_messages(maryam, 1))
    [reminder] = maryam.inbox
    assert reminder.text == notices.DIALOG_REMINDER
    assert "درخواست نیمه‌تمام شما" in reminder.text
    assert [label for row in reminder.inline_buttons for label, _ in row] == [
        texts.BTN_CONTINUE,
        texts.BTN_CANCEL,
    ]
    reminded = await DialogState.get(id=state.id)
    assert reminded.reminded
    assert timedelta(minutes=60) < reminded.idle_for() < timedelta(minutes=62)  # clock kept

    # another citizen's reminder proves later rounds ran: Maryam got no second one
    ali = harness.person(1002, "علی")
    await open_dialog(harness, 1002, resumable_flow, idle_minutes=61)
    await run_workers_until(harness, has_messages(ali, 1))
    assert len(maryam.inbox) == 1

    await age(state, 121)
    await run_workers_until(harness, has_messages(maryam, 2))
    assert maryam.inbox[-1].text == notices.DIALOG_EXPIRED
    assert await DialogState.get_or_none(id=state.id) is None
    assert await ServiceRequest.all().count() == 0


async def test_reminder_buttons_continue_and_cancel(harness, resumable_flow: str) -> None:
    maryam, ali = harness.person(1001), harness.person(1002, "علی")
    await open_dialog(harness, 1001, resumable_flow, idle_minutes=61)
    await open_dialog(harness, 1002, resumable_flow, idle_minutes=61)
    await run_workers_until(harness, has_messages(maryam, 1))
    await run_workers_until(harness, has_messages(ali, 1))

    await maryam.press(texts.BTN_CONTINUE)
    [resumed] = await maryam.wait_for_reply()
    assert resumed.text == f"{RESUMED}:step"
    await maryam.send_text("پاسخ بعدی")
    await run_workers_until(harness, lambda: _step_is(1001, "next"))
    fresh = await DialogState.get(messenger=harness.messenger, user_id=1001)
    assert not fresh.reminded  # answering resets it: the next silence gets a reminder again

    await ali.press(texts.BTN_CANCEL)
    [cancelled] = await ali.wait_for_reply()
    assert cancelled.text == texts.CANCELLED
    assert await DialogState.filter(user_id=1002).count() == 0


async def _step_is(user_id: int, step: str) -> bool:
    return await DialogState.filter(user_id=user_id, step=step).exists()


async def test_short_flows_expire_silently(harness, resumable_flow: str) -> None:
    searching, tracking = harness.person(1001), harness.person(1002)
    search = await open_dialog(harness, 1001, "search", idle_minutes=121)
    await open_dialog(harness, 1002, "track", idle_minutes=61)
    # a resumable dialog idle as long shows when a round has run
    witness = harness.person(1003)
    await open_dialog(harness, 1003, resumable_flow, idle_minutes=61)
    await run_workers_until(harness, has_messages(witness, 1))

    assert await DialogState.get_or_none(id=search.id) is None
    assert not (await DialogState.get(user_id=1002)).reminded
    assert searching.inbox == [] and tracking.inbox == []


async def test_application_dialog_reminder_continues_the_same_step(harness) -> None:
    """The real application dialog: a reminder, then «ادامه» asks the same question again."""
    person = harness.person()
    question = await begin(harness, person, "meter-replacement")
    state = await DialogState.get(user_id=person.user_id)
    await age(state, 61)
    await run_workers_until(harness, has_messages(person, 2))
    assert person.inbox[-1].text == notices.DIALOG_REMINDER
    await person.wait_for_reply()
    await person.press(texts.BTN_CONTINUE)
    [again] = await person.wait_for_reply()
    assert again.text in question  # the step's question, without the first-time intro
    assert again.text.startswith("مرحله ۱ از")
