"""Background work beside the Applications: the periodic jobs and who runs them.

Features register their jobs with :func:`periodic`. Most jobs work on the shared database
(the outbox dispatcher, the SLA clock, broadcasts, outages, dialog expiry): every row they
touch is claimed, so any number of processes may run them, but one job worker
(``skedbot jobs``) is enough and keeps the webhook workers free for citizens' updates.
A few jobs look after the process itself (its inbox claims, its matcher, its Bot API
probe) and run in every process: ``every_process=True``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram.ext import Application

__all__ = ["OUTBOX_JOB", "STOP_GRACE", "Workers", "periodic", "stopping"]

log = logging.getLogger(__name__)

Job = Callable[[dict[str, Application]], Awaitable[None]]  # type: ignore[type-arg]
JOBS: list[tuple[str, float, Job, bool]] = []
"""(name, interval seconds, job, every process) registered by the features."""
OUTBOX_JOB = "outbox"
"""The dispatcher's job (``bot.outbox``), which :meth:`Workers.send_now` wakes."""


STOP_GRACE = 10.0
"""Seconds a clean stop waits for the jobs' rounds in flight (sends and their marks)."""

_stopping: contextvars.ContextVar[asyncio.Event | None] = contextvars.ContextVar(
    "workers_stopping", default=None
)


def stopping() -> bool:
    """True inside a job whose workers are stopping: finish what is in hand, start nothing."""
    event = _stopping.get()
    return event is not None and event.is_set()


def periodic(name: str, interval: float, *, every_process: bool = False) -> Callable[[Job], Job]:
    """Register a job; ``every_process`` for one that serves its own process only."""

    def register(job: Job) -> Job:
        JOBS.append((name, interval, job, every_process))
        return job

    return register


class Workers:
    """Runs the registered jobs in a loop; a failing round is logged and retried next time.

    ``shared`` False leaves the shared jobs to a job worker: only the every-process ones run.
    """

    def __init__(self, apps: Sequence[Application], *, shared: bool = True) -> None:  # type: ignore[type-arg]
        from handlers.deps import KEY

        self.shared = shared
        self.apps = {app.bot_data[KEY].messenger: app for app in apps}
        self._tasks: list[asyncio.Task[None]] = []
        self._wakeups: dict[str, asyncio.Event] = {}
        self._stop = asyncio.Event()

    def wake(self, *names: str) -> None:
        """Run the jobs ``names`` (all without names) now rather than at their next interval.

        Features call :meth:`send_now` instead: waking every job on each filing made the SLA
        round, which reads every open request, run once per filing under load."""
        for name, event in self._wakeups.items():
            if not names or name in names:
                event.set()

    def send_now(self) -> None:
        """The outbox sends what was just owed (a filing's announcement, a status notice)
        now, beside the reply, not at its next round (``Deps.wake_workers``)."""
        self.wake(OUTBOX_JOB)

    def start(self) -> None:
        for name, interval, job, every_process in JOBS:
            if not (self.shared or every_process):
                continue
            wakeup = asyncio.Event()  # one per job: a job clearing it must not eat another's
            self._wakeups[name] = wakeup
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
