"""One conversation, two bot processes: the citizen's message is taken by one webhook
worker, the operator's reply by the other, and the reply still reaches the citizen — the
thread lives in the database, never in a process's memory."""

from __future__ import annotations

from pathlib import Path

from bot.standin import BotApiStandIn
from handlers import texts
from tests.conftest import run_isolated
from tests.e2e.conftest import OPERATOR_CHAT, OPERATOR_ID
from tests.e2e.test_operator import eventually
from tests.e2e.workers import TOKEN, in_database, running_workers, seed

REPLY = "فردا صبح همکاران برای بازدید می‌آیند"


async def _recorded(database_url: str, copy_id: int) -> None:
    """Wait until the worker that copied the message has written down where the copy is.

    The stand-in shows the copy when the bot asks for it; the bot records the copy's id
    once the answer is back, a moment later. A person cannot reply within that moment; a
    test can, and its reply would then name a message the bot does not know yet."""
    from models.relay import RelayMessage

    async def known() -> bool:
        return await RelayMessage.filter(target_message_id=copy_id).exists()

    await eventually(lambda: in_database(database_url, known), timeout=15)


async def test_two_workers_carry_one_conversation(database_url: str, tmp_path: Path) -> None:
    await run_isolated(seed(database_url))
    async with (
        BotApiStandIn(token=TOKEN, profile="bale") as standin,
        running_workers(
            standin,
            database_url,
            tmp_path,
            bale_operator_chat_id=str(OPERATOR_CHAT),
            bale_operator_ids=str(OPERATOR_ID),
            flood_limit="1000",
        ) as workers,
    ):
        standin.deliver_to([worker.webhook_url() for worker in workers])
        citizen = standin.person(1001, "مریم")
        await citizen.send_text(texts.BTN_STAFF)
        [prompt] = await citizen.wait_for_reply(timeout=15)
        assert prompt.text == texts.STAFF_PROMPT
        await citizen.send_text("کنتور ما صدای عجیبی می‌دهد")
        await standin.wait_until(lambda: len(standin.messages(OPERATOR_CHAT)) >= 2, timeout=15)
        header, copied = standin.messages(OPERATOR_CHAT)[:2]
        assert copied.text == "کنتور ما صدای عجیبی می‌دهد"
        assert copied.reply_to_message_id == header.message_id
        await _recorded(database_url, copied.message_id)

        staff = standin.person(user_id=OPERATOR_ID, first_name="رضا", chat_id=OPERATOR_CHAT)
        await staff.send_text(REPLY, reply_to=copied.message_id)
        await standin.wait_until(
            lambda: any(REPLY in (m.text or "") for m in citizen.inbox), timeout=15
        )
        assert len(standin.pusher.deliveries) == 2  # both workers took part of it
        assert sum(REPLY in (m.text or "") for m in citizen.inbox) == 1
