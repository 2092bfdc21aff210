"""Running the bot: start-up checks, long polling or webhooks, and a clean shutdown.

Both modes start the same way: open the database (a clear error and exit code 2 if it
cannot be reached), build the shared resources, then one Application per messenger with a
token. Background workers (the outbox dispatcher, the inbox keeper, dialog expiry) run
beside them.

The database, the matcher and the workers belong to the process, not to one Application
(one process serves Telegram and Bale, and a webhook server feeds both), so they open and
close here, around the Applications. PTB's ``post_init``/``post_shutdown`` would not do:
they run only inside ``run_polling``/``run_webhook``, which own the event loop and serve a
single Application.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Sequence

from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot import (  # noqa: F401  (each registers its periodic jobs)
    broadcasts,
    expiry,
    health,
    inbox,
    learning,
    outage_jobs,
    outbox,
    privacy_jobs,
    sla_jobs,
)
from bot.app import SharedResources, build_application, set_commands, shared_resources
from bot.db import close_db, prepare_database
from bot.messengers import MESSENGERS, BotApiUnavailable
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


def _why(exc: Exception) -> str:
    if isinstance(exc, InvalidToken):
        return "the token was refused"
    if isinstance(exc, TelegramError):  # network errors, timeouts, 5xx
        return f"it did not answer ({type(exc).__name__})"
    return f"its getMe answer is not one this bot understands ({type(exc).__name__})"


async def start_app(app: Application, *, polling: bool) -> None:  # type: ignore[type-arg]
    """Initialise (getMe), set the command menu, start; a Bot API that cannot be used is a
    :class:`BotApiUnavailable`, never a traceback."""
    try:
        await app.initialize()
    except Exception as exc:  # whatever the library raises on a bad answer
        name = app.bot_data[KEY].messenger
        raise BotApiUnavailable(f"{name} Bot API unusable: {_why(exc)}") from None
    health.answered(app.bot_data[KEY].messenger)
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
    shared_jobs: bool = True,
) -> AsyncIterator[Workers]:
    """Start the Applications and the workers; stop all of them on exit, whatever happened.

    ``shared_jobs`` False: this process runs only its own upkeep (see ``bot.workers``)."""
    started: list[Application] = []  # type: ignore[type-arg]
    workers = Workers(list(apps), shared=shared_jobs)
    for app in apps:  # a status moved by the bot reaches the citizen without waiting a poll
        app.bot_data[KEY].wake_workers = workers.send_now
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
async def serving(
    settings: Settings,
    *,
    polling: bool,
    shared_jobs: bool = True,
    owner: str | None = None,
) -> AsyncIterator[dict[str, Application]]:  # type: ignore[type-arg]
    """The database, the shared resources and a started Application per messenger with a
    token; everything closed again on exit. ``run``, ``webhook`` and ``jobs`` start this way.

    ``owner`` names this process in the inbox (default: the webhook worker on its port)."""
    names = configured_messengers(settings)
    if not names:
        raise SystemExit("no messenger token: set SKEDBOT_TELEGRAM_TOKEN and/or SKEDBOT_BALE_TOKEN")
    await prepare_database(settings.database_url)
    try:
        resources = await shared_resources(settings)
        if not polling and owner is None:
            owner = inbox.webhook_owner(settings.webhook_port)
        apps = {
            name: build_application(settings, name, resources, inbox_owner=owner) for name in names
        }
        async with running_bots(
            list(apps.values()), resources, polling=polling, shared_jobs=shared_jobs
        ):
            yield apps
    finally:
        await close_db()


async def serve_polling(settings: Settings) -> None:
    """``skedbot run``: long polling on every messenger that has a token."""
    async with serving(settings, polling=True) as apps:
        log.info("polling on %s", ", ".join(apps))
        await wait_for_stop()
