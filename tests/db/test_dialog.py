"""Two workers racing on one citizen's dialog: the first save wins, the second is told."""

from __future__ import annotations

import pytest
from tortoise.context import TortoiseContext

from models.dialog import DialogState, StaleDialog


async def test_second_concurrent_advance_is_stale(db: TortoiseContext) -> None:
    await DialogState.begin("bale", 5, 5, flow="apply", step="ask_bill", data={})
    first = await DialogState.current("bale", 5)
    second = await DialogState.current("bale", 5)
    assert first is not None and second is not None

    await first.advance("ask_mobile", {"bill_id": "1234567890123"})
    with pytest.raises(StaleDialog):
        await second.advance("ask_national_code", {"bill_id": "9999999999999"})

    stored = await DialogState.current("bale", 5)
    assert stored is not None
    assert (stored.step, stored.data, stored.version) == (
        "ask_mobile",
        {"bill_id": "1234567890123"},
        1,
    )


async def test_loser_rereads_and_then_advances(db: TortoiseContext) -> None:
    await DialogState.begin("telegram", 8, 8, flow="apply", step="a", data={})
    first = await DialogState.current("telegram", 8)
    second = await DialogState.current("telegram", 8)
    assert first is not None and second is not None
    await first.advance("b")
    with pytest.raises(StaleDialog):
        await second.advance("c")

    again = await DialogState.current("telegram", 8)
    assert again is not None
    await again.advance("c")

    stored = await DialogState.current("telegram", 8)
    assert stored is not None
    assert (stored.step, stored.version) == ("c", 2)


async def test_begin_replaces_the_open_dialog(db: TortoiseContext) -> None:
    await DialogState.begin("telegram", 9, 9, flow="apply", step="a", data={"x": 1})
    await DialogState.begin("telegram", 9, 9, flow="search", step="query", data={})

    assert await DialogState.filter(messenger="telegram", user_id=9).count() == 1
    stored = await DialogState.current("telegram", 9)
    assert stored is not None
    assert (stored.flow, stored.step, stored.data, stored.version) == ("search", "query", {}, 0)
