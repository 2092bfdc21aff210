"""A fresh database migrated with ``bot.db.migrate`` has exactly the models' schema.

The bot creates its schema only through migrations; tests (the ``db`` fixture) use
``generate_schemas``. If the two drift — a model changed without ``makemigrations``, or a
migration that one backend cannot run — production gets a schema the tests never saw.
This runs on whichever backend the suite runs on (CI runs both).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from bot.db import migrate, tortoise_config
from tests.conftest import Backend, run_isolated

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
RECORDER_TABLE = "tortoise_migrations"


async def _sqlite_schema(conn: BaseDBAsyncClient) -> dict[str, Any]:
    rows = await conn.execute_query_dict(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    schema: dict[str, Any] = {}
    for table in sorted(row["name"] for row in rows):
        columns = await conn.execute_query_dict(f'PRAGMA table_info("{table}")')
        indexes = []
        for index in await conn.execute_query_dict(f'PRAGMA index_list("{table}")'):
            cols = await conn.execute_query_dict(f'PRAGMA index_info("{index["name"]}")')
            indexes.append((index["unique"], index["partial"], tuple(c["name"] for c in cols)))
        fks = await conn.execute_query_dict(f'PRAGMA foreign_key_list("{table}")')
        schema[table] = {
            "columns": sorted(
                (c["name"], c["type"].upper(), c["notnull"], c["dflt_value"], c["pk"])
                for c in columns
            ),
            "indexes": sorted(indexes),
            "foreign_keys": sorted(
                (f["from"], f["table"], f["to"], f["on_update"], f["on_delete"]) for f in fks
            ),
        }
    return schema


async def _postgres_schema(conn: BaseDBAsyncClient) -> dict[str, Any]:
    columns = await conn.execute_query_dict(
        """
        SELECT table_name, column_name, data_type, character_maximum_length,
               numeric_precision, is_nullable, column_default
        FROM information_schema.columns WHERE table_schema = current_schema()
        """
    )
    indexes = await conn.execute_query_dict(
        """
        SELECT t.relname AS table_name, ix.indisunique AS is_unique,
               ix.indisprimary AS is_primary,
               coalesce(pg_get_expr(ix.indpred, ix.indrelid), '') AS predicate,
               (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
                  FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
               ) AS columns
        FROM pg_index ix
        JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = current_schema()
        """
    )
    constraints = await conn.execute_query_dict(
        """
        SELECT conrelid::regclass::text AS table_name, contype::text AS kind,
               pg_get_constraintdef(oid) AS definition
        FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
        """
    )
    schema: dict[str, Any] = {}
    for table in sorted({c["table_name"] for c in columns}):
        schema[table] = {
            "columns": sorted(
                tuple(str(v) for v in c.values()) for c in columns if c["table_name"] == table
            ),
            "indexes": sorted(
                (i["is_unique"], i["is_primary"], i["columns"], i["predicate"])
                for i in indexes
                if i["table_name"] == table
            ),
            "constraints": sorted(
                (c["kind"], c["definition"])
                for c in constraints
                if c["table_name"].strip('"') == table
            ),
        }
    return schema


async def schema_of(conn: BaseDBAsyncClient, backend: Backend) -> dict[str, Any]:
    """Tables → columns, indexes and constraints, without names the two routes may choose."""
    if backend == "sqlite":
        return await _sqlite_schema(conn)
    return await _postgres_schema(conn)


async def _migrated_state(url: str, backend: Backend) -> tuple[dict[str, Any], list[Any]]:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        conn = ctx.db()
        schema = await schema_of(conn, backend)
        applied = await conn.execute_query_dict(
            f'SELECT app, name, applied_at FROM "{RECORDER_TABLE}" ORDER BY id'
        )
    return schema, applied


async def test_migrated_schema_equals_generated_schema(
    db: TortoiseContext, database_url: str, backend: Backend
) -> None:
    generated = await schema_of(Tortoise.get_connection("default"), backend)
    migrated, applied = await _migrated_state(database_url, backend)

    model_tables = {model._meta.db_table for model in Tortoise.apps["models"].values()}
    assert set(generated) - {"sqlite_sequence"} == model_tables
    latest = sorted(p.stem for p in MIGRATIONS_DIR.glob("0*.py"))[-1]
    assert [(row["app"], row["name"]) for row in applied][-1] == ("models", latest)
    migrated.pop(RECORDER_TABLE)
    for table in model_tables:
        assert migrated[table] == generated[table], table
    assert migrated == generated


async def test_migrating_again_changes_nothing(database_url: str, backend: Backend) -> None:
    before = await _migrated_state(database_url, backend)
    await run_isolated(migrate(database_url))
    assert await _migrated_state(database_url, backend) == before


async def test_migrations_are_up_to_date_with_the_models(db: TortoiseContext) -> None:
    """Fails when a model changed without ``makemigrations`` (see docs/database.md)."""
    app_config = tortoise_config("sqlite://:memory:")["apps"]
    writers = await MigrationAutodetector(Tortoise.apps, app_config).changes()
    pending = [op.describe() for writer in writers for op in writer.operations]
    assert pending == [], "run makemigrations (docs/database.md); pending: " + "; ".join(pending)


async def test_no_semicolon_in_schema_comments(db: TortoiseContext) -> None:
    """Tortoise's SQLite migrations split DDL on ';', and comments are part of the DDL.

    A ';' in a field's ``description`` or in the first docstring line of a model (its
    table comment) makes ``migrate`` fail on SQLite with "incomplete input".
    """
    offenders = []
    for model in Tortoise.apps["models"].values():
        if ";" in (model._meta.table_description or ""):
            offenders.append(f"{model.__name__} docstring")
        offenders += [
            f"{model.__name__}.{name}"
            for name, field in model._meta.fields_map.items()
            if ";" in (field.description or "")
        ]
    assert offenders == []
