"""The production shape of docs/deploy.md, as real processes on loopback.

Two ``skedbot webhook`` workers with ``SKEDBOT_WEBHOOK_JOBS=false`` take the citizens'
updates (the stand-in round-robins them) and one ``skedbot jobs`` worker sends everything
the bot says on its own. A filing, a status change through the back-office API and a
broadcast go through them; the citizen gets each notice once. Beside it: a catalog reload
through one process reaches the other's matcher, and a revoked API token stops working in
a running ``skedbot api``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.standin import BotApiStandIn
from handlers import texts as general
from handlers.broadcast import citizen_text
from handlers.texts import apply as texts
from handlers.texts import broadcast as btexts
from models.digits import to_latin_digits
from tests.conftest import run_isolated
from tests.e2e.test_apply import BILL_ID, NATIONAL_CODE, begin, photo, png, press, say
from tests.e2e.test_broadcast import NEWS, compose
from tests.e2e.workers import (
    TOKEN,
    Worker,
    free_port,
    in_database,
    running_workers,
    seed,
    worker_env,
)

OPERATOR_CHAT = -1001000
CITIZEN = 1001
ADMIN = 9001
API_TOKEN = "crm-token-for-the-deploy-test"
SLOW = 20.0  # several processes on two shared cores: generous, never slept


async def _requests() -> list[tuple[int, str, str]]:
    from models.request import ServiceRequest

    return [(r.id, r.tracking_code, r.status) for r in await ServiceRequest.all().order_by("id")]


async def _owed() -> int:
    from models.outbox import OutboxMessage, OutboxStatus

    return await OutboxMessage.filter(status=OutboxStatus.PENDING).count()


async def _scrape(http: aiohttp.ClientSession, worker: Worker) -> dict[str, dict[str, float]]:
    """Sample name → {its kind label (or "") → value summed}, from one process's /metrics."""
    async with http.get(worker.base + "/metrics") as response:
        assert response.status == 200
        text = await response.text()
    samples: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            by_kind = samples.setdefault(s.name, {})
            kind = s.labels.get("kind", "")
            by_kind[kind] = by_kind.get(kind, 0.0) + s.value
    return samples


async def _file_meter_relocation(person: Any) -> str:
    """The whole dialog of «جابجایی کنتور»; returns the confirmation the citizen got."""
    text = await begin(None, person, "meter-relocation")
    assert texts.ASK_MOBILE[:20] in text
    assert texts.ASK_NATIONAL_CODE in await press(person, texts.BTN_SEND_CONTACT)
    assert texts.ASK_BILL_ID in await say(person, NATIONAL_CODE)
    assert texts.FIELD_PROMPTS["address"] in await say(person, BILL_ID)
    await say(person, "جیرفت، بلوار جمهوری، کوچه ۸، پلاک ۲۱")
    assert "کارت ملی مالک" in await say(person, "کنتور پشت در حیاط است")
    assert "دریافت شد" in await photo(person, png(21))
    assert "آخرین قبض پرداخت‌شده" in await press(person, texts.BTN_NEXT)
    assert "دریافت شد" in await photo(person, png(22))
    assert texts.BTN_SKIP in await press(person, texts.BTN_NEXT)
    assert (await press(person, texts.BTN_SKIP)).startswith(texts.SUMMARY_TITLE)
    return await press(person, texts.BTN_CONFIRM)


def _count(standin: BotApiStandIn, chat_id: int, needle: str) -> int:
    return sum(1 for m in standin.messages(chat_id) if needle in (m.text or m.caption or ""))


