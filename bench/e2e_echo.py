"""python-telegram-bot's echo bot as its examples write it: defaults, long polling.

The reference of ``bench/e2e.py``; it imports nothing of skedbot, so its memory and CPU
are the library's own. ``python bench/e2e_echo.py BASE_URL BASE_FILE_URL`` with the
token in ``E2E_TOKEN``.
"""

from __future__ import annotations

import os
import sys

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the text back."""
    if update.message is not None:
        await update.message.reply_text(update.message.text or "")


def main(base_url: str, base_file_url: str) -> None:
    app = (
        ApplicationBuilder()
        .token(os.environ["E2E_TOKEN"])
        .base_url(base_url)
        .base_file_url(base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0.0, timeout=10)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
