"""Database fixtures shared by every test area: the backend, fresh databases, the seeded catalog.

The suite runs on SQLite unless ``SKEDBOT_DATABASE_URL`` names a PostgreSQL server
(``postgres://…``); CI runs it once each way. On PostgreSQL the named database is never
touched: the URL only says which server and credentials to use, every test that needs a
database gets its own ``skedbot_test_<pid>_<hex>`` there, and that database is dropped at
teardown — also when the test fails, and at session end for any teardown that could not.

``SKEDBOT_DATABASE_URL`` is removed from the environment once read, so that code under
test (``Settings()``, a bot started as a subprocess) can never reach the named database by
accident: tests pass the URL of a fixture's database explicitly.

Fixtures:

* ``backend`` – ``"sqlite"`` or ``"postgres"``; ``@pytest.mark.backend("postgres")`` skips a
  test on the other backend.
* ``db`` – Tortoise initialised on a fresh database with the schema (in-memory SQLite or a
  new PostgreSQL database). Models work in the test and in any task it starts.
* ``seeded_db`` – ``db`` with the catalog loaded.
* ``database_url`` – URL of a fresh, migrated, on-disk database that this process has not
  initialised, for tests that start the bot as a subprocess or call ``init_db`` themselves.
* ``kept_models`` (automatic) – the folder where matchers built in the tests keep their
  fitted model for the run, as ``SKEDBOT_MODEL_CACHE_DIR`` does for the bot.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest
from tortoise.backends.base.config_generator import generate_config
from tortoise.context import TortoiseContext, _current_context, set_global_context
from tortoise.contrib.test import tortoise_test_context

from bot import modelcache
from bot.db import describe, migrate
from models import MODEL_MODULES

Backend = Literal["sqlite", "postgres"]

_WORKERS_SERVER = "SKEDBOT_TEST_SERVER_URL"
"""Where the URL waits for pytest-xdist's worker processes, which start after it is removed
(a name the bot's settings never read, so a bot started by a test cannot use it)."""
_SERVER_URL: str | None = os.environ.pop("SKEDBOT_DATABASE_URL", None) or os.environ.get(
    _WORKERS_SERVER
)
"""The PostgreSQL server to create test databases on; None means SQLite."""
if _SERVER_URL:
    os.environ[_WORKERS_SERVER] = _SERVER_URL

BACKEND: Backend = "postgres" if _SERVER_URL and _SERVER_URL.startswith("postgres") else "sqlite"
MAINTENANCE_DB = "postgres"
"""Where CREATE/DROP DATABASE are issued, so the named database is never connected to."""
TEST_DB_PREFIX = "skedbot_test_"

_created_pg_databases: set[str] = set()
"""Databases this session created and has not dropped yet (dropped at session end)."""

_pg_templates: dict[str, str] = {}
"""Template databases of this session, by kind: ``schema`` (as ``generate_schemas`` makes
it) and ``migrated`` (as ``bot.db.migrate`` makes it). Each test's database is a copy of
one (``CREATE DATABASE … TEMPLATE``), which takes a fraction of building the schema anew:
building it was most of the PostgreSQL run's time."""


# --------------------------------------------------------------------------- pytest hooks


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "backend(name): run the test only on that database backend (sqlite/postgres)"
    )


