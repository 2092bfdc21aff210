"""``skedbot webhook``: one aiohttp server receiving both messengers' updates.

Each messenger posts to ``POST /webhook/{messenger}/{secret}``. Bale cannot send
Telegram's ``X-Telegram-Bot-Api-Secret-Token`` header, so the secret lives in the path for
both; Telegram must send the header too. An accepted update is queued for that
messenger's Application and answered 200 at once: the messenger must not wait for our
database, and a slow update must not make it retry.

"At once" comes after one write: the update is admitted to the inbox (``bot.inbox``) before
the 200, so an acknowledged update survives a crash of this process, and a redelivered or
unreadable one is acknowledged and skipped instead of being refused again and again.

Several webhook processes may serve one database behind a load balancer: everything a
conversation needs between two messages (dialog state, citizen) is in the database, so
the next message may land on any process.
"""

from __future__ import annotations

import hmac
import json
import logging
import re

from aiohttp import web
from telegram.ext import Application

from bot.health import Readiness, add_health_routes
from bot.messengers import MESSENGERS
from bot.runtime import serving, wait_for_stop
from bot.settings import Settings
from handlers.deps import KEY

__all__ = ["SECRET_HEADER", "build_webhook_app", "serve_webhook", "webhook_path"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
APPS_KEY: web.AppKey[dict[str, Application]] = web.AppKey("apps", dict)  # type: ignore[type-arg]
SECRET_KEY: web.AppKey[str] = web.AppKey("secret", str)
SECRET_CHARS = re.compile(r"[A-Za-z0-9_-]{1,256}")
"""What Telegram accepts as ``secret_token``; also safe in a URL path unescaped."""
MAX_UPDATE_BYTES = 1024 * 1024
"""Updates carry file ids, never file bytes; anything bigger is not a messenger's update."""


def webhook_path(messenger: str, secret: str) -> str:
    return f"/webhook/{messenger}/{secret}"


def _same(given: str | None, secret: str) -> bool:
    """Constant-time comparison, so response timing reveals nothing about the secret."""
    return given is not None and hmac.compare_digest(given.encode(), secret.encode())


async def receive_update(request: web.Request) -> web.Response:
    """Check the secret, admit and queue one update; 200 once it is written down."""
    apps = request.app[APPS_KEY]
    secret = request.app[SECRET_KEY]
    name = request.match_info["messenger"]
    app = apps.get(name)
    if not _same(request.match_info["secret"], secret):
        return web.Response(status=403, text="forbidden")
    if app is None:
        return web.Response(status=404, text="unknown messenger")
    if MESSENGERS[name].supports_webhook_secret_header and not _same(
        request.headers.get(SECRET_HEADER), secret
    ):
        return web.Response(status=403, text="forbidden")
    try:
        data = json.loads(await request.read())
    except ValueError:
        data = None
    if not isinstance(data, dict):  # not even the shape of an update: not from a messenger
        log.warning("%s webhook: a body that is not a JSON object", name)
        return web.Response(status=400, text="bad update")
    processor = app.update_processor
    await processor.room()  # type: ignore[attr-defined]  # past the bound, answer later
    update = await processor.admit(data, app.bot)  # type: ignore[attr-defined]
    if update is not None:
        await processor.enqueue(update)  # type: ignore[attr-defined]
    return web.Response(text="ok")


def build_webhook_app(
    apps: dict[str, Application],  # type: ignore[type-arg]
    secret: str,
    ready: Readiness | None = None,
) -> web.Application:
    """The aiohttp app serving ``apps`` (messenger name → a started Application), with
    ``/healthz``, ``/readyz`` and ``/metrics`` (``ready`` defaults to checking ``apps``)."""
    if not secret:
        raise ValueError("the webhook secret must not be empty")
    web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    web_app[APPS_KEY] = dict(apps)
    web_app[SECRET_KEY] = secret
    web_app.router.add_post("/webhook/{messenger}/{secret}", receive_update)
    add_health_routes(web_app, ready or Readiness(messengers=tuple(apps)))
    return web_app


async def set_webhooks(apps: dict[str, Application], public_url: str, secret: str) -> None:  # type: ignore[type-arg]
    """Point each messenger at this server; the header secret only where it exists."""
    base = public_url.rstrip("/")
    for name, app in apps.items():
        extra = {"secret_token": secret} if MESSENGERS[name].supports_webhook_secret_header else {}
        await app.bot.set_webhook(url=base + webhook_path(name, secret), **extra)
        log.info("%s webhook set to %s/webhook/%s/***", name, base, name)


async def serve_webhook(settings: Settings) -> None:
    """Until SIGINT/SIGTERM: serve every messenger that has a token."""
    if settings.webhook_secret is None:
        raise SystemExit(
            "skedbot webhook: set SKEDBOT_WEBHOOK_SECRET (a long random string; it goes in "
            "the webhook URL path and Telegram's secret header)"
        )
    secret = settings.webhook_secret.get_secret_value()
    if not SECRET_CHARS.fullmatch(secret):
        raise SystemExit(
            "skedbot webhook: SKEDBOT_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, "
            "0-9, _ and - (it goes in a URL path and Telegram's secret header)"
        )
    async with serving(settings, polling=False, shared_jobs=settings.webhook_jobs) as apps:
        if settings.webhook_public_url:
            await set_webhooks(apps, settings.webhook_public_url, secret)
        from bot.api import context_from, mount_api

        web_app = build_webhook_app(apps, secret, Readiness.of(settings, apps))
        deps = next(iter(apps.values())).bot_data[KEY]
        mount_api(web_app, context_from(settings, deps.store, deps.calendar, apps))
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
            await site.start()
            log.info(
                "webhook server for %s on %s:%s (%s)",
                ", ".join(apps),
                settings.webhook_host,
                settings.webhook_port,
                "with the shared jobs" if settings.webhook_jobs else "updates only",
            )
            await wait_for_stop()
        finally:
            await runner.cleanup()
