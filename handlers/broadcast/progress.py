"""What the admin sees while a broadcast runs: its progress message (edited by
``bot.broadcasts``), its pause/resume and cancel buttons, and the final report."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup

from handlers import keyboards
from handlers.broadcast.access import BC
from handlers.delivery import MESSAGE, message_payload
from handlers.render import fa
from handlers.texts import broadcast as texts
from models import broadcast as model
from models import outbox
from models.broadcast import Broadcast, BroadcastState, Progress
from models.outbox import Priority
from models.workdays import format_jalali_datetime

__all__ = ["controls", "progress_text", "queue_report", "report_text"]

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
