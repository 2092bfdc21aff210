"""Building the bot: one python-telegram-bot Application per messenger, sharing one database.

One process serves Telegram and Bale at once: each messenger gets its own Application
(own token, own Bot API base URL) with the same handlers, and a :class:`Deps` telling the
handlers which messenger they answer for. The database, the matcher, the document store and
the work calendar are built once per process by :func:`shared_resources`.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass

from telegram import BotCommand
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.inbox import InboxProcessor, InboxRequest, polling_owner
from bot.intents import build_matcher
from bot.messengers import messenger as messenger_profile
from bot.ratebudget import BudgetLimiter
from bot.settings import Settings
from bot.transport import new_request
from handlers import register_all
from handlers.common import Context
from handlers.deps import KEY, Deps
from models import sla
from models.catalog import Catalog, ServiceLexicon, load_catalog
from models.ratebudget import Bucket, budget_key
from models.service import Service
from models.storage import DocumentStore
from models.tagging import matcher_version, taught
from models.workdays import WorkCalendar
from nlp import IntentMatcher

__all__ = [
    "SharedResources",
    "build_application",
    "load_matcher",
    "matcher_catalog",
    "set_commands",
    "shared_resources",
]

log = logging.getLogger(__name__)

BOT_INTENTS = ("track", "none")
"""Intents that are not services: their words come from the catalog file, not the database."""
YOUNG_COLLECTION_EVERY = 10_000
"""Allocations (less deallocations) between two of the cyclic collector's young collections
in a bot process (Python's default is 700; see :func:`shared_resources`)."""


@dataclass(slots=True)
class SharedResources:
    """What every messenger's Application shares inside one process."""

    matcher: IntentMatcher
    store: DocumentStore
    calendar: WorkCalendar
    matcher_version: int = 0
    """The ``models.tagging`` version the matcher was built from (``bot.learning``)."""


async def load_matcher() -> IntentMatcher:
    """The matcher over the database's catalog (see :func:`matcher_catalog`) and the
    messages staff tagged (``models.tagging``)."""
    return build_matcher(await matcher_catalog(), await taught())


async def matcher_catalog() -> Catalog:
    """The catalog the matcher is built over: the active services in the database.

    Lexicon entries of services come from the database (staff edit them there); the
    ``track``/``none`` lexicon and every intent's example messages come from the catalog
    files, since the database holds no examples. Examples of inactive services are left
    out: the learned scorer must not rank a service the bot cannot open.
    """
    file_catalog = load_catalog()
    services = await Service.filter(active=True)
    lexicon = {
        code: file_catalog.lexicon[code] for code in BOT_INTENTS if code in file_catalog.lexicon
    }
    for service in services:
        if service.lexicon:
            lexicon[service.code] = ServiceLexicon(
                code=service.code,
                keywords=tuple(service.lexicon.get("keywords", ())),
                phrases=tuple(service.lexicon.get("phrases", ())),
                negative=tuple(service.lexicon.get("negative", ())),
            )
    active = {s.code for s in services} | set(BOT_INTENTS)
    return Catalog(
        categories=file_catalog.categories,
        services=tuple(s.to_card() for s in services),
        lexicon=lexicon,
        examples={c: texts for c, texts in file_catalog.examples.items() if c in active},
        kinds=file_catalog.kinds,
    )


async def shared_resources(
    settings: Settings, matcher: IntentMatcher | None = None
) -> SharedResources:
    """Build the per-process resources; the database must already be initialised.

    ``matcher`` skips the index build when the caller already has one for the same catalog
    (the test suite builds it once, not once per simulated process start).
    """
    mb = 1024 * 1024
    version = 0
    if matcher is None:
        version = await matcher_version()  # read first: a tag meanwhile means a rebuild
        matcher = await load_matcher()
    # The matcher's index is a few hundred thousand long-lived objects that never die.
    # Frozen, the collector stops re-walking them in every full collection, which would
    # otherwise land as a multi-millisecond pause inside some citizen's match().
    gc.freeze()
    # A young collection walks the objects of the updates in flight, not the garbage (that
    # is freed by reference counting): every 10,000 allocations instead of Python's 700
    # walks them a fourteenth as often. bench/e2e.py, two workers: 4% less CPU per update on
    # SQLite, 1.5% on PostgreSQL; peak memory unchanged (README, "Benchmarks").
    gc.set_threshold(YOUNG_COLLECTION_EVERY, 10, 10)
    return SharedResources(
        matcher=matcher,
        matcher_version=version,
        store=DocumentStore(
            settings.storage_dir,
            max_image_size=int(settings.max_image_mb * mb),
            max_pdf_size=int(settings.max_pdf_mb * mb),
        ),
        calendar=WorkCalendar(
            extra_closed_dates=settings.extra_closed_dates,
            extra_closed_weekdays=settings.extra_closed_weekdays,
        ),
    )


async def set_commands(app: Application) -> None:  # type: ignore[type-arg]
    from handlers import texts

    if not messenger_profile(app.bot_data[KEY].messenger).supports_bot_commands:
        return
    try:
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in texts.COMMANDS])
    except Exception as exc:  # a cosmetic menu must never stop the bot starting
        log.warning("setMyCommands failed: %s", type(exc).__name__)


