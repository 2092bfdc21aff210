"""``skedbot jobs``: the job worker, running the shared background jobs and nothing else.

Beside several ``skedbot webhook`` workers started with ``SKEDBOT_WEBHOOK_JOBS=false``, one
job worker runs the outbox dispatcher, the SLA clock, broadcasts, outages and dialog
expiry (``bot.workers``). The webhook workers then spend their time on citizens' updates,
and a burst of notices or a broadcast never competes with a reply for their event loop.
Every row those jobs touch is claimed in the database, so a second job worker (or a webhook
worker left with its jobs on) duplicates nothing: it only shares the work.

It receives no updates, but it serves ``/healthz``, ``/readyz`` and ``/metrics`` on
``SKEDBOT_JOBS_HOST``/``SKEDBOT_JOBS_PORT`` for systemd and Prometheus, and it takes over
the updates a crashed webhook worker left unfinished, as any worker does (``bot.inbox``).
"""

from __future__ import annotations

import logging
import socket

from aiohttp import web

from bot.health import Readiness, add_health_routes
from bot.runtime import serving, wait_for_stop
from bot.settings import Settings

__all__ = ["jobs_owner", "serve_jobs"]

log = logging.getLogger(__name__)


def jobs_owner(port: int) -> str:
    """The job worker's name in the inbox: its host and health port, like a webhook's."""
    return f"jobs:{socket.gethostname()}:{port}"


async def serve_jobs(settings: Settings) -> None:
    """Until SIGINT/SIGTERM: the shared jobs for every messenger that has a token."""
    owner = jobs_owner(settings.jobs_port)
    async with serving(settings, polling=False, shared_jobs=True, owner=owner) as apps:
        web_app = web.Application()
        add_health_routes(web_app, Readiness.of(settings, apps))
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.jobs_host, settings.jobs_port).start()
            log.info(
                "job worker for %s; health on %s:%s",
                ", ".join(apps),
                settings.jobs_host,
                settings.jobs_port,
            )
            await wait_for_stop()
        finally:
            await runner.cleanup()
