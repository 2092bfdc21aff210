"""Life after filing under the SLA: the documents round trip, rating (the clock's rules are
:mod:`models.sla`, its periodic jobs ``bot.sla_jobs``, tracking and cancel ``handlers.track``).

* :mod:`.pick` — «نیاز به مدرک» in the operator group: which documents, and a note;
* :mod:`.upload` — the citizen's «ارسال مدارک» dialog and the group's reply under the request;
* :mod:`.rating` — the 1–5 question after «انجام شد» and its comment;
* :mod:`.render` — texts shared by these (documents notice, masked citizen).
"""

from __future__ import annotations

from telegram.ext import Application

__all__ = ["register"]


def register(app: Application) -> None:  # type: ignore[type-arg]
    from handlers.sla import pick, rating, upload

    for feature in (pick, upload, rating):
        feature.register(app)
