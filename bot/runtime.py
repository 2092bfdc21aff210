"""Running the bot: start-up checks, long polling or webhooks, and a clean shutdown.

Both modes start the same way: open the database (a clear error and exit code 2 if it
cannot be reached), build the shared resources, then one Application per messenger with a
token. Background workers (the status outbox dispatcher, dialog expiry) run beside them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Sequence

from telegram.ext import Application

from bot import broadcasts, expiry, inbox, outbox  # noqa: F401  (register periodic jobs)
from bot.app import SharedResources, build_application, set_commands, shared_resources
from bot.db import close_db, prepare_database
from bot.messengers import MESSENGERS
from bot.settings import Settings
from bot.workers import Workers
from handlers.deps import KEY

__all__ = [
    "configured_messengers",
    "running_bots",
    "serve_polling",
    "serving",
    "wait_for_stop",
]

log = logging.getLogger(__name__)


def configured_messengers(settings: Settings) -> list[str]:
    return [name for name in MESSENGERS if settings.token(name)]


async def start_app(app: Application, *, polling: bool) -> None:  # type: ignore[type-arg]
    await app.initialize()
    await set_commands(app)
    await app.start()
    if polling and app.updater is not None:
        await app.updater.start_polling(poll_interval=0.0, timeout=10, drop_pending_updates=False)


async def stop_app(app: Application) -> None:  # type: ignore[type-arg]
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


@contextlib.asynccontextmanager
async def running_bots(
    apps: Sequence[Application],
    resources: SharedResources,
    *,
    polling: bool = True,  # type: ignore[type-arg]
) -> AsyncIterator[Workers]:
    """Start the Applications and the workers; stop all of them on exit, whatever happened."""
    started: list[Application] = []  # type: ignore[type-arg]
    workers = Workers(list(apps))
    for app in apps:  # a status moved by the bot reaches the citizen without waiting a poll
        app.bot_data[KEY].wake_workers = workers.wake
    try:
        for app in apps:
            await start_app(app, polling=polling)
            started.append(app)
        for owner in {app.bot_data[KEY].inbox_owner for app in apps}:  # a restart's leftovers
            mine = {n: a for n, a in workers.apps.items() if a.bot_data[KEY].inbox_owner == owner}
            await inbox.recover(mine, owner, own_leftovers=True)
        workers.start()
        yield workers
    finally:
        await workers.stop()
        for app in reversed(started):
            await stop_app(app)


async def wait_for_stop() -> None:
    """Until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


@contextlib.asynccontextmanager
async def serving(settings: Settings, *, polling: bool) -> AsyncIterator[dict[str, Application]]:  # type: ignore[type-arg]
    """The database, the shared resources and a started Application per messenger with a
    token; everything closed again on exit. Both ``run`` and ``webhook`` start this way."""
    names = configured_messengers(settings)
    if not names:
        raise SystemExit("no messenger token: set SKEDBOT_TELEGRAM_TOKEN and/or SKEDBOT_BALE_TOKEN")
    await prepare_database(settings.database_url)
    try:
        resources = await shared_resources(settings)
        owner = None if polling else inbox.webhook_owner(settings.webhook_port)
        apps = {
            name: build_application(settings, name, resources, inbox_owner=owner) for name in names
        }
        async with running_bots(list(apps.values()), resources, polling=polling):
            yield apps
    finally:
        await close_db()


async def serve_polling(settings: Settings) -> None:
    """``skedbot run``: long polling on every messenger that has a token."""
    async with serving(settings, polling=True) as apps:
        log.info("polling on %s", ", ".join(apps))
        await wait_for_stop()
