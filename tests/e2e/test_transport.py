"""The aiohttp transport behaves as PTB's httpx one: the same journeys, uploads included,
and the same exceptions for a slow or absent server."""

from __future__ import annotations

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.standin import BotApiStandIn
from bot.transport import AiohttpRequest
from handlers.texts import apply as apply_texts
from models.request import ServiceRequest
from tests.e2e.announced import announced_parts
from tests.e2e.test_apply import press
from tests.e2e.test_delivery import reach_confirm, until_outbox_empty


async def test_a_filing_with_a_photo_on_httpx(harness) -> None:
    """aiohttp is the default (the whole suite runs on it); httpx stays a working choice."""
    harness.settings = harness.settings.model_copy(update={"http_client": "httpx"})
    await harness.restart()
    person = harness.person(1001)
    await reach_confirm(harness, person)  # the photo is downloaded through httpx
    await press(person, apply_texts.BTN_CONFIRM)
    request = await ServiceRequest.get()
    await until_outbox_empty(harness)
    assert announced_parts(harness.operator_messages(), request.tracking_code) == {
        "details": 1,
        "photo": 1,
        "status": 1,
    }


@pytest.mark.parametrize("messenger", ["bale"])
async def test_aiohttp_failures_are_ptb_exceptions(messenger: str) -> None:
    async with BotApiStandIn(token="1:T", profile=messenger) as standin:
        request = AiohttpRequest(read_timeout=0.5, write_timeout=0.5)
        await request.initialize()
        try:
            standin.slow("getMe", 2.0)
            with pytest.raises(TimedOut):
                await request.post(standin.base_url + "1:T/getMe", RequestData())
            standin.slow("getMe", 0)
            me = await request.post(standin.base_url + "1:T/getMe", RequestData())
            assert me["is_bot"] is True
            with pytest.raises(NetworkError):
                await request.post("http://127.0.0.1:1/bot1:T/getMe", RequestData())
        finally:
            await request.shutdown()
