"""The labelled-file reader behind ``skedbot nlp-eval``: files as people really save them."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.eval import load_queries


@pytest.mark.parametrize(
    "raw",
    [
        b"text\tcode\nsalam\tnone\n",  # plain UTF-8, LF
        b"text\tcode\r\nsalam\tnone\r\n",  # CRLF from a Windows editor
        b"\xef\xbb\xbftext\tcode\r\nsalam\tnone\r\n\r\n",  # spreadsheet export: BOM, blank end
        b"text\tcode\nsalam\tnone \n",  # a stray space after the code
    ],
)
def test_labelled_files_read_the_same(raw: bytes, tmp_path: Path) -> None:
    path = tmp_path / "q.tsv"
    path.write_bytes(raw)
    assert load_queries(path) == [("salam", "none")]
