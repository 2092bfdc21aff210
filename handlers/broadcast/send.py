"""A broadcast as it reaches a citizen: the outbox kind's sender (the dispatcher calls it
for each recipient row) and the admin's preview use the same :func:`send_to`."""

from __future__ import annotations

import telegram
from telegram import InputFile

from handlers.delivery import Postponed, Undeliverable, sender, subject_of
from handlers.deps import Deps
from handlers.outgoing import send_text
from handlers.texts import broadcast as texts
from models import broadcast as model
from models.broadcast import Broadcast, BroadcastState
from models.outbox import OutboxMessage

__all__ = ["citizen_text", "send_to"]


def citizen_text(text: str) -> str:
    """The broadcast as it reaches a citizen: the admin's words and how to opt out."""
    return text + texts.FOOTER.format(opt_out=texts.BTN_OPT_OUT)


async def send_to(bot: telegram.Bot, deps_: Deps, b: Broadcast, chat_id: int) -> int:
    """Send broadcast ``b`` to one chat; a photo is uploaded once per messenger, then reused."""
    text = citizen_text(b.text)
    if not b.photo_path:
        return await send_text(bot, chat_id, text)
    file_id = b.photo_ids.get(deps_.messenger)
    if file_id:
        return (await bot.send_photo(chat_id, file_id, caption=text)).message_id
    with deps_.store.open(b.photo_path) as data:
        sent = await bot.send_photo(chat_id, InputFile(data), caption=text)
    if sent.photo:
        b.photo_ids = {**b.photo_ids, deps_.messenger: sent.photo[-1].file_id}
        await Broadcast.filter(id=b.id).update(photo_ids=b.photo_ids)
    return sent.message_id


@sender(model.BROADCAST_MESSAGE)
async def send_broadcast_row(bot: telegram.Bot, deps_: Deps, row: OutboxMessage) -> int | None:
    b = await subject_of(row, Broadcast)
    if b.state == BroadcastState.CANCELLED:
        raise Undeliverable(model.CANCELLED)
    if b.state == BroadcastState.PAUSED:
        raise Postponed("paused", model.PAUSED_UNTIL.total_seconds())
    if await model.is_opted_out(row.messenger, row.chat_id):
        raise Undeliverable(model.OPTED_OUT)
    return await send_to(bot, deps_, b, row.chat_id)