def pytest_report_header(config: pytest.Config) -> str:
    if BACKEND == "postgres":
        assert _SERVER_URL is not None
        return (
            f"skedbot database backend: postgres, server {describe(_SERVER_URL)} "
            f"(throwaway databases {TEST_DB_PREFIX}*)"
        )
    return "skedbot database backend: sqlite"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("backend")
        if marker and marker.args and marker.args[0] != BACKEND:
            item.add_marker(pytest.mark.skip(reason=f"{marker.args[0]} only; running on {BACKEND}"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop what a failed teardown left behind, so a broken run leaves the server clean."""
    if _created_pg_databases:
        asyncio.run(_drop_all_pg_databases())


# --------------------------------------------------------------------------- PostgreSQL admin


def pg_url(database: str) -> str:
    """The server URL with its database replaced (credentials and options kept)."""
    assert _SERVER_URL is not None
    parts = urlsplit(_SERVER_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _new_pg_name() -> str:
    # The pid says which run made a leftover database, should one ever survive.
    return f"{TEST_DB_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:12]}"


async def _admin_connection() -> Any:
    import asyncpg

    assert _SERVER_URL is not None
    parts = urlsplit(_SERVER_URL)
    return await asyncpg.connect(
        host=parts.hostname or None,
        port=parts.port or 5432,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        database=MAINTENANCE_DB,
    )


async def create_pg_database(name: str, template: str | None = None) -> None:
    _created_pg_databases.add(name)
    conn = await _admin_connection()
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await conn.close()


async def _generate_schema(url: str, *, seeded: bool = False) -> None:
    from models.catalog import load_catalog
    from models.seeding import seed_catalog

    ctx = TortoiseContext()
    async with ctx:
        await ctx.init(config=_test_config(url), use_tz=True, timezone="UTC")
        await ctx.generate_schemas(safe=False)
        if seeded:
            await seed_catalog(load_catalog())


def _test_config(url: str) -> dict[str, Any]:
    return generate_config(url, app_modules={"models": MODEL_MODULES}, testing=True)


async def pg_template(kind: Literal["schema", "seeded", "migrated"]) -> str:
    """The session's template database of ``kind``, made on first use (no connection to it
    stays open, as ``CREATE DATABASE … TEMPLATE`` requires)."""
    if kind not in _pg_templates:
        name = f"{TEST_DB_PREFIX}{os.getpid()}_template_{kind}"
        await create_pg_database(name)
        url = pg_url(name)
        if kind == "migrated":
            await run_isolated(migrate(url))
        else:
            await run_isolated(_generate_schema(url, seeded=kind == "seeded"))
        _pg_templates[kind] = name
    return _pg_templates[kind]


async def drop_pg_database(name: str) -> None:
    """Drop even if code under test left connections open (PostgreSQL 13+)."""
    conn = await _admin_connection()
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
    _created_pg_databases.discard(name)


async def _drop_all_pg_databases() -> None:
    for name in sorted(_created_pg_databases):
        await drop_pg_database(name)


# --------------------------------------------------------------------------- helpers


async def run_isolated[T](coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro`` in a task that sees no Tortoise context and whose context is discarded.

    ``Tortoise.init`` (inside ``bot.db.migrate``/``init_db``) re-initialises whatever
    context is current and leaves a new one set; isolating it keeps the test's own ``db``
    intact and leaves no half-closed context behind for the test.
    """
    context = contextvars.copy_context()
    context.run(_current_context.set, None)
    return await asyncio.create_task(coro, context=context)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session", autouse=True)
def kept_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Matchers built here keep their fitted model as the bot's processes do
    (``bot.modelcache``), in one folder for the whole run (shared by the xdist workers):
    each fit is a child process (``nlp.svmfit``), so the same examples are fitted once."""
    root = tmp_path_factory.getbasetemp()
    folder = (root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root) / "models"
    modelcache.use(folder)
    yield folder
    modelcache.use(None)


@pytest.fixture(scope="session")
def backend() -> Backend:
    """Which database this run uses: ``"sqlite"`` or ``"postgres"``."""
    return BACKEND


@pytest.fixture
async def db(request: pytest.FixtureRequest) -> AsyncIterator[TortoiseContext]:
    """Tortoise on a fresh, empty database with the schema from ``generate_schemas``.

    The context is also the global fallback, so tasks that did not inherit the test's
    contextvars (started by a fixture set up earlier, say) still reach this database.
    """
    if BACKEND == "sqlite":
        async with tortoise_test_context(MODEL_MODULES, "sqlite://:memory:") as ctx:
            set_global_context(ctx)
            yield ctx
        return

    name = _new_pg_name()
    try:
        seeded = "seeded_db" in request.fixturenames  # then copy the seeded template
        await create_pg_database(name, template=await pg_template("seeded" if seeded else "schema"))
        ctx = TortoiseContext()
        async with ctx:
            await ctx.init(config=_test_config(pg_url(name)), use_tz=True, timezone="UTC")
            set_global_context(ctx)
            yield ctx
    finally:
        await drop_pg_database(name)


@pytest.fixture
async def seeded_db(db: TortoiseContext) -> TortoiseContext:
    """``db`` with the 25-service catalog (and its lexicon) loaded as ``skedbot seed`` does."""
    from models.catalog import load_catalog
    from models.seeding import seed_catalog

    if BACKEND == "sqlite":  # PostgreSQL's ``db`` was copied from a seeded template
        await seed_catalog(load_catalog())
    return db


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """URL of a fresh database migrated with ``bot.db.migrate``, not initialised here.

    SQLite: a file in ``tmp_path``; PostgreSQL: a new database on the server. Dropped (or
    deleted) at teardown.
    """
    if BACKEND == "sqlite":
        path = tmp_path / "skedbot.sqlite3"
        url = f"sqlite://{path}"
        await run_isolated(migrate(url))
        yield url
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            leftover.unlink(missing_ok=True)
        return

    name = _new_pg_name()
    try:
        await create_pg_database(name, template=await pg_template("migrated"))
        url = pg_url(name)
        yield url
    finally:
        await drop_pg_database(name)


@pytest.fixture(autouse=True)
def _real_time() -> Iterator[None]:
    """Every test starts and ends on real time, whatever it did with ``models.clock``."""
    from models import clock

    clock.reset()
    yield
    clock.reset()
