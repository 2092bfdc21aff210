"""The reads the bot repeats on tables that only grow go through an index.

``record_external_status_changes`` and ``queue_undelivered_events`` run every outbox round
in every process. Their WHERE and their partial indexes' are written from the same strings
(``models/request.py``); if the two drifted apart, each poll would read its whole table,
every second (``bench/growth.py``: 46.3 and 259.2 ms a round at 300,000 requests, against
0.28 and 0.57 ms through the indexes). The hourly orphan sweep asks whether stored files
are still named, 500 paths a statement (82.5 ms a statement at 900,000 documents without
the index on ``path``, 6.9 ms with it). Checked on a database built by the migrations, as
production's is. PostgreSQL is told to avoid whole-table scans where it has a choice, so an
empty table does not hide a read its index cannot serve.
"""

from __future__ import annotations

import pytest
from tortoise.context import TortoiseContext
from tortoise.transactions import in_transaction

from bot.db import tortoise_config
from models.request import CHANGED_OUTSIDE, UNQUEUED_EVENTS
from tests.conftest import Backend

# what models.retention asks of each chunk of stored files (Tortoise's path__in)
STILL_NAMED = """SELECT "path" FROM "request_document" WHERE "path" IN ('ab/1', 'cd/2')"""
READS = [
    pytest.param(CHANGED_OUTSIDE, "idx_service_req_changed", id="statuses written outside"),
    pytest.param(UNQUEUED_EVENTS, "idx_status_even_undelivered", id="events inserted outside"),
    pytest.param(STILL_NAMED, "idx_request_doc_path", id="orphan sweep"),
]


async def _plan(url: str, backend: Backend, sql: str) -> str:
    sql = sql.replace("?", "200")  # a poll's one placeholder is its LIMIT
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        conn = ctx.db()
        if backend == "sqlite":
            rows = await conn.execute_query_dict(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(row["detail"] for row in rows)
        async with in_transaction() as tx:  # one connection for the setting and the plan
            await tx.execute_script("SET LOCAL enable_seqscan = off")
            rows = await tx.execute_query_dict(f"EXPLAIN {sql}")
        return "\n".join(row["QUERY PLAN"] for row in rows)


@pytest.mark.parametrize(("sql", "index"), READS)
async def test_a_repeated_read_goes_through_its_index(
    database_url: str, backend: Backend, sql: str, index: str
) -> None:
    plan = await _plan(database_url, backend, sql)
    assert index in plan, plan
