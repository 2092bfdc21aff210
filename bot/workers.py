"""Background work beside the Applications: delivering status events to citizens.

``status_event`` is an outbox shared with back-office tools: any program may insert a row,
and the dispatcher here delivers undelivered rows to the citizen on the messenger they
filed from. On PostgreSQL several bot processes may run the dispatcher at once: rows are
claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` so each is sent once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram.ext import Application

__all__ = ["STOP_GRACE", "Workers", "periodic", "stopping"]

log = logging.getLogger(__name__)

Job = Callable[[dict[str, Application]], Awaitable[None]]  # type: ignore[type-arg]
JOBS: list[tuple[str, float, Job]] = []
"""(name, interval seconds, job) registered by the features that need periodic work."""


STOP_GRACE = 10.0
"""Seconds a clean stop waits for the jobs' rounds in flight (sends and their marks)."""

_stopping: contextvars.ContextVar[asyncio.Event | None] = contextvars.ContextVar(
    "workers_stopping", default=None
)


def stopping() -> bool:
    """True inside a job whose workers are stopping: finish what is in hand, start nothing."""
    event = _stopping.get()
    return event is not None and event.is_set()


def periodic(name: str, interval: float) -> Callable[[Job], Job]:
    def register(job: Job) -> Job:
        JOBS.append((name, interval, job))
        return job

    return register


class Workers:
    """Runs every registered job in a loop; a failing round is logged and retried next time."""

    def __init__(self, apps: Sequence[Application]) -> None:  # type: ignore[type-arg]
        from handlers.deps import KEY

        self.apps = {app.bot_data[KEY].messenger: app for app in apps}
        self._tasks: list[asyncio.Task[None]] = []
        self._wakeups: list[asyncio.Event] = []
        self._stop = asyncio.Event()

    def wake(self) -> None:
        """Run every job now rather than at its next interval (e.g. a status just moved)."""
        for event in self._wakeups:
            event.set()

    def start(self) -> None:
        for name, interval, job in JOBS:
            wakeup = asyncio.Event()  # one per job: a job clearing it must not eat another's
            self._wakeups.append(wakeup)
            self._tasks.append(
                asyncio.create_task(self._loop(name, interval, job, wakeup), name=name)
            )

    async def _loop(self, name: str, interval: float, job: Job, wakeup: asyncio.Event) -> None:
        _stopping.set(self._stop)
        while not self._stop.is_set():
            try:
                await job(self.apps)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("worker %s failed; retrying", name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), timeout=interval)
            wakeup.clear()

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Let each job finish its round (sends in flight get marked), then cancel.

        A send cut off between the messenger's answer and the outbox's mark would be sent
        again after a restart; waiting for the round makes a clean restart duplicate nothing.
        """
        self._stop.set()
        self.wake()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=grace)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
