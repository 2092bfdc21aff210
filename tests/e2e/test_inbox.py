"""Updates in: an unreadable one never stalls the bot, a replayed one is handled once, and
an acknowledged one survives the death of the worker that took it (issue 14, items 2, 3
and the replay point of 7)."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import aiohttp

from bot import inbox
from bot.standin import BotApiStandIn
from bot.webhook import SECRET_HEADER
from handlers import texts
from models.inbox import InboundUpdate
from tests.conftest import run_isolated
from tests.e2e.conftest import WebhookBot
from tests.e2e.test_webhook import _update
from tests.e2e.workers import SECRET, TOKEN, in_database, running_workers, seed

SECRET_NAME = "پوریای-رازدار"
PAGE = 100
"""Updates one ``getUpdates`` answer holds at most (PTB asks for the Bot API's maximum)."""
SECRET_QUESTION = "نظرسنجی محرمانه درباره همسایه"


def poison(user_id: int, update_id: int) -> dict[str, Any]:
    """A message with a poll in an older Bot API shape (no ``persistent_id``): PTB 22.8
    cannot parse it, as a lagging server such as Bale's may send."""
    user = {"id": user_id, "is_bot": False, "first_name": SECRET_NAME}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": SECRET_NAME},
            "from": user,
            "poll": {
                "id": "p1",
                "question": SECRET_QUESTION,
                "options": [{"text": "بله", "voter_count": 0}],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            },
        },
    }


