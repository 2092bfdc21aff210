"""python-telegram-bot's echo bot as its examples write it: defaults, long polling.

The reference of ``bench/e2e.py``; it imports nothing of skedbot, so its memory and CPU
are the library's own. ``python bench/e2e_echo.py BASE_URL BASE_FILE_URL`` with the
token in ``E2E_TOKEN``.

``... BASE_URL BASE_FILE_URL webhook PORT PATH`` runs it as one webhook worker instead,
the shape of a ``skedbot webhook`` worker: an aiohttp server (the transport skedbot's
workers use; PTB's own ``run_webhook`` needs tornado) that queues each posted update for
the Application, as PTB's custom-webhook example does, and answers 200. Two of them
behind the stand-in's round robin are the like-for-like reference of two skedbot
workers: the same processes on the same two cores, with nothing of skedbot's own work.
"""

from __future__ import annotations

import asyncio
import os
import sys

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the text back."""
    if update.message is not None:
        await update.message.reply_text(update.message.text or "")


def build(base_url: str, base_file_url: str, *, polling: bool) -> Application:  # type: ignore[type-arg]
    builder = ApplicationBuilder().token(os.environ["E2E_TOKEN"])
    builder = builder.base_url(base_url).base_file_url(base_file_url)
    if not polling:
        builder = builder.updater(None)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def serve_webhook(app: Application, port: int, path: str) -> None:  # type: ignore[type-arg]
    """Queue every posted update; ``/healthz`` says when it is up."""

    async def receive(request: web.Request) -> web.Response:
        await app.update_queue.put(Update.de_json(await request.json(), app.bot))
        return web.Response()

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    web_app = web.Application()
    web_app.add_routes([web.post(path, receive), web.get("/healthz", healthz)])
    runner = web.AppRunner(web_app, access_log=None)
    async with app:
        await app.start()
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            await asyncio.Event().wait()  # until SIGTERM ends the process
        finally:
            await runner.cleanup()
            await app.stop()


def main(argv: list[str]) -> None:
    base_url, base_file_url = argv[:2]
    if argv[2:3] == ["webhook"]:
        app = build(base_url, base_file_url, polling=False)
        asyncio.run(serve_webhook(app, int(argv[3]), argv[4]))
    else:
        build(base_url, base_file_url, polling=True).run_polling(poll_interval=0.0, timeout=10)


if __name__ == "__main__":
    main(sys.argv[1:])
