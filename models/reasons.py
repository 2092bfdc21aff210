"""Rejection reasons staff pick from: catalog data (``models/catalog/reject_reasons.toml``).

A reason is what the citizen reads (``text``) and what they can do next (``next``); a
service's own reasons come before the ones every service shares.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from models.catalog import CATALOG_DIR

__all__ = ["REASONS_FILE", "Reason", "load_reasons", "reasons_for"]

REASONS_FILE = CATALOG_DIR / "reject_reasons.toml"


@dataclass(frozen=True, slots=True)
class Reason:
    text: str
    next: str = ""


def _reasons(rows: object, where: str) -> tuple[Reason, ...]:
    if not isinstance(rows, list):
        raise ValueError(f"reject_reasons.toml {where}: a list of tables expected")
    found = []
    for row in rows:
        if not isinstance(row, dict) or not row.get("text") or set(row) - {"text", "next"}:
            raise ValueError(f"reject_reasons.toml {where}: each reason has text (and next)")
        found.append(Reason(str(row["text"]), str(row.get("next", ""))))
    return tuple(found)


@cache
def load_reasons(
    path: Path = REASONS_FILE,
) -> tuple[tuple[Reason, ...], dict[str, tuple[Reason, ...]]]:
    """(reasons for every service, each service's own); an absent file means none."""
    if not path.exists():
        return (), {}
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    default = _reasons(raw.get("default", []), "[[default]]")
    services = {
        code: _reasons(rows, f"[[services.{code}]]")
        for code, rows in (raw.get("services") or {}).items()
    }
    return default, services


def reasons_for(service_code: str) -> tuple[Reason, ...]:
    """The reasons offered for one service: its own first, then the shared ones."""
    default, services = load_reasons()
    return services.get(service_code, ()) + default
