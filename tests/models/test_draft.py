"""The draft's typed records and the one way to change it under concurrent workers."""

from __future__ import annotations

import pytest
from tortoise.context import TortoiseContext

from models.dialog import DialogMoved, DialogState
from models.draft import Album, Draft, Edit, ReceivedFile, change_draft

FILE = {"sha256": "ab" * 32, "path": "ab/ab/x.png", "mime": "image/png", "size": 3}


def test_received_file_reads_drafts_saved_before_it_was_typed() -> None:
    old = Draft.from_data({"service": "s", "documents": {"deed": [FILE | {"file_id": "F1"}]}})
    [received] = old.documents["deed"]
    assert received == ReceivedFile("ab" * 32, "ab/ab/x.png", "image/png", 3, "F1")
    assert Draft.from_data(old.to_data()) == old  # and round-trips in the new shape


def test_album_counts_and_refusals_are_remembered_once() -> None:
    draft = Draft(service="s")
    assert draft.count_in_album("g1") and not draft.count_in_album("g1")
    assert draft.album == Album("g1", count=2)
    assert draft.refuse_album("g2") and not draft.refuse_album("g2")
    for n in range(20):  # only the last few albums can still be arriving
        draft.refuse_album(f"x{n}")
    assert "g2" not in draft.refused_albums and len(draft.refused_albums) == 10
    assert Draft.from_data(draft.to_data()) == draft


async def _two_readers() -> tuple[DialogState, DialogState]:
    await DialogState.begin("bale", 7, 7, "apply", "doc.deed", Draft(service="s").to_data())
    first = await DialogState.current("bale", 7)
    second = await DialogState.current("bale", 7)
    assert first is not None and second is not None
    return first, second


async def test_a_change_that_lost_a_race_is_applied_to_what_won(db: TortoiseContext) -> None:
    first, second = await _two_readers()

    def keep(edit: Edit) -> bool:
        return edit.draft.count_in_album("g")  # True for the album's first item

    assert await change_draft(first, keep) is True
    assert await change_draft(second, keep) is False  # re-read: the album had begun
    stored = await DialogState.current("bale", 7)
    assert stored is not None and Draft.from_data(stored.data).album == Album("g", count=2)
    assert second.version == stored.version == 2  # the caller's state is the saved one


async def test_a_change_for_a_step_left_meanwhile_is_refused(db: TortoiseContext) -> None:
    first, second = await _two_readers()

    def move(edit: Edit) -> None:
        edit.step = "confirm"

    await change_draft(first, move)
    with pytest.raises(DialogMoved):
        await change_draft(second, lambda edit: edit.draft.refuse_album("g"))
    stored = await DialogState.current("bale", 7)
    assert stored is not None and Draft.from_data(stored.data).refused_albums == []
