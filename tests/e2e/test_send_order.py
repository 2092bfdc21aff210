"""With the sending budget spent, a citizen's answer goes before the notices waiting for it.

Every send of a process waits for the shared budget in one queue. It used to be first
come, first served: a citizen who wrote while the dispatcher had a round of notices
waiting got their answer only after all of them. Replies go before notices (DEVELOPERS),
so the answer passes every notice that has not taken its token yet.
"""

from __future__ import annotations

import time

from handlers import texts
from handlers.delivery import MESSAGE, message_payload
from models import outbox
from models.ratebudget import RateBudgetRow

RATE = 2.0  # a token every half second: the notices queue while the citizen writes
NOTICES = 6
STAFF = [-1002001 - i for i in range(NOTICES)]  # one chat each: one dispatcher round


async def test_an_answer_passes_the_notices_queued_before_it(harness) -> None:
    harness.settings = harness.settings.model_copy(update={f"{harness.messenger}_rate": RATE})
    await harness.restart()
    person = harness.person(1001, "مریم")
    await person.send_command("/help")  # the budget row exists once something was sent
    await person.wait_for_reply(timeout=10)
    assert await RateBudgetRow.all().update(tokens=0.0, updated=time.time()) == 1  # spent
    for chat in STAFF:
        await outbox.enqueue(harness.messenger, chat, MESSAGE, payload=message_payload("اطلاعیه"))
    harness.workers.wake()
    await harness.standin.wait_until(lambda: bool(harness.standin.calls_to("sendMessage")[1:]))
    await person.send_command("/help")
    await person.wait_for_reply(timeout=10)
    sends = harness.standin.calls_to
    await harness.standin.wait_until(lambda: len(sends("sendMessage")) == 2 + NOTICES, 20)
    chats = [str(c.params["chat_id"]) for c in harness.standin.calls_to("sendMessage")][1:]
    answer = chats.index(str(person.chat_id))
    assert answer < NOTICES, chats  # not behind every notice
    assert texts.HELP.split("\n", 1)[0] in harness.standin.messages(person.chat_id)[-1].text
