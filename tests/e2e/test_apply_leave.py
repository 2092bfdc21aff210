"""A new need typed while the dialog waits for a document: leave, or carry on."""

from __future__ import annotations

from handlers import texts as general
from handlers.texts import apply as texts
from models.catalog import load_catalog
from models.dialog import DialogState
from tests.e2e.test_apply import BILL_ID, NATIONAL_CODE, begin, press, reply, say


async def at_document_step(harness, person) -> str:
    """Walk «جمع‌آوری انشعاب» up to its first document; the document's title."""
    await begin(harness, person, "connection-removal")
    await press(person, texts.BTN_SEND_CONTACT)
    await say(person, NATIONAL_CODE)
    await say(person, BILL_ID)
    await say(person, "ساختمان تخریب می‌شود")
    current = await DialogState.all().first()
    assert current is not None and current.step.startswith("doc.")
    return load_catalog().service("connection-removal").documents[0].title


async def test_new_need_at_a_document_step_offers_to_leave(harness) -> None:
    person = harness.person()
    await at_document_step(harness, person)
    await person.send_text("ولش کن، برق کل کوچه رفته")
    [question] = await person.wait_for_reply()
    outage = load_catalog().service("outage-report").title
    assert question.text == texts.NEW_NEED.format(
        title=load_catalog().service("connection-removal").title, new=outage
    )
    labels = [label for row in question.inline_buttons for label, _ in row]
    assert labels == [texts.BTN_STAY, texts.BTN_LEAVE.format(new=outage)]
    await person.press(labels[1])
    messages = await person.wait_for_reply(count=2)
    assert messages[0].text == texts.LEFT_DIALOG
    assert messages[1].text.startswith(f"📄 شناسنامه خدمت: {outage}")
    assert await DialogState.all().count() == 0
    await person.press(labels[0])  # the dialog is gone: the old question's button is refused
    standin = harness.standin
    await standin.wait_until(lambda: standin.callback_answers[-1].text == general.EXPIRED_BUTTON)


async def test_continuing_asks_for_the_document_again(harness) -> None:
    person = harness.person()
    title = await at_document_step(harness, person)
    await person.send_text("راستی قبضم هم خیلی زیاد اومده")
    [question] = await person.wait_for_reply()
    assert question.text.startswith(texts.NEW_NEED.split("«")[0])
    await person.press(texts.BTN_STAY)
    asked = await reply(person)
    assert title in asked
    current = await DialogState.all().first()
    assert current is not None and current.step.startswith("doc.")


async def test_plain_words_at_a_document_step_still_ask_for_the_file(harness) -> None:
    person = harness.person()
    title = await at_document_step(harness, person)
    await person.send_text("فردا می‌فرستم")
    assert texts.WANT_FILE.format(title=title) in await reply(person)
