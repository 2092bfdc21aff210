"""Database wiring: the Tortoise config from the settings' URL, start-up checks, migrations.

SQLite is the default (a file under ``data/``); PostgreSQL is production. Both are migrated
by Tortoise's native migrations in ``migrations/`` so that a fresh database of either kind
reaches the same schema as the models.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as tortoise_migrate

from models import MODEL_MODULES

__all__ = [
    "DatabaseUnavailable",
    "close_db",
    "init_db",
    "migrate",
    "prepare_database",
    "tortoise_config",
]

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened; the message says which and why."""


async def _keep_session(connection: Any) -> None:
    """Release a pooled PostgreSQL connection as it is.

    asyncpg's default runs ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET
    ALL`` on every release, and Tortoise takes and releases a connection for each query
    outside a transaction: one more round trip per query, about a seventh of a webhook
    worker's busy time in the profile. The bot sets nothing those statements would undo (no
    session settings, advisory locks, LISTEN or open cursors), and asyncpg still rolls back
    a transaction left open before calling this."""


SQLITE_SYNCHRONOUS = "NORMAL"
"""SQLite's ``synchronous`` unless the URL says otherwise (``?synchronous=FULL``).

Tortoise opens SQLite in WAL mode, where SQLite's default (FULL) waits for the disk on every
commit: measured here, 143 µs of wall time and 57 µs of CPU per write, against 23 and 15
with NORMAL. The one SQLite thread runs every statement of the process in turn, so under a
burst those waits held up every citizen's reads behind them. With NORMAL in WAL mode a
crash or kill of the bot loses nothing committed (SQLite's documented guarantee); a power
cut of the machine may lose the last commits. Production runs PostgreSQL."""


def _connection(database_url: str) -> str | dict[str, Any]:
    """Tortoise's connection settings for ``database_url`` (PostgreSQL: see
    :func:`_keep_session`; SQLite: :data:`SQLITE_SYNCHRONOUS` and :mod:`bot.sqlite_client`)."""
    config = expand_db_url(database_url)
    if config["engine"] == "tortoise.backends.sqlite":
        config["engine"] = "bot.sqlite_client"
        config["credentials"].setdefault("synchronous", SQLITE_SYNCHRONOUS)
    elif database_url.startswith(("postgres://", "postgresql://", "asyncpg://")):
        config["credentials"]["reset"] = _keep_session
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    """``TORTOISE_ORM`` for Tortoise's CLI (``python -m tortoise -c bot.db.TORTOISE_ORM``).

    Built on access, from the same settings the bot reads (env or ``.env``), so that
    importing this module neither reads the environment nor fails on a bad setting.
    """
    if name == "TORTOISE_ORM":
        from bot.settings import Settings

        return tortoise_config(Settings().database_url)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _ensure_sqlite_folder(database_url: str) -> None:
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        path = Path(database_url.removeprefix("sqlite://").split("?", 1)[0])
        path.parent.mkdir(parents=True, exist_ok=True)


def describe(database_url: str) -> str:
    """The URL without its password, for messages and logs."""
    if "@" not in database_url:
        return database_url
    scheme, rest = database_url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


async def init_db(database_url: str) -> None:
    """Open the connections and prove the database answers; DatabaseUnavailable if not."""
    try:
        _ensure_sqlite_folder(database_url)
        await Tortoise.init(config=tortoise_config(database_url))
        conn = Tortoise.get_connection("default")
        await conn.execute_query("SELECT 1")
    except Exception as exc:  # every driver raises its own types
        await Tortoise.close_connections()
        raise DatabaseUnavailable(f"{describe(database_url)}: {exc}") from exc


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str) -> None:
    """Apply every pending migration (creates the schema on a fresh database)."""
    try:
        _ensure_sqlite_folder(database_url)
        await tortoise_migrate(config=tortoise_config(database_url))
    except OSError as exc:
        raise DatabaseUnavailable(f"{describe(database_url)}: {exc}") from exc
    finally:
        await Tortoise.close_connections()


async def prepare_database(database_url: str, *, always_seed: bool = False) -> None:
    """Reach, migrate and (re)seed the database, leaving Tortoise initialised on it.

    ``run``, ``webhook`` and ``local`` start this way, so a fresh database works without a
    separate ``migrate``/``seed`` step. The reachability probe comes first so an unreachable
    server is reported as :class:`DatabaseUnavailable` whatever the driver raises. The
    catalog is seeded when it is empty (or always, for ``local``: seeding is idempotent);
    several workers starting at once on an existing database therefore never race on it.
    """
    from models.catalog import load_catalog
    from models.seeding import seed_catalog
    from models.service import Service

    await init_db(database_url)
    await close_db()
    await migrate(database_url)
    await init_db(database_url)
    if always_seed or not await Service.exists():
        await seed_catalog(load_catalog())
