"""An operator starting the bot against a database it cannot reach gets one clear error.

``DatabaseUnavailable`` names the database (without its password) and why; it must not be
a driver traceback, and must not leak the password into logs or a chat.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from bot.db import DatabaseUnavailable, init_db
from tests.conftest import run_isolated

PASSWORD = "s3cret-Pa55"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_postgres_on_closed_port(tmp_path: Path) -> None:
    port = _closed_port()
    url = f"postgres://skedbot:{PASSWORD}@127.0.0.1:{port}/skedbot"

    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as caught:
        await run_isolated(init_db(url))

    message = str(caught.value)
    assert PASSWORD not in message
    assert PASSWORD not in repr(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "skedbot:***@" in message
    assert time.monotonic() - started < 10  # refused, not hanging


async def test_sqlite_in_folder_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    url = f"sqlite://{blocker}/sub/skedbot.sqlite3"

    with pytest.raises(DatabaseUnavailable) as caught:
        await run_isolated(init_db(url))

    assert str(blocker) in str(caught.value)
