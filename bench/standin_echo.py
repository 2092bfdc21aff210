"""Throughput of an echo bot through the Bot API stand-in (real PTB, real HTTP).

Two figures for N messages: *burst* (all queued first, the bot drains them in
getUpdates batches) and *ping-pong* (one message, wait for its reply, repeat; this
is per-message latency). Printed only; nothing is asserted.

    .venv/bin/python bench/standin_echo.py [N]
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.standin import BotApiStandIn


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(update.message.text or "")


async def main(n: int) -> None:
    async with BotApiStandIn(record_calls=False) as standin:
        app = (
            ApplicationBuilder()
            .token(standin.token)
            .base_url(standin.base_url)
            .base_file_url(standin.base_file_url)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=10)

            burst = standin.person(user_id=1)
            started = time.perf_counter()
            for i in range(n):
                await burst.send_text(f"پیام {i}")
            await standin.wait_until(lambda: len(standin.messages(1)) >= n, timeout=300)
            burst_s = time.perf_counter() - started

            ping = standin.person(user_id=2)
            rounds = max(1, n // 4)
            started = time.perf_counter()
            for i in range(rounds):
                await ping.send_text(f"پیام {i}")
                await ping.wait_for_reply(timeout=10)
            ping_s = time.perf_counter() - started

            await app.updater.stop()
            await app.stop()
    print(f"burst:     {n} messages echoed in {burst_s:.2f} s = {n / burst_s:,.0f} updates/s")
    print(
        f"ping-pong: {rounds} round trips in {ping_s:.2f} s = {rounds / ping_s:,.0f} updates/s "
        f"({ping_s / rounds * 1000:.2f} ms each)"
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
