"""The shared database fixtures do what other test areas rely on.

Handlers use the models directly, from tasks PTB creates; tests that start the bot in a
subprocess need a migrated database nobody has opened yet; and on PostgreSQL no run may
leave databases behind or touch the database named in ``SKEDBOT_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import contextvars
import os

import pytest
from tortoise import Tortoise
from tortoise.context import TortoiseContext

from bot.db import tortoise_config
from models.citizen import Citizen
from models.service import Service
from tests.conftest import TEST_DB_PREFIX, Backend


async def _create_citizen(user_id: int) -> int:
    citizen = await Citizen.create(messenger="telegram", user_id=user_id, chat_id=user_id)
    return citizen.id


async def test_models_work_in_tasks_started_by_the_test(db: TortoiseContext) -> None:
    ids = await asyncio.gather(*(asyncio.create_task(_create_citizen(n)) for n in range(3)))
    assert sorted(await Citizen.all().values_list("id", flat=True)) == sorted(ids)


async def test_models_work_in_tasks_without_the_test_context(db: TortoiseContext) -> None:
    """A task started from an empty context (as by a fixture set up before ``db``)."""
    await asyncio.create_task(_create_citizen(7), context=contextvars.Context())
    assert await Citizen.filter(user_id=7).count() == 1


async def test_default_connection_answers(db: TortoiseContext) -> None:
    conn = Tortoise.get_connection("default")
    assert await conn.execute_query_dict("SELECT 1 AS one") == [{"one": 1}]


@pytest.mark.parametrize("attempt", [1, 2])
async def test_each_test_gets_an_empty_database(db: TortoiseContext, attempt: int) -> None:
    assert await Citizen.all().count() == 0
    await _create_citizen(1)  # unique (messenger, user_id): a shared database would fail


async def test_seeded_db_has_the_catalog(seeded_db: TortoiseContext) -> None:
    assert await Service.filter(active=True).count() == 25


async def test_database_url_is_migrated_and_not_opened_here(
    database_url: str, backend: Backend
) -> None:
    assert not Tortoise.is_inited()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        assert await Service.all().count() == 0
        applied = await ctx.db().execute_query_dict("SELECT name FROM tortoise_migrations")
        assert {"name": "0001_initial"} in applied
    assert database_url.startswith("sqlite://" if backend == "sqlite" else "postgres://")


def test_named_database_url_is_hidden_from_code_under_test() -> None:
    assert "SKEDBOT_DATABASE_URL" not in os.environ


@pytest.mark.backend("postgres")
async def test_postgres_databases_are_private_and_dropped(
    db: TortoiseContext, database_url: str
) -> None:
    """Only this test's two databases (and the session's templates) exist: earlier tests'
    ones were dropped."""
    conn = Tortoise.get_connection("default")
    current = (await conn.execute_query_dict("SELECT current_database() AS name"))[0]["name"]
    assert current.startswith(TEST_DB_PREFIX)
    assert database_url.rsplit("/", 1)[1].startswith(TEST_DB_PREFIX)
    rows = await conn.execute_query_dict(
        "SELECT datname FROM pg_database WHERE datname LIKE $1",
        [f"{TEST_DB_PREFIX}{os.getpid()}\\_%"],
    )
    templates = {
        f"{TEST_DB_PREFIX}{os.getpid()}_template_{k}" for k in ("schema", "seeded", "migrated")
    }
    assert sorted(r["datname"] for r in rows if r["datname"] not in templates) == sorted(
        [current, database_url.rsplit("/", 1)[1].split("?", 1)[0]]
    )
