"""What a citizen's update reads first, in one statement.

Almost every citizen update reads three rows one after another: the dialog (which flow,
which step), the citizen, and, inside a filing, the service the draft names (it may have
been switched off since the last step). Each was a round trip of its own; on PostgreSQL a
round trip costs the bot more CPU than the database's work (the driver, the event loop,
building the model), so the three are read here together, joined on a one-row ``SELECT``
so that each may be missing. Every row is read fresh for every update, as before: nothing
is kept between updates or processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from tortoise.models import Model

from models import rawsql
from models.citizen import Citizen
from models.dialog import DialogState
from models.service import Service

__all__ = ["Visit", "read_visit"]

_TABLES: tuple[tuple[str, type[Model]], ...] = (
    ("d", DialogState),
    ("c", Citizen),
    ("s", Service),
)


@dataclass(frozen=True, slots=True)
class Visit:
    """The rows one citizen's update starts from; None where there is none."""

    state: DialogState | None
    citizen: Citizen | None
    service: Service | None
    """The offered (active) service the dialog's draft names."""


async def read_visit(messenger: str, user_id: int) -> Visit:
    """The citizen's dialog, their row, and the offered service their draft names."""
    found = await rawsql.rows(
        DialogState,
        _sql(rawsql.dialect(DialogState)),
        [messenger, user_id, messenger, user_id, True],
    )
    row = found[0]
    state, citizen, service = (_load(model, alias, row) for alias, model in _TABLES)
    return Visit(state, citizen, service)  # type: ignore[arg-type]


def _load(model: type[Model], alias: str, row: dict[str, Any]) -> Model | None:
    values = {column: row[f"{alias}_{column}"] for column in model._meta.db_fields}
    if values[model._meta.db_pk_column] is None:
        return None  # the LEFT JOIN found no row
    return model._init_from_db(**values)


@cache
def _sql(dialect: str) -> str:
    named = (
        "d.\"data\"->>'service'"
        if dialect == "postgres"
        else "json_extract(d.\"data\",'$.service')"
    )
    columns = ",".join(
        f'{alias}."{column}" AS "{alias}_{column}"'
        for alias, model in _TABLES
        for column in model._meta.db_fields
    )
    dialog, citizen, service = (model._meta.db_table for _, model in _TABLES)
    return (
        f"SELECT {columns} FROM (SELECT 1 AS one) AS one"
        f' LEFT JOIN "{dialog}" AS d ON d."messenger"=? AND d."user_id"=?'
        f' LEFT JOIN "{citizen}" AS c ON c."messenger"=? AND c."user_id"=?'
        f' LEFT JOIN "{service}" AS s ON s."code"={named} AND s."active"=?'
    )
