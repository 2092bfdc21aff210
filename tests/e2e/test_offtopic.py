"""Messages that are not ours get the answer their kind has in the catalog (kinds.toml)."""

from __future__ import annotations

import pytest

from handlers import texts
from handlers.offtopic import kind_of, kind_text

# (message, kind) — one row per kind the catalog answers
KIND_MESSAGES = [
    ("سلام وقتتون بخیر", "greeting"),  # greeting: greeting + menu
    ("خیلی ممنون از راهنمایی", "thanks"),  # thanks: thanks + menu
    ("آب خونه از صبح قطعه", "water"),  # another utility: who handles it
    ("بوی گاز تو آشپزخونه میاد", "gas"),
    ("سیم کارت همراه اولم مسدود شده", "telecom"),
    ("خفه شو ربات احمق", "abuse"),  # one calm line, no staff button
    ("بهترین مارک جاروبرقی کدومه", "offtopic"),  # shopping: not ours, menu
]


@pytest.mark.parametrize(("message", "code"), KIND_MESSAGES)
async def test_each_kind_gets_its_catalog_answer(harness, message: str, code: str) -> None:
    kind = kind_of(code)
    assert kind is not None
    person = harness.person()
    await person.send_text(message)
    [answer] = await person.wait_for_reply()
    assert answer.text == kind_text(kind)
    labels = [label for row in answer.inline_buttons for label, _ in row]
    assert (texts.BTN_STAFF in labels) == kind.offer_staff  # never for abuse or spam
    if kind.menu:
        assert person.reply_keyboard is not None
        assert person.reply_keyboard.message_id == answer.message_id


async def test_other_utilities_name_their_public_numbers(harness) -> None:
    person = harness.person()
    await person.send_text("قبض گاز خونمون خیلی زیاد اومده")
    [answer] = await person.wait_for_reply()
    assert "۱۹۴" in answer.text  # gas emergencies, from kinds.toml


async def test_abuse_is_never_escalated(harness) -> None:
    person = harness.person()
    await person.send_text("خاک بر سرتون بی عرضه ها")
    [answer] = await person.wait_for_reply()
    assert answer.text == kind_text(kind_of("abuse"))  # type: ignore[arg-type]
    assert answer.text.count("\n") == 0  # one line
    assert harness.operator_messages() == []


async def test_spam_is_answered_once_then_ignored(harness) -> None:
    spam = kind_of("spam")
    assert spam is not None
    person = harness.person()
    await person.send_text("فروش ویژه ویلا در کیش با اقساط تماس ۰۹۱۳۰۰۰۱۱۲۲")
    [answer] = await person.wait_for_reply()
    assert answer.text == kind_text(spam)
    await person.send_text("تخفیف ویژه فقط امروز عضو کانال ما شوید")
    await person.send_text("سلام")  # a real message after the ad is still answered
    [greeting] = await person.wait_for_reply()
    assert greeting.text == kind_text(kind_of("greeting"))  # type: ignore[arg-type]
    assert [m.text for m in person.inbox].count(kind_text(spam)) == 1
