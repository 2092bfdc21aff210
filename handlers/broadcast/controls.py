"""/broadcasts and the buttons of a broadcast under way: pause, resume, cancel (from its
progress message or the list)."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import BadRequest

from handlers.broadcast.access import is_admin, refuse
from handlers.broadcast.progress import controls, progress_text, queue_report
from handlers.common import Context, query_of, send
from handlers.deps import deps
from handlers.render import fa
from handlers.texts import broadcast as texts
from models import broadcast as model
from models import clock
from models.broadcast import Broadcast, BroadcastState

__all__ = ["list_broadcasts", "on_control"]

LIST_LIMIT = 10


async def on_control(update: Update, context: Context, action: str, arg: str) -> None:
    """Pause, resume or cancel a broadcast under way (from its progress or the list)."""
    query = query_of(update)
    if not is_admin(update, context):
        await refuse(update, context)
        return
    if not arg.isdigit():
        await query.answer(texts.NOTHING_CHANGED, show_alert=True)
        return
    bid = int(arg)
    change = {"pause": model.pause, "resume": model.resume, "stop": model.cancel}[action]
    if not await change(bid):
        await query.answer(texts.NOTHING_CHANGED, show_alert=True)
        return
    done_text = {"pause": texts.PAUSED, "resume": texts.RESUMED, "stop": texts.CANCELLED}[action]
    await query.answer(done_text.format(id=fa(bid)))
    b = await Broadcast.get(id=bid)
    if b.state == BroadcastState.CANCELLED:
        await queue_report(b)
    text = progress_text(b, await model.progress(b), clock.now())
    if query.message is not None and b.progress_message_id == query.message.message_id:
        with contextlib.suppress(BadRequest):  # "not modified"
            await query.edit_message_text(text, reply_markup=controls(b))
    else:
        await send(update, context, text, controls(b))
    deps(context).wake_workers()


async def list_broadcasts(update: Update, context: Context) -> None:
    """/broadcasts: the recent ones with their progress, and buttons for those under way."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    recent = await Broadcast.exclude(state=BroadcastState.DRAFT).order_by("-id").limit(LIST_LIMIT)
    if not recent:
        await send(update, context, texts.LIST_NONE)
        return
    await send(update, context, texts.LIST_TITLE)
    for b in recent:
        done = await model.progress(b)
        preview = b.text.replace("\n", " ")[:40]
        await send(
            update,
            context,
            texts.LIST_ITEM.format(
                id=fa(b.id),
                state=texts.STATE_NAMES[b.state],
                sent=fa(done.sent),
                total=fa(done.total),
                preview=preview,
            ),
            controls(b),
        )
