"""End-to-end harness: the real bot, over real HTTP, against the Bot API stand-in.

``harness`` starts a stand-in per messenger profile and the bot's Application(s) pointed at
it through python-telegram-bot's ``base_url``; nothing of the bot is mocked. ``restart()``
throws the Applications away and builds new ones on the same database, as a process
restart would: whatever the bot remembers afterwards came from the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from aiohttp import web
from telegram.ext import Application

from bot.app import build_application, shared_resources
from bot.intents import build_matcher
from bot.runtime import running_bots
from bot.settings import Settings
from bot.standin import BotApiStandIn, Person
from bot.webhook import build_webhook_app, webhook_path
from models.catalog import load_catalog
from nlp import IntentMatcher
from tests.e2e.workers import SECRET

TOKEN = "123456:TEST-TOKEN"
OPERATOR_CHAT = -1001000
ADMIN_ID = 9001
OPERATOR_ID = 9002


class Harness:
    def __init__(self, messenger: str, storage: Path, matcher: IntentMatcher) -> None:
        self.messenger = messenger
        self.matcher = matcher
        self.settings = Settings(
            _env_file=None,
            storage_dir=storage,
            digest_hour=24,  # no daily digest in the group unless a test asks for one
            **{
                f"{messenger}_operator_chat_id": OPERATOR_CHAT,
                f"{messenger}_admin_ids": str(ADMIN_ID),
                f"{messenger}_operator_ids": str(OPERATOR_ID),
            },
        )
        self.standin = BotApiStandIn(token=TOKEN, profile=messenger)
        self._stack: AsyncExitStack | None = None
        self.app = None
        self.workers = None

    async def start(self) -> None:
        self._stack = AsyncExitStack()
        resources = await shared_resources(self.settings, self.matcher)
        self.app = build_application(
            self.settings,
            self.messenger,
            resources,
            token=TOKEN,
            base_url=self.standin.base_url,
            base_file_url=self.standin.base_file_url,
        )
        self.workers = await self._stack.enter_async_context(running_bots([self.app], resources))

    async def stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def person(self, user_id: int = 1001, first_name: str = "مریم") -> Person:
        return self.standin.person(user_id=user_id, first_name=first_name)

    def operator_messages(self):
        return self.standin.messages(OPERATOR_CHAT)


@pytest.fixture(scope="session")
def matcher() -> IntentMatcher:
    """The matcher for the shipped catalog, which ``seeded_db`` holds: built once a session."""
    return build_matcher(load_catalog())


@pytest.fixture(params=["bale", "telegram"])
def messenger(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def harness(
    seeded_db, messenger: str, tmp_path: Path, matcher: IntentMatcher
) -> AsyncIterator[Harness]:
    h = Harness(messenger, tmp_path / "documents", matcher)
    await h.standin.start()
    try:
        await h.start()
        yield h
    finally:
        await h.stop()
        await h.standin.stop()


class WebhookBot:
    """A stand-in plus the bot's Application behind the webhook server, in this process."""

    def __init__(self, messenger: str, standin: BotApiStandIn, app: Application, url: str) -> None:  # type: ignore[type-arg]
        self.messenger = messenger
        self.standin = standin
        self.app = app
        self.base = url

    def url(self, messenger: str | None = None, secret: str = SECRET) -> str:
        return self.base + webhook_path(messenger or self.messenger, secret)


@pytest.fixture
async def webhook_bot(
    seeded_db, messenger: str, tmp_path: Path, matcher: IntentMatcher
) -> AsyncIterator[WebhookBot]:
    settings = Settings(_env_file=None, storage_dir=tmp_path / "documents")
    async with BotApiStandIn(token=TOKEN, profile=messenger) as standin:
        resources = await shared_resources(settings, matcher)
        app = build_application(
            settings,
            messenger,
            resources,
            token=TOKEN,
            base_url=standin.base_url,
            base_file_url=standin.base_file_url,
        )
        async with running_bots([app], resources, polling=False):
            runner = web.AppRunner(build_webhook_app({messenger: app}, SECRET), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            try:
                port = runner.addresses[0][1]
                bot = WebhookBot(messenger, standin, app, f"http://127.0.0.1:{port}")
                standin.deliver_to([bot.url()], secret_token=SECRET)
                yield bot
            finally:
                standin.deliver_to(None)
                await runner.cleanup()
