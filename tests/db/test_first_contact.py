"""A citizen's first message creates them once, however many messages arrive together."""

from __future__ import annotations

import asyncio

from models.citizen import Citizen


async def test_a_first_contact_is_written_and_the_next_reads_it(db) -> None:
    name = "ن" * 300  # a messenger's name may be longer than the column
    first = await Citizen.of("bale", 77, 7_700, name)
    again = await Citizen.of("bale", 77, 9_999, "دیگر")

    assert first.id == again.id
    row = await Citizen.get(id=first.id)
    assert (row.messenger, row.user_id, row.chat_id) == ("bale", 77, 7_700)
    assert row.first_name == "ن" * 128
    assert row.created_at is not None and row.mobile is None and not row.blocked_bot
    assert await Citizen.filter(user_id=77).count() == 1


async def test_first_messages_arriving_together_make_one_citizen(db) -> None:
    """Several updates of one new citizen reach two workers at once: one row, one id."""
    citizens = await asyncio.gather(*(Citizen.of("telegram", 88, 88, "مریم") for _ in range(6)))
    assert len({c.id for c in citizens}) == 1
    assert await Citizen.filter(messenger="telegram", user_id=88).count() == 1
    other = await Citizen.of("bale", 88, 88, "مریم")  # the same id on the other messenger
    assert other.id != citizens[0].id
