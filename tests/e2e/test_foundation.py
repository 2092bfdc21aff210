"""The first conversations, end to end on both messenger profiles."""

from __future__ import annotations

from handlers import texts
from handlers.offtopic import kind_of, kind_text
from handlers.texts import relay as relay_texts
from models.citizen import Citizen
from models.dialog import DialogState
from models.digits import PERSIAN_DIGITS


async def test_start_menu_category_card(harness) -> None:
    """/start → «فهرست خدمات» → a category → a service: the identity card in Persian digits."""
    person = harness.person()
    await person.send_command("/start")
    [welcome] = await person.wait_for_reply()
    assert "مریم" in welcome.text
    assert [texts.BTN_SEARCH, texts.BTN_SERVICES] in welcome.reply_buttons

    await person.press(texts.BTN_SERVICES)
    [categories] = await person.wait_for_reply()
    assert any("کنتور" in label for row in categories.inline_buttons for label, _ in row)

    meter_category = next(
        label for row in categories.inline_buttons for label, _ in row if "کنتور" in label
    )
    await person.press(meter_category)
    services = await person.wait_for_edit(categories)
    await person.press("جابجایی کنتور یا انشعاب")
    [card] = await person.wait_for_reply()
    assert "شناسنامه خدمت" in card.text
    assert "۱۳۰۳۱۴۶۶۱۰۱" in card.text  # the real شناسه خدمت, Persian digits
    assert "روز کاری" in card.text
    assert not any(ch in card.text for ch in "0123456789")
    assert any(ch in card.text for ch in PERSIAN_DIGITS)
    assert any(label == texts.BTN_APPLY for row in card.inline_buttons for label, _ in row)
    assert services.inline_buttons  # the service list stays usable


async def test_bot_commands_only_where_supported(harness) -> None:
    """Telegram gets the command menu; Bale has no setMyCommands and must not be asked."""
    calls = harness.standin.calls_to("setMyCommands")
    if harness.messenger == "telegram":
        assert calls and harness.standin.commands()
    else:
        assert not [c for c in calls if c.ok]


async def test_help_and_unknown_input(harness) -> None:
    person = harness.person()
    await person.send_command("/help")
    [help_msg] = await person.wait_for_reply()
    assert "۱۲۱" in help_msg.text

    await person.send_command("/frobnicate")
    [unknown] = await person.wait_for_reply()
    assert unknown.text == texts.UNKNOWN_COMMAND

    await person.send_sticker()
    [sticker] = await person.wait_for_reply()
    assert sticker.text == texts.NOT_TEXT

    await person.send_voice()  # unreadable to the bot: offered to staff instead
    [voice] = await person.wait_for_reply()
    assert voice.text == relay_texts.OFFER_MEDIA
    assert voice.inline_button(relay_texts.BTN_SEND_TO_STAFF) is not None

    await person.send_text("برق " * 3400)  # ~13,600 characters
    [too_long] = await person.wait_for_reply()
    assert "طولانی" in too_long.text
    assert await DialogState.all().count() == 0


async def test_forged_and_old_buttons_change_nothing(harness) -> None:
    person = harness.person()
    await person.send_command("/start")
    await person.wait_for_reply()
    before = len(person.inbox)
    for data in (
        "svc:card:../../etc",
        "svc:card:no-such-service",
        "cat:open:x",
        "zz",
        "app:start:",
    ):
        await person.press_data(data)
    await harness.standin.wait_until(lambda: len(harness.standin.callback_answers) >= 5)
    assert all(a.show_alert for a in harness.standin.callback_answers)
    # still alive and answering
    await person.send_command("/help")
    await person.wait_for_reply()
    assert len(person.inbox) == before + 1


async def test_restart_mid_flow_continues_from_database(harness) -> None:
    """«جستجوی خدمت» asks for a sentence; after a restart the sentence still finds the card."""
    person = harness.person()
    await person.send_command("/start")
    await person.wait_for_reply()
    await person.press(texts.BTN_SEARCH)
    [prompt] = await person.wait_for_reply()
    assert prompt.text == texts.SEARCH_PROMPT

    await harness.restart()

    await person.send_text("سلام")  # in search mode it is the query: a greeting's answer
    [answer] = await person.wait_for_reply()
    assert answer.text == kind_text(kind_of("greeting"))  # type: ignore[arg-type]
    await person.send_text("کنتورم سوخته باید عوض بشه")
    [card] = await person.wait_for_reply()
    assert "شناسنامه خدمت: تعویض کنتور" in card.text
    assert await DialogState.all().count() == 0


async def test_citizens_are_keyed_by_messenger_and_user(harness) -> None:
    for user_id in (1001, 1002):
        person = harness.person(user_id=user_id)
        await person.send_command("/start")
        await person.wait_for_reply()
    rows = await Citizen.all().order_by("user_id").values_list("messenger", "user_id")
    assert rows == [(harness.messenger, 1001), (harness.messenger, 1002)]