def build_application(
    settings: Settings,
    messenger: str,
    resources: SharedResources,
    *,
    token: str | None = None,
    base_url: str | None = None,
    base_file_url: str | None = None,
    inbox_owner: str | None = None,
) -> Application:  # type: ignore[type-arg]
    """The Application for one messenger; token and URLs default to the settings'.

    Updates of different chats are handled concurrently, each chat's in order
    (:class:`~bot.inbox.InboxProcessor`), so one citizen's slow download never holds up
    another. ``inbox_owner`` names this worker in the inbox (default: the poller).
    """
    profile = messenger_profile(messenger)  # fail early on a misspelt messenger name
    token = token or settings.token(messenger)
    if not token:
        raise ValueError(f"no token for {messenger}: set SKEDBOT_{messenger.upper()}_TOKEN")
    default_base, default_file = settings.base_urls(messenger)
    owner = inbox_owner or polling_owner(messenger)
    processor = InboxProcessor(messenger, owner, shared=inbox_owner is not None)
    client = settings.http_client
    rate = settings.rate(messenger)
    limiter = BudgetLimiter(  # one budget per token, whatever the number of processes
        budget_key(messenger, token),
        Bucket(rate=rate, capacity=max(rate, 1.0), reserve=rate * settings.rate_reserve),
        rate_limit_markers=profile.rate_limit_markers,
    )
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url or default_base)
        .base_file_url(base_file_url or default_file)
        .rate_limiter(limiter)
        .request(new_request(client, connection_pool_size=256, timeout=settings.bot_api_timeout))
        .get_updates_request(
            InboxRequest(
                processor,
                new_request(client, connection_pool_size=1, timeout=settings.bot_api_timeout),
            )
        )
        .concurrent_updates(processor)
        .context_types(ContextTypes(context=Context))
        .build()
    )
    app.bot_data[KEY] = Deps(
        messenger=messenger,
        operator_chat_id=settings.operator_chat_id(messenger),
        admin_ids=settings.admin_ids(messenger),
        operator_ids=settings.operator_ids(messenger),
        matcher=resources.matcher,
        store=resources.store,
        calendar=resources.calendar,
        max_text_length=settings.max_text_length,
        flood_limit=settings.flood_limit,
        dialog_timeout_minutes=settings.dialog_timeout_minutes,
        dialog_reminder_minutes=settings.dialog_reminder_minutes,
        rate_limit_markers=profile.rate_limit_markers,
        inbox_owner=owner,
        office_hours=settings.office_window(),
        documents_reminder_days=settings.documents_reminder_days,
        digest_hour=settings.digest_hour,
        broadcast_progress_seconds=settings.broadcast_progress_seconds,
        outage_evening_hour=settings.outage_evening_hour,
        outage_soon_minutes=settings.outage_soon_minutes,
        incident_window_minutes=settings.incident_window_minutes,
        matcher_version=resources.matcher_version,
        document_retention_days=settings.document_retention_days,
    )
    processor.attach(app)
    sla.use_calendar(resources.calendar, settings.documents_wait_days)
    register_all(app)
    return app
