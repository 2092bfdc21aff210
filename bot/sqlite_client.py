"""Tortoise's SQLite client with statements run on the event loop; lock waits on a thread.

aiosqlite runs every statement on a thread of its own and hands each one over through a
queue and a future. That hand-off costs about 40 µs of CPU per statement (46 µs against 6 µs
calling ``sqlite3`` directly, a primary-key ``SELECT``), and in the profile of two webhook
workers it was the largest single line: 11% of their GIL time, more than the statements
themselves. The bot's statements are short, indexed and on a local file, so this client runs
them on the event loop, with SQLite's busy timeout at zero so that the loop never waits.

The one thing that may wait is a lock held by another process (a second worker, a
back-office tool writing): SQLite then answers ``SQLITE_BUSY`` at once, having done nothing,
and the statement is run again on aiosqlite's thread with the usual busy timeout, exactly as
before. ``executescript`` (migrations) always goes to the thread: a script stopped half-way
by a lock could not be run again from the start.

Tortoise allows one statement at a time per connection (its lock), so the loop and the
thread never use the connection together; ``check_same_thread=False`` lets both use it.
The module's name contains ``sqlite`` because Tortoise's migrations pick their SQLite
schema editor by the client's module name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

import aiosqlite
from tortoise.backends.sqlite.client import SqliteClient

__all__ = ["BUSY_TIMEOUT_MS", "LoopSqliteClient", "client_class"]

BUSY_TIMEOUT_MS = 5000
"""How long a statement waits for another process's lock (on the thread): ``sqlite3``'s
default, which the bot had before statements ran on the loop."""

_ON_THREAD_ONLY = frozenset({"executescript"})


def _busy(exc: sqlite3.OperationalError) -> bool:
    """The lock was held by another connection (any of ``SQLITE_BUSY``'s extended codes)."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


def _waiting(conn: sqlite3.Connection, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn`` on aiosqlite's thread, allowed to wait for a lock, the timeout set back after."""
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    try:
        return fn(*args, **kwargs)
    finally:
        conn.execute("PRAGMA busy_timeout=0")


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs statements on the loop unless they must wait."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if getattr(fn, "__name__", "") not in _ON_THREAD_ONLY:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
        return await super()._execute(_waiting, self._connection, fn, *args, **kwargs)


class LoopSqliteClient(SqliteClient):
    """:class:`SqliteClient` on a :class:`LoopConnection`; everything else is Tortoise's."""

    async def create_connection(self, with_db: bool) -> None:
        if self._connection:
            return
        connector = partial(
            sqlite3.connect,
            self.filename,
            isolation_level=None,
            check_same_thread=False,
            timeout=0,
        )
        self._connection = await LoopConnection(connector, iter_chunk_size=64)
        self._connection._conn.row_factory = sqlite3.Row
        for pragma, value in self.pragmas.items():
            cursor = await self._connection.execute(f"PRAGMA {pragma}={value}")
            await cursor.close()
        await self._post_connect()


client_class = LoopSqliteClient