@pytest.mark.backend("postgres")
async def test_two_webhook_workers_and_a_job_worker(database_url: str, tmp_path: Path) -> None:
    """PostgreSQL only, as docs/deploy.md says: on SQLite a read-then-write transaction of
    one process (the API's status change) fails with "database is locked" while another
    process writes, and a job worker writes all the time."""
    await run_isolated(seed(database_url))
    async with (
        BotApiStandIn(token=TOKEN, profile="bale") as standin,
        running_workers(
            standin,
            database_url,
            tmp_path,
            jobs=("jobs",),
            webhook_jobs="false",
            bale_operator_chat_id=str(OPERATOR_CHAT),
            bale_admin_ids=str(ADMIN),
            flood_limit="1000",
            api_tokens=f"crm:write:{API_TOKEN}",
        ) as workers,
        aiohttp.ClientSession() as http,
    ):
        a, b, jobs = workers
        assert (a.command, b.command, jobs.command) == ("webhook", "webhook", "jobs")
        standin.deliver_to([a.webhook_url(), b.webhook_url()])
        for worker in workers:
            async with http.get(worker.base + "/readyz") as response:
                assert response.status == 200, await response.text()

        # a filing: the dialog on both webhook workers, the group's copy from the job worker
        person = standin.person(CITIZEN, "مریم")
        confirmation = await _file_meter_relocation(person)
        [(request_id, code, status)] = await in_database(database_url, _requests)
        assert status == "submitted" and code in to_latin_digits(confirmation)
        operator = standin.state.messages_in(OPERATOR_CHAT)
        await standin.wait_until(lambda: any(m.inline_buttons for m in operator), timeout=SLOW)
        assert any(code in to_latin_digits(m.text or "") for m in operator)

        # a status change through the back-office API of one webhook worker
        async with http.post(
            f"{b.base}/api/v1/requests/{request_id}/status",
            json={"status": "in_progress", "note": "کارشناس فردا مراجعه می‌کند"},
            headers={"Authorization": f"Bearer {API_TOKEN}"},
        ) as response:
            assert response.status == 200, b.output()
        label = general.STATUS_LABELS["in_progress"]
        await standin.wait_until(lambda: _count(standin, CITIZEN, label) >= 1, timeout=SLOW)

        # a broadcast composed through the webhook workers, sent by the job worker
        admin = standin.person(ADMIN, "مدیر")
        await compose(None, admin)
        await admin.press(btexts.BTN_SEND)
        news = citizen_text(NEWS)
        await standin.wait_until(lambda: _count(standin, CITIZEN, news) >= 1, timeout=SLOW)
        report = btexts.REPORT.split("{id}")[0]  # owed once the last recipient's row is done
        await standin.wait_until(lambda: _count(standin, ADMIN, report) >= 1, timeout=SLOW)

        async with asyncio.timeout(SLOW):  # until nothing is owed any more
            while await in_database(database_url, _owed):
                await asyncio.sleep(0.2)
        assert _count(standin, CITIZEN, label) == 1
        assert _count(standin, CITIZEN, news) == 1
        assert _count(standin, ADMIN, report) == 1

        # who did what: the webhook workers handled updates and sent nothing on their own
        figures = {w.name: await _scrape(http, w) for w in workers}
        for name in ("a", "b"):
            handled = figures[name]["skedbot_updates_handled_total"]
            assert handled["callback_query"] >= 1 and handled["message"] >= 1, name
            assert "skedbot_outbox_sent_total" not in figures[name], name
            assert figures[name]["skedbot_outbox_backlog"] == {"": 0}  # the database's
        sent = figures["jobs"]["skedbot_outbox_sent_total"]
        assert sent["status.notice"] == 1 and sent["broadcast.message"] >= 1

        for worker in workers:
            assert "Traceback" not in worker.output(), worker.output()
        for worker in workers:
            assert await worker.stop() == 0, worker.output()


async def _deactivate(code: str) -> None:
    from models.service import Service

    await Service.filter(code=code).update(active=False)


async def test_a_catalog_reload_reaches_every_process(database_url: str, tmp_path: Path) -> None:
    """Reloaded through worker a's API; worker b, which nobody told, matches the service."""
    await run_isolated(seed(database_url))
    await in_database(database_url, lambda: _deactivate("meter-relocation"))
    title = "جابجایی کنتور یا انشعاب"
    async with (
        BotApiStandIn(token=TOKEN, profile="bale") as standin,
        running_workers(
            standin, database_url, tmp_path, flood_limit="1000",
            api_tokens=f"crm:write:{API_TOKEN}",
        ) as (a, b),
        aiohttp.ClientSession() as http,
    ):  # fmt: skip
        standin.deliver_to([b.webhook_url()])
        person = standin.person(CITIZEN, "مریم")
        assert title not in await say(person, "جابجایی کنتور")

        async with http.post(
            f"{a.base}/api/v1/catalog/reload", headers={"Authorization": f"Bearer {API_TOKEN}"}
        ) as response:
            assert response.status == 200
            assert (await response.json())["matcher_reloaded"] is True  # a's own, at once

        async with asyncio.timeout(SLOW):  # b rebuilds at its next check (every 5 s)
            while title not in await say(person, "جابجایی کنتور"):
                await asyncio.sleep(0.5)
        for worker in (a, b):
            assert await worker.stop() == 0, worker.output()


async def _cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env={**env, "SKEDBOT_LOG_LEVEL": "WARNING"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def test_a_revoked_token_stops_working_in_a_running_api(
    database_url: str, tmp_path: Path
) -> None:
    async with BotApiStandIn(token=TOKEN, profile="bale") as standin:  # the API calls no bot
        env = worker_env(
            standin, database_url, tmp_path, api_port=str(free_port()),
            log_level="INFO", log_format="json",
        )  # fmt: skip
        await _revoke_while_running(env, tmp_path)


async def _revoke_while_running(env: dict[str, str], tmp_path: Path) -> None:
    code, out = await _cli(env, "api-token", "create", "panel", "--scope", "read")
    assert code == 0, out
    token = out.strip().splitlines()[-1]
    api = Worker("api", env, tmp_path / "api", command="api")
    await api.start(tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            await api.wait_healthy(http)
            async with http.get(f"{api.base}/readyz") as response:  # no messenger to check
                assert (response.status, await response.json()) == (200, {"ready": True})
            async with http.get(f"{api.base}/metrics") as response:
                assert "skedbot_outbox_backlog" in await response.text()
            url, auth = f"{api.base}/api/v1/requests", {"Authorization": f"Bearer {token}"}
            async with http.get(url, headers=auth) as response:
                assert response.status == 200

            assert await _cli(env, "api-token", "revoke", "panel") == (0, "token panel revoked\n")
            async with http.get(url, headers=auth) as response:
                assert response.status == 401  # the next call, without a restart

            code, out = await _cli(env, "api-token", "revoke", "panel")
            assert code == 1 and "no working token named 'panel'" in out
            code, out = await _cli(env, "api-token", "create", "panel")
            assert code == 1 and "exists already" in out  # a name is never handed out again
    finally:
        assert await api.stop() == 0, api.output()
    lines = [json.loads(line) for line in api.output().splitlines()]  # SKEDBOT_LOG_FORMAT=json
    assert any(e["level"] == "INFO" and e["message"].startswith("API on") for e in lines)
