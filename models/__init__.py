"""Data and the rules that belong to it: citizens, the catalog, requests and their lifecycle.

Nothing here imports a messenger library: the handlers adapt updates to these rules, and
back-office tools may import the same models to read and write the shared database.
"""

from __future__ import annotations

MODEL_MODULES: list[str] = [
    "models.citizen",
    "models.service",
    "models.request",
    "models.dialog",
    "models.querylog",
    "models.outbox",
    "models.inbox",
    "models.flood",
    "models.broadcast",
    "models.ratebudget",
    "models.relay",
    "models.desk",
    "models.tagging",
    "models.apitoken",
    "models.outage",
    "models.incident",
]
"""Every module holding Tortoise models, in the one app label ``models``."""

__all__ = ["MODEL_MODULES"]
