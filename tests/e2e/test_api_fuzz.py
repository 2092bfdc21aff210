"""Schemathesis against a live ``skedbot api`` process and the OpenAPI document it serves:
short, seeded and bounded; no 500, no response outside the document, for every operation
with a write token (so writes run too) on a database holding a few requests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.workers import free_port, in_database

pytest.importorskip("schemathesis")

TOKEN = "fuzz-write-token"
MAX_EXAMPLES = 12
SEED = 20261125


async def _file_requests() -> None:
    from datetime import timedelta

    from models import clock, sla
    from models.citizen import Citizen
    from models.identifiers import new_tracking_code
    from models.request import ServiceRequest
    from models.service import Service

    citizen = await Citizen.create(messenger="bale", user_id=1001, chat_id=1001, first_name="م")
    for code in ("meter-relocation", "capacity-change"):
        service = await Service.get(code=code)
        await ServiceRequest.create(
            tracking_code=new_tracking_code(),
            citizen=citizen,
            service=service,
            terms=sla.filed_terms(service.to_card()),
            deadline=clock.now() + timedelta(days=3),
        )


def _fuzz(base: str) -> list[str]:
    """Every operation, positive examples; returns the failures found (none expected)."""
    import schemathesis
    from hypothesis import HealthCheck, given, seed, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_url(base + "/api/v1/openapi.json", timeout=10)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @seed(SEED)
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case) -> None:
            case.call_and_validate(
                base_url=base + "/api/v1",
                headers={"Authorization": f"Bearer {TOKEN}"},
                checks=checks,
                timeout=10,
            )

        try:
            check()
        except Exception as exc:  # collect, so one run reports every operation's failure
            failures.append(f"{operation.label}: {exc}")
    return failures


async def test_schemathesis_finds_no_500_and_no_schema_violation(
    database_url: str, tmp_path: Path
) -> None:
    await in_database(database_url, _seed_and_file)
    port = free_port()
    env = {
        **os.environ,
        "SKEDBOT_DATABASE_URL": database_url,
        "SKEDBOT_API_PORT": str(port),
        "SKEDBOT_API_TOKENS": f"fuzz:write:{TOKEN}",
        "SKEDBOT_STORAGE_DIR": str(tmp_path / "docs"),
        "SKEDBOT_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "api", env=env, stderr=asyncio.subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with asyncio.timeout(60), aiohttp.ClientSession() as http:
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(base + "/healthz") as response:
                        if response.status == 200:
                            break
                assert process.returncode is None, "skedbot api exited"
                await asyncio.sleep(0.2)
        failures = await asyncio.to_thread(_fuzz, base)
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            _, stderr = await process.communicate()
    assert failures == []
    assert b"Traceback" not in stderr, stderr.decode(errors="replace")[-3000:]


async def _seed_and_file() -> None:
    from models.catalog import load_catalog
    from models.seeding import seed_catalog

    await seed_catalog(load_catalog())
    await _file_requests()
