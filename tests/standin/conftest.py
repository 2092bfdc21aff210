"""Fixtures: a running stand-in and a real PTB Application polling it."""

from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application, ApplicationBuilder, BaseHandler

from bot.standin import BotApiStandIn

TOKEN = "123456:TEST-token"


def png(width: int = 4, height: int = 3) -> bytes:
    """A valid PNG of the given size (the stand-in reads dimensions from headers)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )  # fmt: skip


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token=TOKEN, profile="telegram") as stand_in:
        yield stand_in


@pytest.fixture
async def bale() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token=TOKEN, profile="bale") as stand_in:
        yield stand_in


def build_app(standin: BotApiStandIn) -> Application:
    return (
        ApplicationBuilder()
        .token(standin.token)
        .base_url(standin.base_url)
        .base_file_url(standin.base_file_url)
        .build()
    )


@contextlib.asynccontextmanager
async def polling_bot(standin: BotApiStandIn, *handlers: BaseHandler) -> AsyncIterator[Application]:
    """A real PTB Application long-polling the stand-in with ``handlers``."""
    app = build_app(standin)
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
