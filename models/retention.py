"""Stored documents after their request: the retention purge, and removing files that no
row names any more.

The store is content-addressed (:mod:`models.storage`): the same photo sent for two
requests is one file. A file therefore leaves the disk only after the transaction that
dropped its rows commits, and only when no other row names it: another request's
document, a broadcast's photo, or a draft in an open dialog (uploaded, not yet filed).

Files can still outlive every row that named them: a process killed between an erase's
commit and its deletions (``/forget``, the purge), or the photos of a dialog the citizen
abandoned and that expired. :func:`sweep_orphans` finds them on disk and removes those no
row names once they are :data:`ORPHAN_GRACE` old (an upload is named by its dialog a moment
after it is stored; storing the same bytes again restarts the grace).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from models.broadcast import Broadcast
from models.dialog import DialogState
from models.request import (
    OPEN_STATUSES,
    RequestDocument,
    RequestStatus,
    ServiceRequest,
    StatusEvent,
)
from models.storage import DocumentStore, stored_paths

__all__ = [
    "IN_CHUNK",
    "ORPHAN_GRACE",
    "PURGED",
    "RETENTION_ACTOR",
    "purge_documents",
    "remove_unused",
    "sweep_orphans",
]

PURGED = "documents_purged"
"""StatusEvent.status of the note that the retention purge removed the documents."""
RETENTION_ACTOR = "retention"
FINAL_STATUSES = frozenset(RequestStatus) - OPEN_STATUSES
ORPHAN_GRACE = timedelta(days=1)
"""How old a file no row names must be before :func:`sweep_orphans` removes it."""
IN_CHUNK = 500
"""Paths per ``IN (…)`` list: the sweep asks about every stored file a day old, more than
a statement may carry (SQLite takes 32,766 values, PostgreSQL 32,767)."""


async def _paths_in_use(paths: Iterable[str]) -> set[str]:
    """Which of ``paths`` a row still names: another request's document, a broadcast's
    photo, or a draft in an open dialog (uploaded, not yet filed)."""
    wanted = set(paths)
    if not wanted:
        return set()
    # Dialogs first: a filing (or a broadcast's send) moves a path from its dialog to its
    # row in one transaction, so one committing between these reads is seen in one of them.
    used: set[str] = set()
    for data in await DialogState.all().values_list("data", flat=True):
        used |= stored_paths(json.dumps(data)) & wanted
    ordered = sorted(wanted - used)
    for start in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[start : start + IN_CHUNK]
        documents = RequestDocument.filter(path__in=chunk).values_list("path", flat=True)
        used |= set(await documents)
        photos = Broadcast.filter(photo_path__in=chunk).values_list("photo_path", flat=True)
        used |= set(await photos)
    return used


async def remove_unused(store: DocumentStore, paths: Iterable[str]) -> int:
    """Delete the files of ``paths`` that no row names any more; returns how many went."""
    unused = sorted(set(paths) - await _paths_in_use(paths))

    def remove() -> int:
        return sum(store.remove(p) for p in unused)

    return await asyncio.to_thread(remove) if unused else 0


async def purge_documents(store: DocumentStore, days: int, now: datetime) -> int:
    """Documents of requests closed more than ``days`` ago leave the database and the disk;
    each request keeps a :data:`PURGED` history entry. Returns how many requests.

    Safe with several processes: each request is purged under its row lock and the entry
    written only by the process whose delete removed rows.
    """
    cutoff = now - timedelta(days=days)
    due = await RequestDocument.filter(
        request__status__in=list(FINAL_STATUSES), request__closed_at__lt=cutoff
    ).values_list("request_id", flat=True)
    purged, paths = 0, []
    for request_id in sorted(set(due)):
        async with in_transaction():
            await ServiceRequest.select_for_update().get(id=request_id)
            found = await RequestDocument.filter(request_id=request_id).values_list(
                "path", flat=True
            )
            if not await RequestDocument.filter(request_id=request_id).delete():
                continue
            await StatusEvent.create(
                request_id=request_id,
                status=PURGED,
                actor=RETENTION_ACTOR,
                note="",
                delivered_at=now,  # a note in the history, not a notice to the citizen
            )
        paths += found
        purged += 1
    await remove_unused(store, paths)
    return purged


async def sweep_orphans(store: DocumentStore, now: datetime) -> int:
    """Delete the stored files that no row names and that nobody stored for
    :data:`ORPHAN_GRACE` before ``now``; returns how many went."""
    candidates = await asyncio.to_thread(store.stored_before, (now - ORPHAN_GRACE).timestamp())
    return await remove_unused(store, candidates)
