"""``skedbot catalog check``: staff see every estimated value and every card without a source."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bot.catalog_check import format_check
from handlers.texts import catalog_check as texts
from models.catalog import CATALOG_DIR, load_catalog
from models.catalog.check import check_catalog

CATALOG = load_catalog()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "catalog", "check", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def _sections(out: str) -> dict[str, list[str]]:
    """The output split per card: ``[code] …`` header, then its indented lines."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in out.splitlines():
        header = re.match(r"^\[([a-z-]+)\] ", line)
        if header:
            current = sections.setdefault(header.group(1), [line])
        elif line.startswith("  "):
            current.append(line)
    return sections


def _copy_catalog(tmp_path: Path) -> Path:
    for name in ("services.toml", "lexicon.toml"):
        shutil.copy(CATALOG_DIR / name, tmp_path / name)
    shutil.copytree(CATALOG_DIR / "examples", tmp_path / "examples")
    return tmp_path


def test_check_lists_every_estimate_and_every_unsourced_card() -> None:
    result = _run()
    assert result.returncode == 0, result.stderr
    sections = _sections(result.stdout)
    for card in CATALOG.services:
        listed = {
            line.split(" = ")[0].split(": ", 1)[1]
            for line in sections[card.code]
            if line.startswith("  برآوردی: ")
        }
        assert listed == set(card.estimated), card.code
        sources = [
            line.split(": ", 1)[1] for line in sections[card.code] if line.startswith("  منبع: ")
        ]
        assert sources == (list(card.sources) or ["ندارد"]), card.code
    unsourced = sorted(c.code for c in CATALOG.services if not c.sources)
    assert unsourced, "the shipped catalog still has unsourced cards; update this test"
    summary = next(
        line for line in result.stdout.splitlines() if line.startswith("خدمات بدون منبع")
    )
    assert sorted(summary.split(": ", 1)[1].split(", ")) == unsourced
    total = sum(len(c.estimated) for c in CATALOG.services)
    assert result.stdout.rstrip().endswith(
        texts.TOTAL.format(estimates=total, cards=len(CATALOG.services), unsourced=len(unsourced))
    )


def test_check_shows_published_ids_and_pending_ones() -> None:
    sections = _sections(_run().stdout)
    assert sections["settlement"][0].endswith("شناسه خدمت: 13031465100")
    assert sections["bill-dispute"][0].endswith("شناسه خدمت: در حال ثبت")
    assert "  برآوردی: service_id = (خالی)" in sections["bill-dispute"]


def test_a_confirmed_value_leaves_the_list(tmp_path: Path) -> None:
    """Staff confirm bill-dispute's cost: drop it from ``estimated``, and the check agrees."""
    directory = _copy_catalog(tmp_path)
    path = directory / "services.toml"
    text = path.read_text(encoding="utf-8")
    card = next(c for c in CATALOG.services if c.code == "bill-dispute")
    assert "cost" in card.estimated
    kept = [name for name in card.estimated if name != "cost"]
    old = "estimated = [" + ", ".join(f'"{n}"' for n in card.estimated) + "]"
    assert text.count(old) == 1
    path.write_text(
        text.replace(old, "estimated = [" + ", ".join(f'"{n}"' for n in kept) + "]"),
        encoding="utf-8",
    )

    before = _sections(_run().stdout)["bill-dispute"]
    after = _sections(_run("--dir", str(directory)).stdout)["bill-dispute"]

    assert any(line.startswith("  برآوردی: cost = ") for line in before)
    assert not any(line.startswith("  برآوردی: cost = ") for line in after)
    assert len(after) == len(before) - 1


def test_strict_fails_while_anything_is_left_to_confirm() -> None:
    assert _run("--strict").returncode == 1


def test_fully_confirmed_cards_drop_out() -> None:
    confirmed = dataclasses.replace(
        CATALOG.services[0], estimated=(), sources=("https://example.ir/card",)
    )
    checks = check_catalog(dataclasses.replace(CATALOG, services=(confirmed,)))
    assert all(c.confirmed for c in checks)
    assert format_check(checks) == texts.ALL_CONFIRMED
    unsourced = dataclasses.replace(confirmed, sources=())
    out = format_check(check_catalog(dataclasses.replace(CATALOG, services=(unsourced,))))
    assert f"[{unsourced.code}]" in out
    assert texts.NO_SOURCE in out
