"""The catalog's example messages: loaded per intent, validated line by line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from models.catalog import CATALOG_DIR, CatalogError, load_catalog

HEADER = "text\tcode\n"


def _catalog_with(tmp_path: Path, files: dict[str, str]) -> Path:
    """A copy of the shipped catalog whose examples/ holds only ``files``."""
    for name in ("services.toml", "lexicon.toml"):
        shutil.copy(CATALOG_DIR / name, tmp_path / name)
    (tmp_path / "examples").mkdir()
    for name, text in files.items():
        (tmp_path / "examples" / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_examples_are_read_from_every_file(tmp_path: Path) -> None:
    base = _catalog_with(
        tmp_path,
        {
            "a.tsv": HEADER + "قبضم گم شده\tbill-duplicate\n\nسلام\tnone\n",  # blank line
            "b.tsv": HEADER + "کد 140312 چی شد\ttrack\nقبضم گم شده\tbill-duplicate\n",
        },
    )
    examples = load_catalog(base).examples
    assert examples == {
        "bill-duplicate": ("قبضم گم شده",),  # repeated across files: kept once
        "none": ("سلام",),
        "track": ("کد 140312 چی شد",),
    }


BAD_FILES = [
    (HEADER + "قبضم گم شده\tbill-duplicat\n", "line 2"),  # misspelt code
    (HEADER + "سلام\tnone\nقبض\n", "line 3"),  # no code column
    (HEADER + "\n\nیک\tدو\tsettlement\n", "line 4"),  # a tab inside the text
]


@pytest.mark.parametrize(("text", "where"), BAD_FILES)
def test_bad_line_names_file_and_line(tmp_path: Path, text: str, where: str) -> None:
    base = _catalog_with(tmp_path, {"staff.tsv": text})
    with pytest.raises(CatalogError, match=rf"staff\.tsv, {where}"):
        load_catalog(base)


def test_shipped_examples_cover_every_intent() -> None:
    catalog = load_catalog()
    codes = {card.code for card in catalog.services} | {"track", "none"}
    assert set(catalog.examples) == codes
    assert all(len(texts) >= 10 for texts in catalog.examples.values())
