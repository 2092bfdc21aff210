"""``GET /metrics``: the Prometheus text format, from prometheus-client.

Two sorts of figures, and the difference matters with several processes:

* **Events of this process** (counters and the latency histogram): updates handled,
  outbox rows sent or given up, SLA warnings and breaches told to staff. Every process
  serves its own ``/metrics`` (webhook workers, the job worker, ``skedbot api``) and
  Prometheus adds them up across instances, as it does for any fleet.
* **State of the shared database** (gauges): the outbox backlog and the age of its oldest
  due row, and each running broadcast's progress. They are read from the database at
  scrape time, so every process reports the same, right, figure whoever does the work.

Metric names are prefixed ``skedbot_``; labels hold messenger names, outbox kinds and
broadcast ids only, never anything about a citizen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from telegram import Update
from tortoise.functions import Count

from models import clock, outbox
from models.broadcast import Broadcast, BroadcastState, progress
from models.outbox import Priority

__all__ = [
    "OUTBOX_FAILED",
    "OUTBOX_SENT",
    "SLA_BREACHES",
    "SLA_WARNINGS",
    "handling",
    "metrics",
    "update_kind",
]

log = logging.getLogger(__name__)

UPDATES = Counter(
    "skedbot_updates_handled", "Updates handled by this process", ["messenger", "kind"]
)
REPLY_SECONDS = Histogram(
    "skedbot_reply_seconds",
    "Seconds from taking an update up to its handlers having answered it",
    ["messenger"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
OUTBOX_SENT = Counter(
    "skedbot_outbox_sent", "Outbox messages sent by this process", ["messenger", "kind"]
)
OUTBOX_FAILED = Counter(
    "skedbot_outbox_failed",
    "Outbox messages given up by this process (blocked chat, refused, out of retries)",
    ["messenger", "kind"],
)
SLA_WARNINGS = Counter(
    "skedbot_sla_warnings", "Staff warned that 75% of a request's time is used", ["messenger"]
)
SLA_BREACHES = Counter(
    "skedbot_sla_breaches", "Staff told that a request passed its deadline", ["messenger"]
)
BACKLOG = Gauge(
    "skedbot_outbox_backlog",
    "Outbox rows due and unsent (all processes; read from the database)",
    ["priority"],
)
OLDEST = Gauge(
    "skedbot_outbox_oldest_age_seconds",
    "Age of the oldest due, unsent outbox row (0 when none; read from the database)",
)
BROADCAST = Gauge(
    "skedbot_broadcast_recipients",
    "Recipients of each running or paused broadcast, by outcome (read from the database)",
    ["broadcast", "outcome"],
)

UPDATE_KINDS = tuple(str(kind) for kind in Update.ALL_TYPES)
"""Every kind of update the Bot API sends, as PTB knows them (reactions, business messages
and the rest counted by name, not as ``other``)."""


def update_kind(update: object) -> str:
    """The field an update carries (``message``, ``callback_query``…), ``other`` if none."""
    if isinstance(update, Update):
        for kind in UPDATE_KINDS:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


@contextmanager
def handling(messenger: str, update: object) -> Iterator[None]:
    """Count one update and time its handling (also when a handler failed)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        REPLY_SECONDS.labels(messenger).observe(time.perf_counter() - start)
        UPDATES.labels(messenger, update_kind(update)).inc()


async def _refresh_outbox() -> None:

    now = clock.now()
    grouped = outbox.due(now).annotate(n=Count("id")).group_by("priority")
    counts = dict(await grouped.values_list("priority", "n"))
    for priority in Priority:
        BACKLOG.labels(priority.name.lower()).set(counts.get(int(priority), 0))
    first = (
        await outbox.due(now).order_by("created_at").first().values_list("created_at", flat=True)
    )
    OLDEST.set(max((now - first).total_seconds(), 0.0) if first is not None else 0.0)


async def _refresh_broadcasts() -> None:
    BROADCAST.clear()  # a finished broadcast leaves the exposition
    live = await Broadcast.filter(state__in=[BroadcastState.RUNNING, BroadcastState.PAUSED])
    for b in live:
        done = await progress(b)
        for outcome, n in (
            ("total", done.total),
            ("sent", done.sent),
            ("failed", done.failed),
            ("blocked", done.blocked),
            ("left", done.left),
        ):
            BROADCAST.labels(str(b.id), outcome).set(n)


async def metrics(request: web.Request) -> web.Response:
    """The exposition, with the database's gauges read just now.

    Without a database the process's own counters are still served (the gauges keep their
    last figures); ``/readyz`` is where a missing database shows.
    """
    try:
        await _refresh_outbox()
        await _refresh_broadcasts()
    except Exception as exc:  # every driver raises its own types
        log.warning("metrics: database figures not read (%s)", type(exc).__name__)
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})
