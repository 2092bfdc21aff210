"""The database after years of service: what the bot's queries cost when its tables are big.

The end-to-end bench starts from an empty database, so every table holds a few hundred
rows and any query is fast, with or without an index. A utility's database after a few
years holds hundreds of thousands of requests, and every request its documents, status
events and outbox rows. This bench fills a fresh PostgreSQL database (the production
database) to that size with ``generate_series`` and times, through the bot's own code:

* the two polls every bot process runs every few seconds: statuses a back-office tool
  wrote straight into ``service_request`` (``record_external_status_changes``) and events
  it inserted into ``status_event`` (``queue_undelivered_events``);
* the SLA round's reads of running requests (``bot.sla_jobs``'s queries, per messenger);
* what a citizen's «پیگیری» reads: their requests, one request's place in its queue, its
  events and documents.

Each is run ``--repeat`` times after one warm-up; the median is printed, and PostgreSQL's
plan for the poll queries (``EXPLAIN``). Printed only; nothing is asserted.

    .venv/bin/python bench/growth.py [--requests 300000]
                                     [--postgres postgres://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tortoise import Tortoise  # noqa: E402

from bot.db import close_db, prepare_database  # noqa: E402
from handlers.track import queue_position  # noqa: E402
from models.request import (  # noqa: E402
    CHANGED_OUTSIDE,
    NOTICE_KEY_PREFIX,
    OPEN_STATUSES,
    STATUS_NOTICE,
    UNQUEUED_EVENTS,
    RequestDocument,
    RequestStatus,
    ServiceRequest,
    StatusEvent,
    queue_undelivered_events,
    record_external_status_changes,
)
from models.retention import IN_CHUNK, remove_unused  # noqa: E402
from models.storage import DocumentStore  # noqa: E402

OPEN = sorted(status.value for status in OPEN_STATUSES)
FINAL = ["done", "rejected", "closed", "cancelled"]

# One statement per table, all rows at once. A request in twenty is open (the rest closed
# over the years); each has three documents, four delivered status events, and the outbox
# keeps the row of every notice it sent (its status notices) and of every reply-free
# message (three more per request: announcements, reminders, broadcasts).
FILL = [
    """INSERT INTO citizen (messenger, user_id, chat_id, first_name, blocked_bot, created_at,
                            updated_at)
       SELECT CASE WHEN i % 3 = 0 THEN 'bale' ELSE 'telegram' END, 10000000 + i,
              10000000 + i, 'ش', false, now(), now()
       FROM generate_series(1, $1 / 2) AS i""",
    f"""INSERT INTO service_request (tracking_code, status, announced_status, answers,
                                     submitted_at, updated_at, closed_at, deadline, terms,
                                     citizen_id, service_id)
       SELECT 'G' || lpad(i::text, 9, '0'), s, s, '{{}}'::jsonb,
              now() - ($1 - i) * interval '3 minutes', now(),
              CASE WHEN s IN ('done', 'rejected', 'closed', 'cancelled')
                   THEN now() - ($1 - i) * interval '2 minutes' END,
              now() + interval '10 days', NULL,
              (SELECT min(id) FROM citizen) + i % ($1 / 2),
              (SELECT array_agg(id ORDER BY id) FROM service)
                  [1 + i % (SELECT count(*) FROM service)]
       FROM generate_series(1, $1) AS i,
            LATERAL (SELECT CASE WHEN i % 20 = 0
                                 THEN (ARRAY{OPEN!r})[1 + (i / 20) % {len(OPEN)}]
                                 ELSE (ARRAY{FINAL!r})[1 + i % {len(FINAL)}] END AS s) AS st""",
    """INSERT INTO request_document (document_key, sha256, path, mime, size,
                                     messenger_file_id, created_at, request_id)
       SELECT 'doc' || k, md5(r.id::text || k), 'ab/' || md5(r.id::text || k), 'image/jpeg',
              200000, 'file' || r.id || k, r.submitted_at, r.id
       FROM service_request r, generate_series(1, 3) AS k""",
    """INSERT INTO status_event (status, actor, note, created_at, delivered_at, attempts,
                                 request_id)
       SELECT 'in_review', 'operator', '', r.submitted_at, r.submitted_at, 0, r.id
       FROM service_request r, generate_series(1, 4) AS k""",
    f"""INSERT INTO outbox (messenger, chat_id, kind, ref, payload, priority, dedup_key, status,
                            not_before, attempts, last_error, created_at, finished_at)
       SELECT 'telegram', 1, '{STATUS_NOTICE}', e.id, '{{}}'::jsonb, 1,
              '{NOTICE_KEY_PREFIX}' || e.id, 'sent', e.created_at, 1, '', e.created_at,
              e.created_at
       FROM status_event e""",
    """INSERT INTO outbox (messenger, chat_id, kind, ref, payload, priority, dedup_key, status,
                           not_before, attempts, last_error, created_at, finished_at)
       SELECT 'telegram', 1, 'message', r.id, '{}'::jsonb, 1, NULL, 'sent', r.submitted_at,
              1, '', r.submitted_at, r.submitted_at
       FROM service_request r, generate_series(1, 3) AS k""",
]


async def timed(label: str, repeat: int, call: Callable[[], Awaitable[Any]]) -> None:
    await call()
    took = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        took.append((time.perf_counter() - started) * 1000)
    print(f"  {label:<46} {statistics.median(took):9.2f} ms  (min {min(took):.2f})")


async def explain(sql: str) -> None:
    conn = Tortoise.get_connection("default")
    plan = await conn.execute_query_dict(f"EXPLAIN {sql}")
    for row in plan[:6]:
        print(f"      {row['QUERY PLAN']}")


async def run(url: str, requests: int, repeat: int) -> None:
    await prepare_database(url)
    conn = Tortoise.get_connection("default")
    started = time.perf_counter()
    for sql in FILL:
        await conn.execute_query(sql.replace("$1", str(requests)))
    await conn.execute_query("ANALYZE")
    sizes = {
        table: (await conn.execute_query_dict(f"SELECT count(*) AS n FROM {table}"))[0]["n"]
        for table in ("citizen", "service_request", "request_document", "status_event", "outbox")
    }
    print(f"filled in {time.perf_counter() - started:.0f} s: " + ", ".join(
        f"{table} {n:,}" for table, n in sizes.items()
    ))  # fmt: skip

    sample = await ServiceRequest.filter(status=RequestStatus.SUBMITTED).order_by("-id").first()
    assert sample is not None
    citizen_id = sample.citizen_id  # type: ignore[attr-defined]
    print("every few seconds, in every bot process:")
    await timed("statuses written by back-office tools", repeat, record_external_status_changes)
    await timed("events inserted by back-office tools", repeat, queue_undelivered_events)
    print("each SLA round, per messenger:")
    waiting = ServiceRequest.filter(
        citizen__messenger="telegram",
        status=RequestStatus.NEEDS_DOCUMENTS,
        docs_reminded=False,
        docs_due__isnull=False,
    )
    running = ServiceRequest.filter(
        citizen__messenger="telegram",
        status__in=[s for s in OPEN_STATUSES if s != RequestStatus.NEEDS_DOCUMENTS],
        deadline__isnull=False,
        terms__isnull=False,
        warned_breach=False,
    ).only("id", "deadline", "terms", "paused_at", "warned_75")
    await timed("requests waiting for documents", repeat, lambda: waiting.all())
    await timed("running requests' clocks", repeat, lambda: running.all())
    print("a citizen's «پیگیری»:")
    mine = ServiceRequest.filter(citizen_id=citizen_id).order_by("-id").limit(50)
    await timed("their requests", repeat, lambda: mine.select_related("service"))
    await timed("one request's place in its queue", repeat, lambda: queue_position(sample))
    await timed(
        "its events", repeat, lambda: StatusEvent.filter(request_id=sample.id).order_by("id")
    )
    await timed(
        "its documents", repeat, lambda: RequestDocument.filter(request_id=sample.id).order_by("id")
    )
    print("each hour (the orphan sweep asks about every file stored over a day ago):")
    paths = (
        await RequestDocument.all().order_by("id").limit(IN_CHUNK).values_list("path", flat=True)
    )
    with tempfile.TemporaryDirectory() as folder:
        store = DocumentStore(Path(folder))
        await timed(
            f"{IN_CHUNK} stored files still named?", repeat, lambda: remove_unused(store, paths)
        )
    print("plans of the polls:")
    await explain(CHANGED_OUTSIDE)
    await explain(UNQUEUED_EVENTS.replace("?", "200"))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    import asyncpg

    name = f"skedbot_growth_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(args.postgres)
    await admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(args.postgres)
    url = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        await run(url, args.requests, args.repeat)
    finally:
        await close_db()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
