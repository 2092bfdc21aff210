"""httpx against aiohttp under python-telegram-bot, through the Bot API stand-in.

An echo bot handling updates of many chats at once (``concurrent_updates``), once per HTTP
client: updates a second in a burst, and the bot process's CPU seconds. Printed only.

    .venv/bin/python bench/transport.py [N] [CONCURRENCY]
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.standin import BotApiStandIn
from bot.transport import new_request


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(update.message.text or "")


async def run(client: str, n: int, concurrency: int) -> None:
    async with BotApiStandIn(record_calls=False) as standin:
        app = (
            ApplicationBuilder()
            .token(standin.token)
            .base_url(standin.base_url)
            .base_file_url(standin.base_file_url)
            .request(new_request(client, connection_pool_size=256))
            .get_updates_request(new_request(client, connection_pool_size=1))
            .concurrent_updates(concurrency)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=10)
            people = [standin.person(user_id=1 + i % 500) for i in range(n)]
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            for i, person in enumerate(people):
                await person.send_text(f"پیام {i}")
            await standin.wait_until(lambda: len(standin.all_messages()) >= n, timeout=300)
            elapsed = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_SELF)
            await app.updater.stop()
            await app.stop()
    used = (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)
    print(
        f"{client:8} concurrency={concurrency:3} updates={n} {n / elapsed:7.1f} updates/s "
        f"cpu={used:5.2f}s (bot and stand-in in one process)"
    )


async def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    for client in ("httpx", "aiohttp", "httpx", "aiohttp"):
        await run(client, n, concurrency)


if __name__ == "__main__":
    asyncio.run(main())
