"""``skedbot webhook``: updates pushed by the stand-in, in process and to two worker processes.

In process, the stand-in pushes to :func:`bot.webhook.build_webhook_app` served on a free
port; forged requests are posted to it directly. Then two real ``python -m bot webhook``
processes share one database and the stand-in round-robins a conversation over them: a
dialog opened on one worker is continued on the other, so it must come from the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from bot.db import close_db, init_db
from bot.standin import BotApiStandIn
from bot.webhook import SECRET_HEADER, set_webhooks, webhook_path
from handlers import texts
from tests.conftest import run_isolated
from tests.e2e.conftest import WebhookBot
from tests.e2e.workers import SECRET, TOKEN, running_workers
from tests.e2e.workers import seed as _seed

QUERY = "ميخوام برق خونمون سه فاز بشه"
QUERY_SERVICE = "افزایش یا کاهش قدرت انشعاب"


def _update(user_id: int, text: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "نفوذی"}
    return {
        "update_id": 900_000 + user_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "نفوذی"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_start_through_the_webhook(webhook_bot: WebhookBot) -> None:
    person = webhook_bot.standin.person(1001, "مریم")
    await person.send_command("/start")
    [welcome] = await person.wait_for_reply()
    assert "مریم" in welcome.text
    assert [texts.BTN_SEARCH, texts.BTN_SERVICES] in welcome.reply_buttons
    async with aiohttp.ClientSession() as http, http.get(webhook_bot.base + "/healthz") as r:
        assert (r.status, await r.text()) == (200, "ok")


async def test_forged_requests_are_refused_and_not_processed(webhook_bot: WebhookBot) -> None:
    intruder = 7007
    headers = {SECRET_HEADER: SECRET}
    async with aiohttp.ClientSession() as http:
        forged = [
            (webhook_bot.url(secret="wrong-secret"), headers),
            (webhook_bot.url(secret=SECRET[:-1]), headers),
            (webhook_bot.url(messenger="whatsapp"), headers),
        ]
        if webhook_bot.messenger == "telegram":  # Telegram must also send the header
            forged += [
                (webhook_bot.url(), {}),
                (webhook_bot.url(), {SECRET_HEADER: "wrong-secret"}),
            ]
        for url, sent_headers in forged:
            async with http.post(url, json=_update(intruder, "/start"), headers=sent_headers) as r:
                assert r.status in (403, 404), url

        for body in (b"{not json", b"[1, 2]", b"\xff\xfe"):
            async with http.post(webhook_bot.url(), data=body, headers=headers) as r:
                assert r.status == 400

    # The queue is processed in order: once this reply is in, a forged one would be too.
    person = webhook_bot.standin.person(1001, "مریم")
    await person.send_command("/help")
    await person.wait_for_reply()
    assert webhook_bot.standin.messages(intruder) == []


async def test_set_webhook_puts_the_secret_where_the_messenger_reads_it(
    webhook_bot: WebhookBot,
) -> None:
    """Both get the secret in the path; only Telegram is also given the header secret."""
    name = webhook_bot.messenger
    await set_webhooks({name: webhook_bot.app}, "https://bot.example.ir/", SECRET)
    [call] = webhook_bot.standin.calls_to("setWebhook")
    assert call.params["url"] == "https://bot.example.ir" + webhook_path(name, SECRET)
    assert ("secret_token" in call.params) == (name == "telegram")


# --------------------------------------------------------------------- two processes


async def _open_dialogs(database_url: str, user_id: int) -> list[str]:
    from models.dialog import DialogState

    await init_db(database_url)
    try:
        return list(await DialogState.filter(user_id=user_id).values_list("flow", flat=True))
    finally:
        await close_db()


async def test_two_worker_processes_share_the_dialog(database_url: str, tmp_path: Path) -> None:
    await run_isolated(_seed(database_url))
    async with (
        BotApiStandIn(token=TOKEN, profile="bale") as standin,
        running_workers(standin, database_url, tmp_path) as workers,
    ):
        a, b = workers
        # Round-robin from here: the 1st update goes to A, the 2nd to B.
        standin.deliver_to(
            [a.base + webhook_path("bale", SECRET), b.base + webhook_path("bale", SECRET)]
        )
        person = standin.person(1001, "مریم")

        await person.send_text(texts.BTN_SEARCH)
        [prompt] = await person.wait_for_reply(timeout=10)
        assert prompt.text == texts.SEARCH_PROMPT
        assert await run_isolated(_open_dialogs(database_url, 1001)) == ["search"]

        # A is gone: whatever answers next is B, which only has the database to go on.
        assert await a.stop() == 0, a.output()
        await person.send_text(QUERY)
        [card] = await person.wait_for_reply(timeout=10)
        assert card.text.startswith(texts.CARD_TITLE.format(title=QUERY_SERVICE))
        assert await run_isolated(_open_dialogs(database_url, 1001)) == []  # B finished it
        assert standin.pusher.delivered == 2
