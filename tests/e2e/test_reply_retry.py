"""A citizen's reply refused by the messenger's flood control is sent again, not lost.

Telegram answers 429 with ``retry_after``; Bale answers 400 "bot limit exceed" naming no
pause (the stand-in's Bale profile does the same). Either way the citizen gets the answer
they asked for, once, and not the apology for a failed update."""

from __future__ import annotations

from handlers import texts


async def test_a_refused_reply_goes_again(harness) -> None:
    person = harness.person(1001, "مریم")
    harness.standin.fail_next("sendMessage", status=429, retry_after=1)
    await person.send_command("/help")
    [answer] = await person.wait_for_reply(timeout=10)
    assert answer.text.startswith(texts.HELP.split("\n", 1)[0])
    refused = [c for c in harness.standin.calls_to("sendMessage") if c.status != 200]
    assert len(refused) == 1  # the first try was refused, the second went through
    assert texts.INTERNAL_ERROR not in [m.text for m in harness.standin.messages(1001)]
    assert len(harness.standin.messages(1001)) == 1
