"""Picking up what staff taught the matcher, in every process, without a restart.

A tag (``models.tagging``) bumps one version counter in the database. This job compares it
with the version each process's matcher was built from; when they differ it reads the
catalog and the tagged messages, builds the new index in a thread (the event loop keeps
answering with the old one meanwhile) and swaps it into every Application's ``Deps`` at
once: one attribute assignment per messenger, no message sees half an index.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application

from bot.app import matcher_catalog
from bot.intents import build_matcher
from bot.workers import periodic
from handlers.deps import KEY
from models.tagging import matcher_version, taught

__all__ = ["reload_matcher"]

log = logging.getLogger(__name__)

RELOAD_SECONDS = 5.0
"""How often a process checks for new tags (a tag in this process wakes it at once)."""


@periodic("matcher-reload", RELOAD_SECONDS, every_process=True)
async def reload_matcher(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    """Rebuild the matcher when the database's version moved past this process's."""
    if not apps:
        return
    deps = [app.bot_data[KEY] for app in apps.values()]
    loaded = deps[0].matcher_version
    current = await matcher_version()
    if current == loaded:
        return
    catalog, lessons = await matcher_catalog(), await taught()
    matcher = await asyncio.to_thread(build_matcher, catalog, lessons)
    for d in deps:
        d.matcher = matcher
        d.matcher_version = current
    log.info("matcher rebuilt for version %s", current)
