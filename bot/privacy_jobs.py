"""Retention of stored documents: a closed request's files go after the configured days.

The rule (which requests, the history note, files shared by content) is
:func:`models.retention.purge_documents`; this only schedules it. The store and the setting
are the same for every messenger of a process, so one round purges once. Several processes
may run it at once: each request is purged under its row lock, once.
"""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot.workers import periodic
from handlers.deps import KEY, Deps
from models import clock
from models.retention import purge_documents

__all__ = ["purge_round"]

log = logging.getLogger(__name__)


@periodic("document-retention", 3600.0)
async def purge_round(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    """Purge the documents of requests closed more than ``document_retention_days`` ago."""
    if not apps:
        return
    d: Deps = next(iter(apps.values())).bot_data[KEY]
    if d.document_retention_days <= 0:
        return
    purged = await purge_documents(d.store, d.document_retention_days, clock.now())
    if purged:
        log.info("documents of %s closed requests purged (retention)", purged)
