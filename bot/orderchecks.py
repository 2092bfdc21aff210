"""Webhook workers wait for another worker's earlier update of a chat, asking together.

Behind a load balancer one chat's updates land on several workers; each keeps its own in
order (:mod:`bot.chatturns`), but only the database sees them all (``models.inbox.turns``).
Every update a webhook worker handles is asked about before it is handled, and that answer
also says where a flooding citizen's slow-down notice goes (``models.flood``).

The updates of a busy moment are asked about in one statement, as they are admitted in
one (``bot.inbox``; :class:`~bot.groupcommit.GroupCommit`). A round trip per update was
1.35 of a webhook worker's 7.2 statements per update in the benchmark (``bench/e2e.py``);
an idle worker still asks at once.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.groupcommit import GroupCommit
from bot.updates import chat_column, flood_key
from models import inbox

__all__ = ["ORDER_POLL", "ORDER_WAIT", "OrderChecks"]

log = logging.getLogger(__name__)

ORDER_POLL = 0.03
"""Seconds between two looks at whether another worker finished a chat's earlier update."""
ORDER_WAIT = 5.0
"""Seconds at most an update waits for an earlier one of its chat on another worker.

Past it the update is handled anyway, so one update stuck on a hung worker (whose lease
has not run out yet) delays its chat by a few seconds, never for good."""
BATCH = 500
"""Asks in one statement at most (five values each, far below the databases' limits)."""


class OrderChecks:
    """One worker's order checks for one messenger (see the module doc)."""

    def __init__(self, messenger: str, owner: str) -> None:
        self.messenger = messenger
        self.owner = owner
        self._checks = GroupCommit(self._turns, most=BATCH)

    async def wait_turn(self, update: Update, key: object, limit: int) -> inbox.Turn | None:
        """Wait while another worker still handles an earlier update of the same chat;
        then say where the citizen's slow-down notice goes: None when not looked.

        Polls briefly (another process is being waited for, not a deadline); gives up after
        :data:`ORDER_WAIT` seconds, and a dead worker's update stops counting when its
        lease runs out (``models.inbox``). ``key`` is the update's ``chat_key``, which the
        caller has already computed; ``limit`` is the flood limit."""
        chat = chat_column(key)
        if chat is None:
            return None
        counted = flood_key(update)
        ask = inbox.Ask(chat, update.update_id, counted[0] if counted else None, limit)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + ORDER_WAIT
        try:
            while (turn := await self._checks.ask(ask)).earlier:
                if loop.time() >= give_up:
                    log.warning(
                        "update %s handled before an earlier one of its chat", ask.update_id
                    )
                    break  # where the notice goes is known all the same
                await asyncio.sleep(ORDER_POLL)
        except Exception as exc:  # the database is away: order is best effort, handling is not
            log.warning("update %s: order not checked (%s)", ask.update_id, type(exc).__name__)
            return None
        return turn

    async def _turns(self, asks: list[inbox.Ask]) -> list[inbox.Turn]:
        return await inbox.turns(self.messenger, self.owner, asks)
