"""Webhook push delivery: POST every update to the bot's URL(s) instead of queueing it.

Several target URLs are served round-robin so tests can run several bot processes behind
one stand-in. Each URL gets up to ``max_connections`` posts at once (``setWebhook``'s
setting, 40 by default), as Telegram's webhook does, but one chat's updates one at a time,
each after the last was acknowledged: across chats the bot sees concurrent requests, within
a chat the messenger's order. Failed posts are retried with back-off and reported through
``getWebhookInfo`` like Telegram does.
Delivery only ever goes to loopback addresses: the stand-in must never reach out.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import logging
import time
from collections import deque
from typing import Any
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def chat_of(update: dict[str, Any]) -> tuple[str, int] | None:
    """Whose turn an update takes: its chat's, else its sender's; None for neither."""
    for value in update.values():
        if isinstance(value, dict):
            chat = value.get("chat") or (value.get("message") or {}).get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return ("chat", chat["id"])
            sender = value.get("from") or value.get("user")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return ("user", sender["id"])
    return None


class WebhookPusher:
    """Round-robin delivery of updates to one or more webhook URLs."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self.secret: str | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered = 0
        self.deliveries: dict[str, int] = {}
        """Updates acknowledged per target URL (kept across :meth:`detach`), so a test can
        tell that every worker of several got its share."""
        self._session: aiohttp.ClientSession | None = None
        self._queues: list[asyncio.Queue[dict[str, Any]]] = []
        self._in_flight: dict[int, dict[str, Any]] = {}
        self._waiting: list[dict[tuple[str, int], deque[dict[str, Any]]]] = []
        """Per URL: the chats with a post in flight, and their updates waiting behind it."""
        self._workers: list[asyncio.Task[None]] = []
        self._cycle: itertools.cycle[int] | None = None
        self._closing: list[asyncio.Future[Any]] = []

    @property
    def active(self) -> bool:
        return bool(self.targets)

    @property
    def pending_count(self) -> int:
        waiting = sum(len(chain) for chats in self._waiting for chain in chats.values())
        return sum(q.qsize() for q in self._queues) + len(self._in_flight) + waiting

    def start(self, targets: list[str], secret: str | None, connections: int) -> None:
        """Begin pushing to ``targets``, ``connections`` posts at most at once to each
        (call :meth:`detach` first to change them)."""
        self.targets = list(targets)
        self.secret = secret
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=30),
            connector=aiohttp.TCPConnector(limit=0, limit_per_host=0),
        )
        self._queues = [asyncio.Queue() for _ in self.targets]
        self._waiting = [{} for _ in self.targets]
        self._cycle = itertools.cycle(range(len(self.targets)))
        self._workers = [
            asyncio.create_task(self._work(i), name=f"standin-webhook-{i}-{n}")
            for i in range(len(self.targets))
            for n in range(max(connections, 1))
        ]

    def push(self, update: dict[str, Any]) -> None:
        assert self._cycle is not None, "pusher not started"
        self._queues[next(self._cycle)].put_nowait(update)

    def detach(self) -> list[dict[str, Any]]:
        """Stop pushing now; return the updates not yet acknowledged, in order.

        Synchronous so delivery can be switched from plain code; the cancelled
        workers and the HTTP session are finished off by :meth:`aclose`."""
        for task in self._workers:
            task.cancel()
        left = list(self._in_flight.values())
        left += [update for chats in self._waiting for chain in chats.values() for update in chain]
        for queue in self._queues:
            while not queue.empty():
                left.append(queue.get_nowait())
        self._closing.extend(self._workers)
        if self._session is not None:
            self._closing.append(asyncio.ensure_future(self._session.close()))
        self._session = None
        self.targets, self._queues, self._workers, self._waiting = [], [], [], []
        self._in_flight.clear()
        self._cycle = None
        return sorted(left, key=lambda u: u["update_id"])

    async def aclose(self) -> None:
        """Wait for everything :meth:`detach` left running."""
        closing, self._closing = self._closing, []
        for item in closing:
            with contextlib.suppress(asyncio.CancelledError):
                await item

    async def _work(self, index: int) -> None:
        """One connection to URL ``index``: takes the next update whose chat is free, and
        then that chat's updates that queued up behind it meanwhile."""
        queue, url, waiting = self._queues[index], self.targets[index], self._waiting[index]
        while True:
            update: dict[str, Any] | None = await queue.get()
            chat = chat_of(update)
            if chat is not None:
                if chat in waiting:
                    waiting[chat].append(update)  # its chat's post in flight goes first
                    continue
                waiting[chat] = deque()
            while update is not None:
                await self._deliver(url, update)
                update = None
                if chat is not None:
                    if waiting[chat]:
                        update = waiting[chat].popleft()
                    else:
                        del waiting[chat]

    async def _deliver(self, url: str, update: dict[str, Any]) -> None:
        """Post ``update`` until it is acknowledged."""
        self._in_flight[update["update_id"]] = update
        delay = 0.05
        while not await self._post(url, update):
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)
        self._in_flight.pop(update["update_id"], None)
        self.delivered += 1
        self.deliveries[url] = self.deliveries.get(url, 0) + 1

    async def _post(self, url: str, update: dict[str, Any]) -> bool:
        if not is_loopback_url(url):
            self._error("the stand-in delivers webhooks to loopback addresses only")
            return False
        headers = {SECRET_HEADER: self.secret} if self.secret else {}
        assert self._session is not None
        try:
            async with self._session.post(url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return True
                self._error(f"Wrong response from the webhook: {response.status} {response.reason}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._error(f"Connection failed: {exc!r}")
        return False

    def _error(self, message: str) -> None:
        if message != self.last_error_message:
            log.warning("webhook delivery: %s", message)
        self.last_error_date = int(time.time())
        self.last_error_message = message
