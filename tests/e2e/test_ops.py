"""What operators watch: /readyz as a load balancer reads it, /metrics as Prometheus does.

The bot runs as in the other journeys (the stand-in, PTB's real HTTP stack); the health
routes are served the way ``skedbot webhook`` and ``skedbot jobs`` serve them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from telegram.ext import Application

from bot.app import build_application, shared_resources
from bot.health import Readiness, add_health_routes
from bot.runtime import running_bots
from bot.settings import Settings
from bot.standin import BotApiStandIn
from handlers import texts as general
from handlers.broadcast import citizen_text
from handlers.texts import broadcast as btexts
from models import clock, outbox
from models.outbox import OutboxMessage, OutboxStatus, Priority
from nlp import IntentMatcher
from tests.e2e.conftest import ADMIN_ID, TOKEN
from tests.e2e.test_broadcast import citizens, compose, until_done
from tests.e2e.test_operator import make_request
from tests.e2e.test_sla import group_text, sla_request, travel_working_days


@pytest.fixture
def messenger() -> str:
    """Readiness and metrics do not differ by messenger: Bale only, to keep the suite short."""
    return "bale"


class Ops:
    """A client of one process's /healthz, /readyz and /metrics."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base

    async def ready(self) -> tuple[int, dict[str, Any]]:
        async with self.http.get(self.base + "/readyz") as response:
            return response.status, await response.json()

    async def scrape(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """Every sample of the exposition, by name and labels."""
        async with self.http.get(self.base + "/metrics") as response:
            assert response.status == 200
            assert response.content_type == "text/plain"
            text = await response.text()
        return {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def serve(ready: Readiness) -> AsyncIterator[Ops]:
    app = web.Application()
    add_health_routes(app, ready)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Ops(http, f"http://127.0.0.1:{runner.addresses[0][1]}")
    finally:
        await runner.cleanup()


@pytest.fixture
async def ops(harness) -> AsyncIterator[Ops]:
    async for client in serve(Readiness(messengers=("bale",), outbox_backlog=3)):
        yield client


async def until_ready(ops: Ops, harness, timeout: float = 5.0) -> dict[str, Any]:
    """Wake the jobs (the getMe probe among them) until /readyz says 200."""
    async with asyncio.timeout(timeout):
        while True:
            status, body = await ops.ready()
            if status == 200:
                return body
            harness.workers.wake()
            await asyncio.sleep(0.05)


# --------------------------------------------------------------------------- readiness


async def test_ready_while_the_bot_api_answers_and_names_it_when_silent(harness, ops) -> None:
    assert await ops.ready() == (200, {"ready": True})

    harness.standin.fail_next("getMe", status=502, times=1000)  # the messenger is down
    clock.travel(timedelta(minutes=6))  # past SKEDBOT_READY_BOT_API_SECONDS' 300 s
    harness.workers.wake()  # the probe runs, and fails
    await harness.standin.wait_until(
        lambda: any(c.method == "getMe" and c.status != 200 for c in harness.standin.calls)
    )
    status, body = await ops.ready()
    assert status == 503
    assert body["failing"] == ["bot_api"] and "bale" in body["detail"]["bot_api"]

    harness.standin.clear_faults()  # the messenger is back: the next probe answers
    assert await until_ready(ops, harness) == {"ready": True}


async def test_not_ready_while_replies_and_notices_pile_up(harness, ops) -> None:
    """Due rows of a messenger nobody here serves stay unsent: the backlog is real."""
    for chat in (1, 2):
        await outbox.enqueue("telegram", chat, "message", payload={"text": "x"})
    for chat in range(3, 13):  # a broadcast's rows are a long queue by design
        await outbox.enqueue("telegram", chat, "message", priority=Priority.BULK)
    assert (await ops.ready())[0] == 200

    row = await outbox.enqueue("telegram", 20, "message", priority=Priority.REPLY)
    status, body = await ops.ready()
    assert status == 503 and body["failing"] == ["outbox"]
    assert body["detail"]["outbox"].startswith("3 ")

    assert row is not None
    row.not_before = clock.now() + timedelta(minutes=5)  # waiting out a retry pause
    await row.save(update_fields=["not_before"])
    assert (await ops.ready())[0] == 200


async def test_healthz_and_readyz_without_a_messenger(harness) -> None:
    """``skedbot api`` alone talks to no Bot API: only the database and the outbox count."""
    async for client in serve(Readiness()):
        async with client.http.get(client.base + "/healthz") as response:
            assert (response.status, await response.text()) == (200, "ok")
        assert await client.ready() == (200, {"ready": True})


# --------------------------------------------------------------------------- metrics


async def test_metrics_move_with_traffic(harness, ops) -> None:
    before = await ops.scrape()
    person = harness.person(1001)
    await person.send_command("start")
    await person.wait_for_reply()
    await person.send_command("start")
    await person.wait_for_reply()

    request = await sla_request(harness, user_id=1001)
    await request.move_to("in_review", actor="test")
    harness.workers.wake()
    [notice] = await person.wait_for_reply()
    assert general.STATUS_LABELS["in_review"] in notice.text
    async with asyncio.timeout(5):  # the row marked sent (the counter moves before that)
        while await OutboxMessage.filter(status=OutboxStatus.PENDING).exists():
            await asyncio.sleep(0.05)

    after = await ops.scrape()
    updates = "skedbot_updates_handled_total"
    assert value(after, updates, messenger="bale", kind="message") - value(
        before, updates, messenger="bale", kind="message"
    ) == pytest.approx(2)
    latency = "skedbot_reply_seconds_count"
    assert value(after, latency, messenger="bale") - value(
        before, latency, messenger="bale"
    ) == pytest.approx(2)
    sent = "skedbot_outbox_sent_total"
    assert value(after, sent, messenger="bale", kind="status.notice") - value(
        before, sent, messenger="bale", kind="status.notice"
    ) == pytest.approx(1)

    # backlog and the age of its oldest row, read from the database at scrape time
    await outbox.enqueue("telegram", 77, "message", payload={"text": "x"})
    clock.travel(timedelta(seconds=90))
    piled = await ops.scrape()
    assert value(piled, "skedbot_outbox_backlog", priority="notice") == 1
    assert 90 <= value(piled, "skedbot_outbox_oldest_age_seconds") < 200

    # SLA: a warning at 75% of the time, then the breach, counted once each
    travel_working_days(6)  # 6 of the card's 7 working days used
    harness.workers.wake()
    await group_text(harness, "۷۵٪")
    travel_working_days(3)
    harness.workers.wake()
    await group_text(harness, "تأخیر")
    late = await ops.scrape()
    for name in ("skedbot_sla_warnings_total", "skedbot_sla_breaches_total"):
        assert value(late, name, messenger="bale") - value(
            before, name, messenger="bale"
        ) == pytest.approx(1), name


async def test_metrics_show_a_broadcast_running(harness, ops) -> None:
    people = await citizens(harness, 3)
    admin = harness.person(ADMIN_ID, "مدیر")
    await compose(harness, admin)
    harness.standin.fail_next("sendMessage", status=500, times=1000)  # held up: still running
    await admin.press(btexts.BTN_SEND)
    await admin.wait_for_edit()

    async def progress() -> dict[str, float]:
        samples = await ops.scrape()
        return {
            dict(labels)["outcome"]: v
            for (name, labels), v in samples.items()
            if name == "skedbot_broadcast_recipients"
        }

    async with asyncio.timeout(10):
        while (shown := await progress()).get("total") != 3:
            await asyncio.sleep(0.05)
    assert shown["sent"] == 0 and shown["left"] == 3

    harness.standin.clear_faults()
    b = await until_done(harness)
    assert all(
        sum(1 for m in harness.standin.messages(c.chat_id) if m.text == citizen_text(b.text)) == 1
        for c in people
    )
    assert await progress() == {}  # a finished broadcast leaves the exposition


# --------------------------------------------------------------------------- worker roles


async def test_a_webhook_worker_without_jobs_leaves_notices_to_the_job_worker(
    seeded_db, tmp_path: Path, matcher: IntentMatcher
) -> None:
    """``SKEDBOT_WEBHOOK_JOBS=false``: the status notice waits for a job worker, then is sent
    once by it (both processes here are two sets of Applications on one database)."""
    settings = Settings(
        _env_file=None, storage_dir=tmp_path, bale_operator_chat_id=-1001000, digest_hour=24
    )
    async with BotApiStandIn(token=TOKEN, profile="bale") as standin:
        resources = await shared_resources(settings, matcher)

        def worker(owner: str) -> Application:  # type: ignore[type-arg]
            return build_application(
                settings, "bale", resources, token=TOKEN, base_url=standin.base_url,
                base_file_url=standin.base_file_url, inbox_owner=owner,
            )  # fmt: skip

        async with running_bots([worker("webhook")], resources, shared_jobs=False) as web:
            request = await make_request(SimpleNamespace(messenger="bale"), user_id=1001)
            await request.move_to("in_review", actor="test")
            web.wake()
            await asyncio.sleep(0.5)  # a round of every job this worker runs
            assert standin.messages(1001) == []
            assert await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == 1

            async with running_bots([worker("jobs")], resources):
                await standin.wait_until(lambda: len(standin.messages(1001)) == 1)
                [notice] = standin.messages(1001)
                assert general.STATUS_LABELS["in_review"] in (notice.text or "")
                async with asyncio.timeout(5):
                    while await OutboxMessage.filter(status=OutboxStatus.PENDING).exists():
                        await asyncio.sleep(0.05)
        assert len(standin.messages(1001)) == 1


async def test_updates_of_every_kind_are_counted_by_name(harness, ops) -> None:
    """A reaction is no citizen's message, but the count names it (not ``other``)."""
    before = await ops.scrape()
    user = {"id": 1001, "is_bot": False, "first_name": "مریم"}
    harness.standin.inject_update(
        {
            "update_id": harness.standin.updates.next_id(),
            "message_reaction": {
                "chat": {"id": 1001, "type": "private", "first_name": "مریم"},
                "message_id": 1,
                "user": user,
                "date": 1_700_000_000,
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": "👍"}],
            },
        }
    )
    updates = "skedbot_updates_handled_total"
    async with asyncio.timeout(10):
        while True:
            after = await ops.scrape()
            if value(after, updates, messenger="bale", kind="message_reaction") > value(
                before, updates, messenger="bale", kind="message_reaction"
            ):
                break
            await asyncio.sleep(0.05)
    assert value(after, updates, messenger="bale", kind="other") == value(
        before, updates, messenger="bale", kind="other"
    )
