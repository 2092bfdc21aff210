"""``BotApiStandIn``: the Bot API stand-in server and its test-facing controls.

One object owns the aiohttp server (bot side), the state, the update queue, the
webhook pusher, fault injection and the subscribers; persons
(:class:`~bot.standin.person.Person`) are thin handles on it. Everything runs in the
caller's event loop, so a test drives the bot and the "phone" without threads.
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.standin.errors import ApiError
from bot.standin.files import StoredFile
from bot.standin.params import Params
from bot.standin.person import Person
from bot.standin.profiles import Profile, get_profile
from bot.standin.state import ApiCall, BotMessage, CallbackAnswer, StandInState, scope_key
from bot.standin.updates import UpdateQueue
from bot.standin.webhook import WebhookPusher

log = logging.getLogger(__name__)

MessageCallback = Callable[[BotMessage], Awaitable[None] | None]


@dataclass
class _Fault:
    status: int
    retry_after: int
    description: str | None


TIMEOUT = 0
"""A fault ``status`` that is no HTTP status: the call is carried out (the message arrives)
and its answer held for :attr:`BotApiStandIn.late_answer_seconds`, so the client times out
without knowing that it arrived — the case that makes a retry show a message twice."""


@dataclass(frozen=True)
class LateAnswer:
    """What :meth:`BotApiStandIn.take_fault` gives for a :data:`TIMEOUT` fault."""

    seconds: float


SEND_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendmediagroup",
        "sendvoice",
        "sendlocation",
        "copymessage",
        "forwardmessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "answercallbackquery",
    }
)
"""Calls that say something: what :meth:`BotApiStandIn.fail_randomly` fails by default."""


@dataclass
class _RandomFaults:
    rate: float
    generator: random.Random
    chat_id: int | None
    statuses: tuple[int, ...]
    methods: frozenset[str]


class BotApiStandIn:
    """A local Telegram/Bale Bot API server plus a "person side" to drive a bot."""

    def __init__(
        self,
        token: str = "123:ABC",
        profile: str | Profile = "telegram",
        bot_username: str = "skedbot",
        *,
        bot_name: str | None = None,
        clock: Callable[[], float] = time.time,
        record_calls: bool = True,
    ) -> None:
        self.token = token
        self.profile = get_profile(profile)
        prefix = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(prefix) if prefix.isdigit() else 1,
            "is_bot": True,
            "first_name": bot_name or bot_username,
            "username": bot_username,
        }
        self.state = StandInState(self.bot_user, clock)
        self.updates = UpdateQueue()
        self.pusher = WebhookPusher()
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_max_connections = 40
        self.record_calls = record_calls
        self.calls: list[ApiCall] = []
        self.host = "127.0.0.1"
        self.port = 0
        self._override_targets: list[str] = []
        self._override_secret: str | None = None
        self._subscribers: list[MessageCallback] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._random_faults: _RandomFaults | None = None
        self.injected_faults = 0
        self.injected_timeouts = 0
        self.late_answer_seconds = 10.0
        self._slow: dict[str, float] = {}
        self._persons: dict[tuple[int, int], Person] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # ----------------------------------------------------------------- lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> BotApiStandIn:
        """Serve on ``host:port`` (port 0 picks a free one); loopback hosts only."""
        from bot.standin.server import make_app  # server imports core's types

        if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the stand-in only binds loopback addresses, not {host!r}")
        self.updates.reopen()
        runner = web.AppRunner(make_app(self), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.host = host
        self.port = runner.addresses[0][1]
        log.info("Bot API stand-in (%s) on %s", self.profile.name, self.url)
        return self

    async def stop(self) -> None:
        """Release long polls, stop webhook delivery and the server."""
        self.updates.close()
        self.pusher.detach()
        await self.pusher.aclose()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiStandIn:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------- person side
    def person(
        self,
        user_id: int = 1001,
        first_name: str = "علی",
        chat_id: int | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "fa",
        phone_number: str | None = None,
        chat_title: str | None = None,
    ) -> Person:
        """A person (user) talking in a private chat, or in group ``chat_id`` (< 0)."""
        self.state.user(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        chat = chat_id if chat_id is not None else user_id
        self.state.chat(chat, title=chat_title)
        key = (user_id, chat)
        person = self._persons.get(key)
        if person is None:
            person = self._persons[key] = Person(self, user_id, chat)
        if phone_number is not None:
            person.phone_number = phone_number
        return person

    def messages(self, chat_id: int) -> list[BotMessage]:
        """Everything the bot sent to ``chat_id`` (albums as one message), oldest first."""
        return list(self.state.messages_in(chat_id))

    def all_messages(self) -> list[BotMessage]:
        return list(self.state.all_bot_messages)

    def last_message(self, chat_id: int) -> BotMessage | None:
        messages = self.state.messages_in(chat_id)
        return messages[-1] if messages else None

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return self.state.callback_answers

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded requests of one method (case-insensitive)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def file(self, file_id: str) -> StoredFile:
        stored = self.state.files.get(file_id)
        if stored is None:
            raise KeyError(f"no file {file_id!r} in the stand-in")
        return stored

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list:
        """What the bot set with setMyCommands for ``scope``/``language_code``."""
        return self.state.commands.get((scope_key(scope), language_code), [])

    def on_message(self, callback: MessageCallback) -> Callable[[], None]:
        """Call ``callback(message)`` (sync or async) whenever the bot sends, edits or
        deletes a message in any chat. Returns a function that unsubscribes."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def inject_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver a raw update (any type); ``update_id`` is filled in if missing."""
        update.setdefault("update_id", self.updates.next_id())
        self._deliver(update)
        return update

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds, re-checking after every bot request and
        every message change; raises :class:`TimeoutError`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                if predicate():
                    return
                raise

    # ------------------------------------------------------------------ faults
    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (``"*"`` = any) fail with ``status``.

        429 takes the profile's flood-control shape (Bale: 400 "bot limit exceed");
        :data:`TIMEOUT` answers late instead of failing."""
        faults = self._faults.setdefault(method.lower(), [])
        faults.extend(_Fault(status, retry_after, description) for _ in range(times))

    def clear_faults(self) -> None:
        """Drop every scripted :meth:`fail_next` fault still waiting: the messenger is back."""
        self._faults.clear()

    def slow(self, method: str, seconds: float) -> None:
        """Delay every call of ``method`` (``"*"`` = any) by ``seconds``; 0 turns it off."""
        if seconds > 0:
            self._slow[method.lower()] = seconds
        else:
            self._slow.pop(method.lower(), None)

    def fail_randomly(
        self,
        rate: float,
        *,
        seed: int = 0,
        chat_id: int | None = None,
        statuses: tuple[int, ...] = (500, 429),
        methods: frozenset[str] = SEND_METHODS,
    ) -> None:
        """Fail a share ``rate`` of the calls of ``methods`` (to ``chat_id`` only, if given)
        with one of ``statuses``, drawn from a seeded generator so a run can be repeated.
        ``rate=0`` turns it off. Scripted :meth:`fail_next` faults come first."""
        self._random_faults = (
            _RandomFaults(rate, random.Random(seed), chat_id, statuses, methods) if rate else None
        )

    def take_fault(self, method: str, params: Params | None = None) -> ApiError | LateAnswer | None:
        for key in (method, "*"):
            faults = self._faults.get(key)
            if faults:
                return self._fault_error(faults.pop(0))
        chance = self._random_faults
        if chance is None or method not in chance.methods:
            return None
        if chance.chat_id is not None and (
            params is None or params.raw("chat_id") not in (chance.chat_id, str(chance.chat_id))
        ):
            return None
        if chance.generator.random() >= chance.rate:
            return None
        self.injected_faults += 1
        return self._fault_error(_Fault(chance.generator.choice(chance.statuses), 1, None))

    def delay_for(self, method: str) -> float:
        return self._slow.get(method, 0.0) + self._slow.get("*", 0.0)

    def _fault_error(self, fault: _Fault) -> ApiError | LateAnswer:
        if fault.status == TIMEOUT:
            self.injected_timeouts += 1
            return LateAnswer(self.late_answer_seconds)
        if fault.status == 429:
            return self.profile.rate_limit_error(fault.retry_after)
        if fault.description:
            return ApiError(fault.status, fault.description)
        defaults = {
            400: "Bad Request: injected failure",
            401: "Unauthorized",
            403: "Forbidden: bot was blocked by the user",
            409: "Conflict: injected failure",
        }
        try:
            phrase = HTTPStatus(fault.status).phrase
        except ValueError:
            phrase = "Error"
        return ApiError(fault.status, defaults.get(fault.status, phrase))

    # ---------------------------------------------------------------- delivery
    def deliver_to(self, urls: list[str] | None, secret_token: str | None = None) -> None:
        """Push updates round-robin to ``urls`` (webhook workers) whatever the bot set;
        ``None``/``[]`` returns to what the bot chose (setWebhook or getUpdates)."""
        self._override_targets = list(urls or [])
        self._override_secret = secret_token
        self.apply_delivery()

    def apply_delivery(self) -> None:
        """(Re)start pushing if a webhook is set or overridden, else queue for getUpdates."""
        targets = self._override_targets or ([self.webhook_url] if self.webhook_url else [])
        secret = self._override_secret or self.webhook_secret
        if not self.profile.webhook_secret_header:
            secret = None  # Bale never sends X-Telegram-Bot-Api-Secret-Token
        if targets == self.pusher.targets and secret == self.pusher.secret:
            return
        if self.pusher.active:
            self.updates.put_back(self.pusher.detach())
        if targets:
            self.pusher.start(targets, secret, self.webhook_max_connections)
            for update in self.updates.take_all():
                self.pusher.push(update)

    def _deliver(self, update: dict[str, Any]) -> None:
        if self.pusher.active:
            self.pusher.push(update)
        else:
            self.updates.put(update)

    def touch(self) -> None:
        """Wake :meth:`wait_until` waiters: something they may watch has changed."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def emit(self, message: BotMessage) -> None:
        """Tell waiters and subscribers that the bot sent/edited/deleted ``message``."""
        self.touch()
        for callback in list(self._subscribers):
            try:
                result = callback(message)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("stand-in on_message subscriber failed")

    def record(self, call: ApiCall) -> None:
        if self.record_calls:
            self.calls.append(call)
