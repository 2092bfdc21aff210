"""``/healthz`` and ``/readyz``: what a load balancer and systemd ask every process.

``/healthz`` says the process is up and its database answers: restart it if not.
``/readyz`` says it can do its work now: send it traffic only if so. Three checks, each
named in the 503 body when it fails:

* ``database``: a trivial query answers;
* ``bot_api``: each messenger this process serves answered a Bot API call within
  ``SKEDBOT_READY_BOT_API_SECONDS`` (the start-up getMe, a send, or the getMe probe that
  runs every :data:`PROBE_SECONDS`). Kept in this process's memory on purpose: readiness
  is a property of the process and its own connection to the messenger;
* ``outbox``: fewer than ``SKEDBOT_READY_OUTBOX_BACKLOG`` replies and notices are due and
  unsent. Broadcast rows do not count: a big broadcast is a long queue by design, and it
  must not take every worker out of the load balancer.

Time is :func:`models.clock.now`, so tests move past the window instead of waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from telegram.error import TelegramError
from telegram.ext import Application
from tortoise import Tortoise

from bot.settings import Settings
from bot.workers import periodic
from models import clock, outbox
from models.outbox import Priority

__all__ = [
    "PROBE_SECONDS",
    "READY_KEY",
    "Readiness",
    "add_health_routes",
    "answered",
    "due_backlog",
    "healthz",
    "probe_bot_api",
    "readiness_failures",
    "readyz",
]

log = logging.getLogger(__name__)

PROBE_SECONDS = 60.0
"""How often every process asks each messenger getMe (its other calls count too)."""

_last_answer: dict[str, datetime] = {}
"""Messenger → when it last answered this process (see the module doc)."""


def answered(messenger: str) -> None:
    """Record that ``messenger``'s Bot API just answered a call of this process."""
    _last_answer[messenger] = clock.now()


@periodic("bot-api-probe", PROBE_SECONDS, every_process=True)
async def probe_bot_api(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    """getMe on every messenger not heard from for a while; a failure is only logged,
    readiness reports it. (A messenger that answered this process's sends a moment ago is
    not asked again.)"""
    now = clock.now()
    for name, app in apps.items():
        last = _last_answer.get(name)
        if last is not None and timedelta(0) <= now - last < timedelta(seconds=PROBE_SECONDS):
            continue
        try:
            await app.bot.get_me()
        except TelegramError as exc:
            log.warning("%s Bot API probe failed (%s)", name, type(exc).__name__)
        else:
            answered(name)


@dataclass(frozen=True, slots=True)
class Readiness:
    """What ``/readyz`` checks in this process."""

    messengers: tuple[str, ...] = ()
    bot_api_seconds: float = 300.0
    outbox_backlog: int = 500
    """Due replies and notices at which the process is not ready; 0 turns the check off."""

    @classmethod
    def of(cls, settings: Settings, messengers: Iterable[str] = ()) -> Readiness:
        return cls(
            messengers=tuple(messengers),
            bot_api_seconds=settings.ready_bot_api_seconds,
            outbox_backlog=settings.ready_outbox_backlog,
        )


READY_KEY: web.AppKey[Readiness] = web.AppKey("readiness", Readiness)


async def _database_answers() -> bool:
    try:
        await Tortoise.get_connection("default").execute_query("SELECT 1")
    except Exception as exc:  # every driver raises its own types
        log.warning("health check: database unavailable (%s)", type(exc).__name__)
        return False
    return True


async def due_backlog(now: datetime) -> int:
    """Due, unsent replies and notices (broadcasts left out, see the module doc)."""
    return await outbox.due(now).filter(priority__lt=Priority.BULK).count()


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers a trivial query; 503 when it does not."""
    if not await _database_answers():
        return web.Response(status=503, text="database unavailable")
    return web.Response(text="ok")


async def readiness_failures(ready: Readiness) -> dict[str, str]:
    """Check name → why it fails; empty when the process is ready."""
    if not await _database_answers():
        return {"database": "the database does not answer"}  # the others need it
    failing: dict[str, str] = {}
    now = clock.now()
    window = timedelta(seconds=ready.bot_api_seconds)
    silent = [
        name
        for name in ready.messengers
        if (last := _last_answer.get(name)) is None or now - last > window
    ]
    if silent:
        failing["bot_api"] = (
            f"no answer from {', '.join(silent)} within {ready.bot_api_seconds:g} s"
        )
    if ready.outbox_backlog > 0:
        backlog = await due_backlog(now)
        if backlog >= ready.outbox_backlog:
            failing["outbox"] = f"{backlog} replies and notices due and unsent"
    return failing


async def readyz(request: web.Request) -> web.Response:
    """200 ``{"ready": true}``, or 503 naming each failing check."""
    failing = await readiness_failures(request.app[READY_KEY])
    if failing:
        log.warning("not ready: %s", ", ".join(failing))
        return web.json_response(
            {"ready": False, "failing": sorted(failing), "detail": failing}, status=503
        )
    return web.json_response({"ready": True})


def add_health_routes(app: web.Application, ready: Readiness) -> None:
    """``/healthz``, ``/readyz`` and ``/metrics`` on ``app``."""
    from bot.metrics import metrics

    app[READY_KEY] = ready
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
