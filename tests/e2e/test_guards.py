"""What every update passes before a feature sees it: edits, chats that are not private,
other people's conversations, and callback data no client of ours could have made."""

from __future__ import annotations

from typing import Any

from bot.standin import BotApiStandIn
from handlers import texts as general
from handlers.deps import KEY
from handlers.texts import apply as texts
from models.citizen import Citizen
from models.dialog import DialogState
from models.flood import FloodWindow
from tests.e2e.conftest import OPERATOR_CHAT, OPERATOR_ID
from tests.e2e.settled import all_handled
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


def _from_no_citizen(standin: BotApiStandIn) -> dict[str, dict[str, Any]]:
    """One update of each kind no citizen sends the bot, each naming its own person's
    private chat: a channel's post and its edit (forged: Telegram names the channel), a
    business account's chats (the bot is no business assistant) and a guest message (the
    bot is no guest bot). Their texts would open a dialog or get an answer from a citizen."""
    connection = "biz-1"

    def message(user_id: int, text: str, **extra: Any) -> dict[str, Any]:
        person = standin.person(user_id, "مشتری")  # a chat the stand-in records sends to
        return {
            "message_id": 7,
            "date": standin.state.now(),
            "chat": {"id": user_id, "type": "private", "first_name": "مشتری"},
            "from": person.user,
            "text": text,
            **extra,
        }

    return {
        "channel_post": message(7101, general.BTN_TRACK),
        "edited_channel_post": message(7102, "کنتور خراب است", edit_date=1),
        "business_connection": {
            "id": connection,
            "user": standin.person(7103, "صاحب کسب‌وکار").user,
            "user_chat_id": 7103,
            "date": standin.state.now(),
            "can_reply": True,
            "is_enabled": True,
        },
        "business_message": message(7104, general.BTN_TRACK, business_connection_id=connection),
        "edited_business_message": message(
            7105, "کنتور خراب است", business_connection_id=connection, edit_date=1
        ),
        "deleted_business_messages": {
            "business_connection_id": connection,
            "chat": message(7106, "")["chat"],
            "message_ids": [7],
        },
        "guest_message": message(7107, general.BTN_TRACK, guest_query_id="g-1"),
    }


async def test_updates_no_citizen_sent_get_no_answer(harness) -> None:
    """Channel posts, business-account and guest updates are not a citizen writing to the
    bot, whatever chat they name; a reply to a business chat through the ordinary send
    would reach a stranger from the bot. Each kind gets no answer, opens no dialog, makes
    no citizen and counts against no one's flood limit."""
    updates = _from_no_citizen(harness.standin)
    for kind, body in updates.items():
        harness.standin.inject_update({kind: body})
    person = harness.person()  # the bot is still answering, and has taken all of the above
    await person.send_command("help")
    await person.wait_for_reply()
    await all_handled(harness.app, harness.standin, timeout=10)

    touched: dict[str, dict[str, Any]] = {}  # each kind answered or leaving a trace: what
    for user_id, kind in enumerate(updates, start=7101):
        left = {
            "calls": [
                c.method
                for c in harness.standin.calls
                if c.params.get("chat_id") in (user_id, str(user_id))
            ],
            "citizens": await Citizen.filter(user_id=user_id).count(),
            "dialogs": await DialogState.filter(user_id=user_id).count(),
            "flood windows": await FloodWindow.filter(user_id=user_id).count(),
        }
        if any(left.values()):
            touched[kind] = left
    assert touched == {}, touched
