"""Retention of stored documents: a closed request's files go after the configured days,
and files no row names (left by a crash or an abandoned dialog) after a day.

The rules (which requests, the history note, files shared by content, the orphans' grace)
are :func:`models.retention.purge_documents` and :func:`models.retention.sweep_orphans`;
this only schedules them. The store and the setting
are the same for every messenger of a process, so one round purges once. Several processes
may run it at once: each request is purged under its row lock, once.
"""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot.workers import periodic
from handlers.deps import KEY, Deps
from models import clock
from models.retention import purge_documents, sweep_orphans

__all__ = ["purge_round"]

log = logging.getLogger(__name__)


@periodic("document-retention", 3600.0)
async def purge_round(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    """Purge the documents of requests closed more than ``document_retention_days`` ago
    (0: kept), then remove the files no row names."""
    if not apps:
        return
    d: Deps = next(iter(apps.values())).bot_data[KEY]
    if d.document_retention_days > 0:
        purged = await purge_documents(d.store, d.document_retention_days, clock.now())
        if purged:
            log.info("documents of %s closed requests purged (retention)", purged)
    swept = await sweep_orphans(d.store, clock.now())
    if swept:
        log.info("%s stored files no row names removed", swept)
