"""What every update passes before a feature sees it: edits, chats that are not private,
and callback data no client of ours could have made."""

from __future__ import annotations

from handlers import texts as general
from handlers.deps import KEY
from handlers.texts import apply as texts
from models.citizen import Citizen
from models.dialog import DialogState
from tests.e2e.conftest import OPERATOR_CHAT, OPERATOR_ID
from tests.e2e.test_apply import BILL_ID, NATIONAL_CODE, begin, press, reply, state


async def test_an_edited_answer_is_not_taken_as_the_next_one(harness) -> None:
    """At the bill-ID step the citizen edits the national-code message they sent before:
    they are told edits are not read, the dialog stays at the bill ID and keeps nothing."""
    harness.app.bot_data[KEY].flood_limit = 1000
    person = harness.person()
    await begin(harness, person, "capacity-change")
    await press(person, texts.BTN_SEND_CONTACT)
    sent = await person.send_text(NATIONAL_CODE)
    assert texts.ASK_BILL_ID in await reply(person)
    before = await state()
    assert before is not None and before.step == "bill_id"

    await person.edit_text(sent, BILL_ID)
    assert await reply(person) == general.EDIT_IGNORED
    await person.edit_text(sent, "۴۰ آمپر سه فاز")
    assert await reply(person) == general.EDIT_IGNORED
    after = await state()
    assert after is not None and after.step == "bill_id"
    assert after.data == before.data and after.version == before.version

    await person.send_text(BILL_ID)  # the real answer still works
    assert texts.FIELD_PROMPTS["amperage"][:20] in await reply(person)


async def test_citizen_buttons_in_the_operator_group_do_nothing(harness) -> None:
    """A group member forges citizen buttons: nothing is posted to the group, and the dialog
    they have open in their private chat (and its chat) is untouched."""
    member = harness.person(4004, "کاربر گروه")
    await member.send_command("start")
    await member.wait_for_reply()
    await member.press(general.BTN_TRACK)  # a dialog open in the private chat
    await member.wait_for_reply()
    citizen = await Citizen.get(messenger=harness.messenger, user_id=4004)
    dialog = await DialogState.get(messenger=harness.messenger, user_id=4004)

    in_group = harness.standin.person(user_id=4004, chat_id=OPERATOR_CHAT)
    staff = harness.standin.person(user_id=OPERATOR_ID, chat_id=OPERATOR_CHAT)
    forged = (
        "menu:home:",
        "svc:card:new-connection",
        "cat:list:",
        "staff:ask:",
        "app:start:new-connection",
        "dlg:cancel:",
        "srch:none:",
    )
    answers = harness.standin.callback_answers
    for presser in (in_group, staff):
        for data in forged:
            before = len(answers)
            await presser.press_data(data)
            await harness.standin.wait_until(lambda: len(answers) > before)  # noqa: B023
            assert not answers[-1].text and not answers[-1].show_alert

    assert harness.operator_messages() == []
    assert await Citizen.filter(user_id=OPERATOR_ID).count() == 0
    await citizen.refresh_from_db()
    assert citizen.chat_id == 4004
    now = await DialogState.get(messenger=harness.messenger, user_id=4004)
    assert (now.id, now.chat_id, now.flow, now.version) == (
        dialog.id,
        4004,
        dialog.flow,
        dialog.version,
    )


async def test_undecodable_callback_data_is_refused(harness) -> None:
    """A lone surrogate (a JSON ``\\ud800`` escape) is malformed data like any other."""
    person = harness.person()
    await person.send_command("start")
    await person.wait_for_reply()
    answers = harness.standin.callback_answers
    for data in ("app:start:\ud800", "svc:card:x\udfff", "cat:open:\ud83d"):
        before = len(answers)
        await person.press_data(data)
        await harness.standin.wait_until(lambda: len(answers) > before)  # noqa: B023
        assert answers[-1].show_alert and answers[-1].text == general.EXPIRED_BUTTON, data
    assert all(general.INTERNAL_ERROR not in (m.text or "") for m in person.inbox)
