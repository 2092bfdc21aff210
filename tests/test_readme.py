"""The README is the contract for people who run the bot from outside: keep it true."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_default() -> None:
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `SKEDBOT_([A-Z_]+)` \| `([^`]*)` \|", README, re.MULTILINE)
    }
    for name, field in Settings.model_fields.items():
        assert name.upper() in rows, f"SKEDBOT_{name.upper()} is not in the README"
        default = field.default
        if isinstance(default, str | int | float) and not isinstance(default, bool):
            assert rows[name.upper()] == str(default), name
    assert set(rows) == {n.upper() for n in Settings.model_fields}, "README lists unknown settings"


def test_readme_names_the_ci_test_command() -> None:
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/python -m pytest -q" in README
    assert "python -m pytest -q" in ci