def _log_text(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


async def test_unreadable_update_is_skipped_while_polling(harness, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    harness.standin.inject_update(poison(3003, harness.standin.updates.next_id()))
    person = harness.person(1001)
    await person.send_command("/start")
    [welcome] = await person.wait_for_reply(timeout=5)
    assert [texts.BTN_SEARCH, texts.BTN_SERVICES] in welcome.reply_buttons
    assert _log_text(caplog).count("unreadable update") == 1
    assert SECRET_NAME not in _log_text(caplog) and SECRET_QUESTION not in _log_text(caplog)
    assert len(harness.standin.calls_to("getUpdates")) < 30  # no re-fetching loop


async def test_unreadable_update_is_acknowledged_by_the_webhook(
    webhook_bot: WebhookBot, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    async with (
        aiohttp.ClientSession() as http,
        http.post(webhook_bot.url(), json=poison(3003, 77), headers={SECRET_HEADER: SECRET}) as r,
    ):
        assert r.status == 200  # a refusal would make the messenger redeliver it forever
    webhook_bot.standin.inject_update(poison(3004, webhook_bot.standin.updates.next_id()))
    person = webhook_bot.standin.person(1001, "مریم")
    await person.send_command("/start")
    await person.wait_for_reply(timeout=5)
    assert webhook_bot.standin.pusher.pending_count == 0
    assert _log_text(caplog).count("unreadable update") == 2
    assert SECRET_NAME not in _log_text(caplog) and SECRET_QUESTION not in _log_text(caplog)


async def test_a_redelivered_update_is_handled_once(webhook_bot: WebhookBot) -> None:
    update = _update(1001, "/help")
    headers = {SECRET_HEADER: SECRET}
    async with aiohttp.ClientSession() as http:
        for _ in range(3):
            async with http.post(webhook_bot.url(), json=update, headers=headers) as r:
                assert r.status == 200
    person = webhook_bot.standin.person(1001, "مریم")
    await person.send_command("/start")  # a chat's updates go in order: the three come first
    standin = webhook_bot.standin
    greeting = texts.WELCOME.split("{")[0]
    await standin.wait_until(
        lambda: any(m.text.startswith(greeting) for m in standin.messages(1001)), timeout=10
    )
    help_, welcome = standin.messages(1001)  # the help once, then the welcome
    assert help_.text.startswith(texts.HELP.split("\n")[0]) and welcome.text.startswith(greeting)


async def test_updates_arriving_together_are_each_handled_once(webhook_bot: WebhookBot) -> None:
    """Requests in flight at once are admitted as one batch: a copy of an update in the
    same batch is still a replay, and every citizen's update gets its own answer."""
    headers = {SECRET_HEADER: SECRET}
    citizens = [1001, 1002, 1003, 1004]
    posts = [_update(citizen, "/help") for citizen in citizens]
    posts += [posts[0]] * 3  # Maryam's update redelivered while the first copy is in flight

    async with aiohttp.ClientSession() as http:

        async def post(update: dict[str, Any]) -> int:
            async with http.post(webhook_bot.url(), json=update, headers=headers) as r:
                return r.status

        assert await asyncio.gather(*(post(update) for update in posts)) == [200] * len(posts)
    standin = webhook_bot.standin
    await standin.wait_until(lambda: all(standin.messages(c) for c in citizens), timeout=10)
    for citizen in citizens[1:]:
        await standin.person(citizen, "شهروند").send_command("/start")
    person = standin.person(1001, "مریم")
    await person.send_command("/start")  # after the help: its answer shows none came twice
    greeting = texts.WELCOME.split("{")[0]
    await standin.wait_until(
        lambda: all(standin.messages(c)[-1].text.startswith(greeting) for c in citizens),
        timeout=10,
    )
    for citizen in citizens:
        help_, _ = standin.messages(citizen)
        assert help_.text.startswith(texts.HELP.split("\n")[0])


def _command(update_id: int, user_id: int, command: str) -> dict[str, Any]:
    """``command`` from ``user_id``'s private chat, as update ``update_id``."""
    update = _update(user_id, command)
    update["update_id"] = update_id
    update["message"]["message_id"] = update_id
    return update


async def test_a_chats_waiting_updates_go_by_update_id(webhook_bot: WebhookBot) -> None:
    """Two of a chat's updates waiting behind a slow answer are handled lowest id first,
    whichever reached the worker first: the order the inbox keeps across workers."""
    standin, headers = webhook_bot.standin, {SECRET_HEADER: SECRET}
    standin.slow("sendMessage", 1.5)  # the first answer holds the chat meanwhile
    async with aiohttp.ClientSession() as http:
        for update_id, command in ((5_000, "/help"), (5_002, "/help"), (5_001, "/start")):
            update = _command(update_id, 1001, command)
            async with http.post(webhook_bot.url(), json=update, headers=headers) as r:
                assert r.status == 200
    await standin.wait_until(lambda: len(standin.messages(1001)) == 3, timeout=15)
    help_heading, greeting = texts.HELP.split("\n")[0], texts.WELCOME.split("{")[0]
    answers = [m.text for m in standin.messages(1001)]
    assert [a.startswith(help_heading) for a in answers] == [True, False, True]
    assert answers[1].startswith(greeting)


async def _unfinished() -> int:
    return await InboundUpdate.filter(done_at__isnull=True).count()


async def test_acknowledged_updates_survive_a_killed_worker(
    database_url: str, tmp_path: Path
) -> None:
    """300 updates acknowledged to the messenger, the worker SIGKILLed mid-way and started
    again: every one is answered."""
    await run_isolated(seed(database_url))
    people, each = 100, 3
    async with (
        BotApiStandIn(token=TOKEN, profile="bale") as standin,
        running_workers(standin, database_url, tmp_path, names=("a",), flood_limit="1000") as (
            [worker]
        ),
    ):
        standin.slow("sendMessage", 0.03)  # the bot answers slower than updates arrive
        standin.deliver_to([worker.webhook_url()])
        persons = [standin.person(5000 + n, f"شهروند{n}") for n in range(people)]
        for _ in range(each):
            for person in persons:
                await person.send_command("/help")
        await standin.wait_until(lambda: standin.pusher.delivered == people * each, timeout=60)
        assert worker.process is not None
        worker.process.kill()  # SIGKILL: no draining
        await worker.process.wait()
        answered_before = sum(len(p.inbox) for p in persons)
        assert answered_before < people * each  # the kill did leave work behind
        assert await in_database(database_url, _unfinished) > 0

        standin.slow("sendMessage", 0)
        await worker.start(tmp_path)
        async with aiohttp.ClientSession() as http:
            await worker.wait_healthy(http)
        await standin.wait_until(lambda: all(len(p.inbox) >= each for p in persons), timeout=60)
        for _ in range(100):  # each row is marked done just after its answer goes
            if await in_database(database_url, _unfinished) == 0:
                break
            await asyncio.sleep(0.1)
        assert await in_database(database_url, _unfinished) == 0
        assert os.environ.get("SKEDBOT_DATABASE_URL") is None
    await asyncio.sleep(0)


async def test_a_text_with_a_lone_surrogate_is_answered(harness) -> None:
    """Such a string reaches us as a JSON escape; no database or messenger takes it as is."""
    update = _update(1001, "/start")
    update["update_id"] = harness.standin.updates.next_id()
    update["message"]["text"] = "سلام \udc80"
    update["message"].pop("entities")
    harness.standin.inject_update(update)
    person = harness.person(1001)
    [answer] = await person.wait_for_reply(timeout=5)
    assert answer.text


async def test_the_polling_loop_takes_in_no_more_than_it_can_hold(harness, monkeypatch) -> None:
    """A burst bigger than the bound: once ``ADMITTED`` updates are taken in and unfinished
    the bot fetches no more (a page it fetched, up to ``getUpdates``' 100, comes in whole),
    leaves the rest with the messenger meanwhile, and still answers every one."""
    monkeypatch.setattr(inbox, "ADMITTED", 20)
    harness.settings.telegram_rate = harness.settings.bale_rate = 1000  # not the budget's wait
    await harness.restart()
    harness.standin.slow("sendMessage", 0.1)  # answers take a while: the backlog builds
    people = [harness.person(7000 + n, f"شهروند{n}") for n in range(300)]
    for person in people:
        await person.send_command("/help")
    processor = harness.app.update_processor
    most = left_with_messenger = 0
    async with asyncio.timeout(60):
        while not all(harness.standin.messages(p.chat_id) for p in people):
            most = max(most, processor.taken)
            if processor.taken >= inbox.ADMITTED:
                left_with_messenger = max(left_with_messenger, len(harness.standin.updates))
            await asyncio.sleep(0.005)
    assert inbox.ADMITTED <= most <= inbox.ADMITTED + PAGE
    assert left_with_messenger > PAGE  # at the bound, the rest waited on the messenger's side
    assert all(len(harness.standin.messages(p.chat_id)) == 1 for p in people)
