"""Taking updates in: written down before acknowledged, skipped when unreadable or replayed.

Every update passes :meth:`InboxProcessor.admit` (a polled batch: ``admit_batch``; webhook
requests that arrive together are admitted as one batch too) before the messenger is told
we have it (the webhook's 200, the next ``getUpdates`` offset):

* an update python-telegram-bot cannot parse (an older or newer Bot API shape) is logged
  once, by id and error type only, and skipped: it must never hold up the updates behind it;
* an update seen before (a webhook redelivery, a replay; on any process) is skipped;
* anything else is written to ``inbound_update`` (``models.inbox``), claimed by this worker,
  and a citizen's message or button press is counted against their flood limit *now*, when
  it arrives (``models.flood``): past the limit it is marked done and never handled, so a
  flooder's backlog costs no handling and the window is the minute they sent in, not the
  minute we got round to them. The verdict travels to the flood guard
  (``handlers.guards``) in ``Deps.arrivals``.

:class:`InboxProcessor` marks an update done once its handlers have run. A worker killed in
between leaves its rows unfinished: when it starts again it takes its own leftovers at once,
and any other worker takes them once the dead one's lease has run out (:func:`recover`).

Polling goes through the same door: :class:`InboxRequest` is the ``getUpdates`` transport
and admits what it fetched, as one batch, before PTB's updater computes the next offset. It
puts the admitted updates in the Application's queue itself, parsed once (as
:func:`recover` does), and hands PTB's updater only the batch's last ``update_id`` as an
empty update, so that the offset moves past the batch: PTB parsing every update a second
time was a tenth of a polling process's CPU.

Finished updates are marked done in batches (:class:`DoneMarks`, every :data:`DONE_DELAY`):
one UPDATE for all the updates a busy moment finished instead of one each. A worker killed
within that moment handles those updates again when it restarts (the at-least-once window
the inbox already had between an answer and its mark, a few milliseconds longer).

What is read from an update itself (readable, whose turn, counted or not) is in
:mod:`bot.updates`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Awaitable
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application, BaseUpdateProcessor
from telegram.request import BaseRequest

from bot.chatturns import ChatTurns, order_of
from bot.groupcommit import GroupCommit
from bot.metrics import handling
from bot.orderchecks import OrderChecks
from bot.updates import (
    chat_column,
    chat_key,
    flood_key,
    has_id,
    is_empty,
    parse_update,
    sanitised,
    update_id_of,
)
from bot.workers import periodic
from handlers.deps import KEY, Deps
from handlers.guards import send_flood_notice
from models import inbox
from models.flood import Verdict, claim_notice, count_message, count_messages
from models.logcontext import log_context

__all__ = [
    "DoneMarks",
    "InboxProcessor",
    "InboxRequest",
    "polling_owner",
    "recover",
    "webhook_owner",
]

log = logging.getLogger(__name__)

WORKING = 16
"""Updates of different chats handled at the same moment, per Application."""
ADMITTED = 512
"""Updates taken in and not finished, per Application, before taking in more waits (a
polled page then comes in whole: at most ADMITTED + 100 updates in memory while polling)."""
DONE_DELAY = 0.02
"""Seconds finished updates wait to be marked done together (see the module doc)."""


def webhook_owner(port: int) -> str:
    """A webhook worker is its host and port: restarted in the same place, it is the same."""
    return f"webhook:{socket.gethostname()}:{port}"


def polling_owner(messenger: str) -> str:
    """Only one process may poll a token, so the host and messenger name it."""
    return f"polling:{socket.gethostname()}:{messenger}"


class DoneMarks:
    """This process's finished updates, written down together every :data:`DONE_DELAY`.

    One task at a time writes; marks that come while it writes go in its next round."""

    def __init__(self, messenger: str) -> None:
        self.messenger = messenger
        self._pending: list[int] = []
        self._writer: asyncio.Task[None] | None = None

    def add(self, update_id: int) -> None:
        self._pending.append(update_id)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_soon())

    async def _write_soon(self) -> None:
        while self._pending:
            await asyncio.sleep(DONE_DELAY)
            await self.flush()

    async def flush(self) -> None:
        """Write what is pending now (also at shutdown, so a clean stop leaves nothing)."""
        ids, self._pending = self._pending, []
        if not ids:
            return
        try:
            await inbox.done_many(self.messenger, ids)
        except Exception as exc:  # the database is away: these are handled again later
            log.warning("%d updates not marked done (%s)", len(ids), type(exc).__name__)


class InboxRequest(BaseRequest):
    """The ``getUpdates`` transport: admits each fetched update before PTB sees it.

    It wraps the HTTP client in use (``bot.transport``) and adds only the admission."""

    def __init__(self, processor: InboxProcessor, inner: BaseRequest) -> None:
        self.processor = processor
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        return await self.inner.do_request(*args, **kwargs)

    async def post(self, url: str, request_data: Any = None, **kwargs: Any) -> Any:
        await self.processor.room()  # fetch no more than we can hold
        result = await super().post(url, request_data, **kwargs)
        if not isinstance(result, list):
            return result
        return await self.processor.admit_batch(result)


class InboxProcessor(BaseUpdateProcessor):
    """Admits updates; handles different chats at once, each chat's updates in order, and
    marks each done afterwards.

    A slow document download or a slow group send holds up its own chat only. The order is
    kept by update id: in this process one update of a chat at a time, the lowest waiting
    first (:class:`~bot.chatturns.ChatTurns`), and, when other workers may hold the same
    chat's updates (``shared``: webhook workers behind one address), by waiting for another
    worker's earlier update of the chat (:mod:`bot.orderchecks`), both *before* a working
    slot: a flooding or waiting chat never fills the :data:`WORKING` slots that other
    citizens need. A poller is alone with its token, so it never asks the database about
    other workers. :data:`ADMITTED` bounds the updates in progress at all (PTB's own
    semaphore); past it the webhook answers more slowly and polling fetches no more, so
    memory stays bounded.
    """

    def __init__(self, messenger: str, owner: str = "", *, shared: bool = True) -> None:
        super().__init__(max_concurrent_updates=ADMITTED)
        self.messenger = messenger
        self.owner = owner
        """This worker's name in the inbox: its own rows are kept in order in memory."""
        self.shared = shared
        self.taken = 0
        """Updates admitted by this process and not finished yet."""
        self.deps: Deps | None = None
        """The Application's :class:`Deps` (flood limit, ``arrivals``), set by :meth:`attach`."""
        self.bot: Bot | None = None
        self.queue: asyncio.Queue[object] | None = None
        """The Application's update queue, where polled updates go (set by :meth:`attach`)."""
        self.done_marks = DoneMarks(messenger)
        self.order_checks = OrderChecks(messenger, owner)
        self._admission = GroupCommit(self._admit_arrived, orphaned=self._queue_orphan)
        """:meth:`admit` calls, written down together."""
        self._working = asyncio.Semaphore(WORKING)
        self._chats: dict[object, ChatTurns] = {}
        """The chats with an update in hand here (see :mod:`bot.chatturns`)."""

    def attach(self, app: Application) -> None:  # type: ignore[type-arg]
        """Take the Application's bot (to bind parsed updates), queue and :class:`Deps`."""
        self.bot = app.bot
        self.queue = app.update_queue
        self.deps = app.bot_data[KEY]

    async def enqueue(self, update: Update) -> None:
        """Queue an admitted (or recovered) update for handling; it counts as taken, against
        :data:`ADMITTED`, until :meth:`do_process_update` has finished it."""
        if self.queue is None:
            raise RuntimeError("InboxProcessor.attach(app) was not called")
        self.taken += 1
        await self.queue.put(update)

    async def room(self) -> None:
        """Wait until fewer than :data:`ADMITTED` updates are in progress."""
        while self.taken >= ADMITTED:
            await asyncio.sleep(0.05)

    async def admit(self, raw: Any, bot: Bot | None = None) -> Update | None:
        """The update to handle (bound to ``bot``), or None when it is to be acknowledged
        and skipped (unreadable, seen before, or a flooder's past the notice).

        Updates that arrive together are admitted together: a webhook under load has many
        requests in flight, and each paid its own INSERT and flood count: two statements per
        update that a polled batch shares among all its updates. The first caller's batch
        is written at the next turn of the loop, with whatever arrived by then; what
        arrives while it is written goes in the next one (group commit). An idle worker
        therefore writes each update at once, as before (:mod:`bot.groupcommit`)."""
        return await self._admission.ask((raw, bot))

    async def _admit_arrived(self, arrived: list[tuple[Any, Bot | None]]) -> list[Update | None]:
        """:meth:`admit`'s batch: the updates that arrived together, bound to the first
        caller's bot (one Application's, as every caller's)."""
        return await self._admit_all([raw for raw, _ in arrived], arrived[0][1])

    async def _queue_orphan(self, update: Update | None) -> None:
        """A caller that went away meanwhile (its webhook request cancelled) does not lose
        its update: written down, it is queued here, as its caller would have done."""
        if update is not None:
            await self.enqueue(update)

    async def admit_batch(self, result: list[Any]) -> list[Any]:
        """A ``getUpdates`` answer as PTB is to see it: each update admitted (one INSERT for
        the batch) and queued, and only the last ``update_id``, bare, for the offset."""
        for update in await self._admit_all(result, self.bot):
            if update is not None:
                await self.enqueue(update)
        ids = [raw["update_id"] for raw in result if isinstance(raw, dict) and has_id(raw)]
        return [{"update_id": max(ids)}] if ids else []  # move the offset past them all

    async def _admit_all(self, raws: list[Any], bot: Bot | None) -> list[Update | None]:
        """Each of ``raws`` admitted, in order: the update to handle, or None to skip (see
        :meth:`admit`). One INSERT for them all and one flood count for each citizen's
        first update among them (``_count_firsts``)."""
        raws = [sanitised(raw) if isinstance(raw, dict) else raw for raw in raws]
        parsed = [parse_update(self.messenger, raw, bot) for raw in raws]
        rows = [
            (update.update_id, raw, chat_column(chat_key(update)))
            for raw, update in zip(raws, parsed, strict=True)
            if update is not None
        ]
        new = await inbox.admit_many(self.messenger, rows, self.owner) if rows else set()
        fresh = [update for update in parsed if update is not None and update.update_id in new]
        counted = await self._count_firsts(fresh)
        skipped = len(rows) - len(new)
        admitted: list[Update | None] = []
        for update in parsed:
            if update is not None and update.update_id in new:
                new.discard(update.update_id)  # a replay inside the same batch is skipped too
                if await self._arrived(update, counted.get(update.update_id)):
                    admitted.append(update)
                    continue
            admitted.append(None)
        if skipped:
            log.info("%s: %d updates seen before, skipped", self.messenger, skipped)
        return admitted

    async def _count_firsts(self, updates: list[Update]) -> dict[int, Verdict]:
        """Count each citizen's first message of a polled batch at once (one statement for
        the usual case, ``models.flood.count_messages``): update id → verdict. Their later
        ones in the batch, and albums, are counted one by one in :meth:`_arrived`."""
        if self.deps is None:
            return {}
        firsts: dict[int, int] = {}
        for update in updates:
            counted = flood_key(update)
            if counted is not None and counted[1] is None:
                firsts.setdefault(counted[0], update.update_id)
        if not firsts:
            return {}
        try:
            verdicts = await count_messages(self.messenger, firsts, self.deps.flood_limit)
        except Exception as exc:  # the database is away: counted one by one, or by the guard
            log.warning("%d updates not counted together (%s)", len(firsts), type(exc).__name__)
            return {}
        return {firsts[user]: verdict for user, verdict in verdicts.items()}

    async def _arrived(self, update: Update, verdict: Verdict | None = None) -> bool:
        """Count a citizen's update against the flood limit as it arrives (unless it was,
        with its batch: ``verdict``); False when it is past the limit and already warned
        about (marked done, never handled)."""
        counted = flood_key(update)
        if counted is None or self.deps is None:
            return True
        user, album = counted
        try:
            if verdict is None:
                verdict = await count_message(
                    self.messenger, user, self.deps.flood_limit, album, update.update_id
                )
        except Exception as exc:  # the database is away: the guard counts it when handled
            log.warning("update %s not counted (%s)", update.update_id, type(exc).__name__)
            return True
        if verdict is Verdict.DROP:
            self.done_marks.add(update.update_id)
            return False
        self.deps.arrivals[update.update_id] = verdict
        return True

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if is_empty(update):
            coroutine.close()  # type: ignore[attr-defined]
            return
        key = chat_key(update)
        turns = self._chats.get(key) or self._chats.setdefault(key, ChatTurns())
        entered = False
        try:
            await turns.enter(order_of(update_id_of(update)))
            entered = True
            turn = None
            if self.shared and isinstance(update, Update):
                limit = self.deps.flood_limit if self.deps is not None else 0
                turn = await self.order_checks.wait_turn(update, key, limit)
                if turn is not None and turn.defer:
                    coroutine.close()  # type: ignore[attr-defined]
                    return  # its notice goes with a later update (marked done below)
            async with self._working:
                with (
                    handling(self.messenger, update),
                    log_context(update_id=update_id_of(update)),
                ):
                    await coroutine
                    if turn is not None and turn.carries:
                        await self._notice_after(update)  # type: ignore[arg-type]
        finally:
            if entered:
                turns.leave()
            if turns.idle:
                self._chats.pop(key, None)
            if isinstance(update, Update):
                self.taken = max(self.taken - 1, 0)
                if self.deps is not None:
                    self.deps.arrivals.pop(update.update_id, None)
                self.done_marks.add(update.update_id)

    async def _notice_after(self, update: Update) -> None:
        """The citizen's slow-down notice after this update's answer, if an earlier update
        went over the limit meanwhile and left it to this one (``models.flood``).

        The update is marked done first, on its own, not with the next batch of marks: an
        update over the limit counted between this claim and a later mark would see this
        one unanswered and leave the notice to it, after it had already looked, and
        neither would send it. Marked done before the claim, every update over the limit
        either sees it done (and sends the notice itself) or was counted before the claim
        (which then finds the minute warned and sends it)."""
        counted, chat = flood_key(update), update.effective_chat
        if counted is None or chat is None or self.bot is None:
            return
        try:
            await inbox.done(self.messenger, update.update_id)
            if await claim_notice(self.messenger, counted[0], update.update_id, carrier=True):
                await send_flood_notice(self.bot, chat.id)
        except Exception as exc:  # the database or the messenger is away: no notice then
            log.warning("update %s: notice not sent (%s)", update.update_id, type(exc).__name__)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Write the last done marks."""
        await self.done_marks.flush()


async def recover(apps: dict[str, Application], owner: str, *, own_leftovers: bool) -> int:  # type: ignore[type-arg]
    """Queue the unfinished updates nobody alive is handling; returns how many."""
    rows = await inbox.reclaim(list(apps), owner, own_leftovers=own_leftovers)
    for row in rows:
        app = apps[row.messenger]
        try:
            update = Update.de_json(json.loads(row.payload), app.bot)
        except Exception:
            update = None
        if update is None:
            await inbox.done(row.messenger, row.update_id)
            continue
        await app.update_processor.enqueue(update)  # type: ignore[attr-defined]
    if rows:
        log.info("%d unfinished updates taken over by %s", len(rows), owner)
    return len(rows)


@periodic("inbox", 10.0, every_process=True)
async def keep_inbox(apps: dict[str, Application]) -> None:  # type: ignore[type-arg]
    """Renew this worker's claims, take over a dead worker's, forget old keys."""
    owners = {app.bot_data[KEY].inbox_owner for app in apps.values()}
    for owner in owners:
        await inbox.renew(owner)
        mine = {name: app for name, app in apps.items() if app.bot_data[KEY].inbox_owner == owner}
        await recover(mine, owner, own_leftovers=False)
    await inbox.purge_finished()
