"""What the admin sees while a broadcast runs: its progress message, its pause/resume and
cancel buttons, and the final report.

``bot.broadcasts`` decides when the progress message is due an edit and owes it as an
outbox row (:data:`PROGRESS_EDIT`); the sender here renders the figures as they are when
it goes, so a row that waited behind replies still shows the latest."""

from __future__ import annotations

from datetime import datetime

import telegram
from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest

from handlers import keyboards
from handlers.broadcast.access import BC
from handlers.delivery import MESSAGE, message_payload, sender, subject_of
from handlers.deps import Deps
from handlers.outgoing import edit_text
from handlers.render import fa
from handlers.texts import broadcast as texts
from models import broadcast as model
from models import clock, outbox
from models.broadcast import Broadcast, BroadcastState, Progress
from models.outbox import OutboxMessage, Priority
from models.workdays import format_jalali_datetime

__all__ = [
    "PROGRESS_EDIT",
    "controls",
    "progress_text",
    "queue_progress",
    "queue_report",
    "report_text",
]

PROGRESS_EDIT = "broadcast.progress"
"""Outbox kind: edit the admin's progress message with the figures of the moment."""

BAR_WIDTH = 10


def _bar(done: Progress) -> tuple[str, int]:
    share = done.finished / done.total if done.total else 0.0
    filled = round(share * BAR_WIDTH)
    return "▓" * filled + "░" * (BAR_WIDTH - filled), round(share * 100)


def progress_text(b: Broadcast, done: Progress, now: datetime) -> str:
    bar, percent = _bar(done)
    lines = [
        texts.PROGRESS.format(
            id=fa(b.id),
            state=texts.STATE_NAMES[b.state],
            bar=bar,
            percent=fa(percent),
            sent=fa(done.sent),
            failed=fa(done.failed),
            blocked=fa(done.blocked),
            left=fa(done.left),
        )
    ]
    if b.queued_at is None and b.state == BroadcastState.RUNNING:
        lines.append(texts.PROGRESS_QUEUEING)
    eta = model.estimated_finish(b, done, now) if b.state == BroadcastState.RUNNING else None
    if eta is not None and done.left:
        lines.append(texts.PROGRESS_ETA.format(eta=format_jalali_datetime(eta)))
    return "\n".join(lines)


def report_text(b: Broadcast, done: Progress) -> str:
    return texts.REPORT.format(
        id=fa(b.id),
        state=texts.STATE_NAMES[b.state],
        total=fa(done.total),
        sent=fa(done.sent),
        failed=fa(done.failed),
        blocked=fa(done.blocked),
        left=fa(done.left),
    )


async def queue_report(b: Broadcast) -> None:
    """Owe the admin the final report (once, whichever process gets here first)."""
    done = await model.progress(b)
    await outbox.enqueue(
        b.messenger,
        b.admin_chat_id,
        MESSAGE,
        payload=message_payload(report_text(b, done)),
        ref=b.id,
        priority=Priority.NOTICE,
        dedup_key=f"broadcast-report:{b.id}",
    )


def controls(b: Broadcast) -> InlineKeyboardMarkup | None:
    """Pause/resume and cancel, for a broadcast still under way."""
    if b.state == BroadcastState.RUNNING:
        first = BC.button(texts.BTN_PAUSE, "pause", b.id)
    elif b.state == BroadcastState.PAUSED:
        first = BC.button(texts.BTN_RESUME, "resume", b.id)
    else:
        return None
    return keyboards.inline_pair(first, BC.button(texts.BTN_STOP, "stop", b.id))


async def queue_progress(b: Broadcast) -> None:
    """Owe the admin an edit of the progress message, unless one is owed already and not
    yet on its way (it will show the figures of the moment it goes; one a dispatcher has
    claimed may have read them already); inside the transaction that took the turn."""
    if b.progress_message_id is None:
        return
    if await outbox.waiting(PROGRESS_EDIT, b.id, clock.now()).exists():
        return
    await outbox.enqueue(b.messenger, b.admin_chat_id, PROGRESS_EDIT, ref=b.id)


@sender(PROGRESS_EDIT)
async def send_progress(bot: telegram.Bot, deps: Deps, row: OutboxMessage) -> int | None:
    b = await subject_of(row, Broadcast)
    if b.progress_message_id is None:
        return None
    text = progress_text(b, await model.progress(b), clock.now())
    try:
        await edit_text(bot, b.admin_chat_id, b.progress_message_id, text, controls(b))
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise  # the dispatcher gives it up (and logs it)
    return b.progress_message_id
