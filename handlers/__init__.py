"""Thin adapters from messenger updates to the rules in :mod:`models` and :mod:`nlp`.

Each feature module has a ``register(app)``; :data:`FEATURES` sets their order, which is
the order python-telegram-bot tries them in:

1. guards first (flood control, error handler),
2. commands and feature buttons (specific patterns),
3. the router, which takes every remaining private message (dialogs, menu, free text),
4. the catch-all for buttons nobody claimed (old or forged callback data).
"""

from __future__ import annotations

from telegram.ext import Application

__all__ = ["register_all"]


def register_all(app: Application) -> None:  # type: ignore[type-arg]
    from handlers import (
        apply,
        broadcast,
        browse,
        desk,
        guards,
        incidents,
        operator,
        outages,
        privacy,
        reject,
        relay,
        report,
        router,
        search,
        sla,
        staff,
        start,
        tagging,
        track,
    )

    guards.register_first(app)
    # reject before operator: it answers the status button «رد درخواست» (op:reject:…)
    # with the reason flow instead of rejecting at once
    features = (
        start, broadcast, browse, search, track, privacy, staff, outages, incidents, relay, desk,
        reject, report, operator, sla, tagging, apply, router, guards,
    )  # fmt: skip
    for feature in features:
        feature.register(app)
