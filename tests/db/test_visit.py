"""The rows a citizen's update starts from, read together: each one theirs, each one now."""

from __future__ import annotations

from models.citizen import Citizen
from models.dialog import DialogState
from models.service import Service
from models.visit import read_visit


async def _dialog(messenger: str, user_id: int, data: dict) -> DialogState:
    return await DialogState.begin(messenger, user_id, user_id, "apply", "mobile", data)


async def test_a_first_contact_finds_nothing(seeded_db) -> None:
    visit = await read_visit("telegram", 501)
    assert (visit.state, visit.citizen, visit.service) == (None, None, None)


async def test_a_filing_citizen_gets_their_dialog_their_row_and_the_service(seeded_db) -> None:
    codes = [s.code async for s in Service.filter(active=True).limit(2)]
    mine = await Citizen.create(messenger="bale", user_id=501, chat_id=501, mobile="09120000001")
    await Citizen.create(messenger="telegram", user_id=501, chat_id=501)  # same id, other app
    await Citizen.create(messenger="bale", user_id=502, chat_id=502)
    await _dialog("bale", 501, {"service": codes[0], "answers": {}})
    await _dialog("bale", 502, {"service": codes[1], "answers": {}})
    await _dialog("telegram", 501, {"service": codes[1], "answers": {}})

    visit = await read_visit("bale", 501)

    assert visit.citizen is not None and visit.citizen.id == mine.id
    assert visit.citizen.mobile == "09120000001"
    assert visit.state is not None
    assert (visit.state.messenger, visit.state.user_id, visit.state.step) == ("bale", 501, "mobile")
    assert visit.state.data == {"service": codes[0], "answers": {}}
    assert visit.service is not None and visit.service.code == codes[0]
    assert visit.service.to_card().code == codes[0]  # the card's JSON read back whole


async def test_a_service_switched_off_meanwhile_is_not_offered(seeded_db) -> None:
    code = (await Service.filter(active=True).first()).code  # type: ignore[union-attr]
    await Citizen.create(messenger="bale", user_id=503, chat_id=503)
    await _dialog("bale", 503, {"service": code})
    await Service.filter(code=code).update(active=False)  # a back-office tool

    visit = await read_visit("bale", 503)

    assert visit.state is not None and visit.citizen is not None
    assert visit.service is None


async def test_a_dialog_naming_no_service_reads_none(seeded_db) -> None:
    await _dialog("bale", 504, {"question": "سلام"})
    visit = await read_visit("bale", 504)
    assert visit.state is not None and visit.state.data == {"question": "سلام"}
    assert visit.citizen is None and visit.service is None
