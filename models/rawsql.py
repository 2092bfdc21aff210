"""Hand-written SQL for the few statements every citizen update runs.

Tortoise builds each query anew: resolving the filters and rendering them through pypika
costs about 200 µs of CPU per statement, twice what the database itself takes (measured on
SQLite and PostgreSQL, see ``bench/``). A citizen's update runs four or five statements
(dialog, citizen, service, flood count), so the building was the largest single cost of an
update. Those statements are written here as SQL once, with ``?`` placeholders, and sent
through the same Tortoise connection (a transaction in progress included); rows come back
as model instances through Tortoise's own loader. Everything else stays Tortoise.

The values are the driver's own types, as Tortoise sends them: aware datetimes (SQLite's
adapter registered by Tortoise writes them as Tortoise does), ints, strs, bools; a JSON
value goes through its field's ``to_db_value``.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.indexes import Index
from tortoise.models import Model

__all__ = ["WhereIndex", "dialect", "execute", "first", "insert_unless_taken", "rows"]

_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=512)
def _for(dialect: str, sql: str) -> str:
    """``sql`` in the dialect's placeholders: ``?`` for SQLite, ``$1, $2…`` for PostgreSQL.

    Bounded: the batched statements (inbox rows, done marks, order checks) differ by their
    number of rows, so there are as many of each as batch sizes seen."""
    if dialect != "postgres":
        return sql
    numbers = iter(range(1, sql.count("?") + 1))
    return _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", sql)


@cache
def _column_list(model: type[Model]) -> str:
    """Every column of ``model``'s table, quoted, for a SELECT that loads whole rows."""
    return ",".join(f'"{column}"' for column in model._meta.db_fields)


def _db(model: type[Model], write: bool) -> tuple[BaseDBAsyncClient, str]:
    db = model._choose_db(write)
    return db, db.capabilities.dialect


def dialect(model: type[Model]) -> str:
    """``postgres`` or ``sqlite``: for the few statements whose SQL differs (JSON)."""
    return _db(model, write=False)[1]


async def first[M: Model](model: type[M], where: str, values: list[Any]) -> M | None:
    """The row of ``model`` matching ``where`` (a unique key), or None."""
    db, dialect = _db(model, write=False)
    sql = f'SELECT {_column_list(model)} FROM "{model._meta.db_table}" WHERE {where} LIMIT 1'
    found = await db.execute_query_dict(_for(dialect, sql), values)
    return model._init_from_db(**found[0]) if found else None


async def execute(model: type[Model], sql: str, values: list[Any]) -> int:
    """Run a statement that returns no rows (INSERT, UPDATE, DELETE) on ``model``'s table;
    how many rows it changed."""
    db, dialect = _db(model, write=True)
    changed, _ = await db.execute_query(_for(dialect, sql), values)
    return changed


async def rows(model: type[Model], sql: str, values: list[Any]) -> list[dict[str, Any]]:
    """Run a statement that returns rows (a SELECT, or a write with RETURNING) as dicts."""
    db, dialect = _db(model, write=not sql.lstrip().upper().startswith("SELECT"))
    return await db.execute_query_dict(_for(dialect, sql), values)


async def insert_unless_taken(row: Model, *key: str) -> bool:
    """Write the unsaved ``row`` unless its unique ``key`` (columns) is taken; whether it was.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` instead of a look and an insert in a
    savepoint: a taken key neither raises nor aborts the caller's transaction. Values go
    through each field's ``to_db_value``, as Tortoise's own insert does (defaults,
    ``auto_now_add``); on success ``row`` has its primary key and counts as saved."""
    meta = row._meta
    columns = [c for c in meta.db_fields if c != meta.db_pk_column]
    names = [meta.fields_db_projection_reverse[c] for c in columns]
    values = [meta.fields_map[n].to_db_value(getattr(row, n), row) for n in names]
    found = await rows(
        type(row),
        f'INSERT INTO "{meta.db_table}" ({",".join(f'"{c}"' for c in columns)})'
        f" VALUES ({','.join('?' * len(columns))})"
        f" ON CONFLICT ({','.join(f'"{c}"' for c in key)}) DO NOTHING"
        f' RETURNING "{meta.db_pk_column}"',
        values,
    )
    if not found:
        return False
    row.pk = found[0][meta.db_pk_column]
    row._saved_in_db = True
    return True


class WhereIndex(Index):
    """A partial index: only the rows matching ``where``, SQL that SQLite and PostgreSQL both
    read (Tortoise's ``PartialIndex`` writes equality conditions only).

    It serves a query whose WHERE holds ``where`` word for word, which is how both
    databases prove the query needs no other rows; so that query is hand-written SQL too,
    built from the same string next to the model. For a poll of the few rows of a big table that
    are owed something (their ``where``), it reads those rows, not the table."""

    def __init__(self, *, fields: list[str], name: str, where: str) -> None:
        super().__init__(fields=fields, name=name)
        self.where = where
        self.extra = f" WHERE {where}"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "where": self.where}
