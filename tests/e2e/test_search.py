"""Free text outside a dialog goes through the intent matcher (issue: nlp in the bot)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from handlers import texts
from handlers.offtopic import kind_of, kind_text
from models.querylog import QueryLog


async def test_confident_message_shows_the_card(harness) -> None:
    person = harness.person()
    await person.send_text("ميخوام برق خونمون سه فاز بشه")  # Arabic ي, no ZWNJ
    [card] = await person.wait_for_reply()
    assert card.text.startswith("📄 شناسنامه خدمت: افزایش یا کاهش قدرت انشعاب")


async def test_vague_message_offers_choices_and_none_of_these(harness) -> None:
    person = harness.person()
    await person.send_text("کنتور")
    [choices] = await person.wait_for_reply()
    assert choices.text == texts.SEARCH_AMBIGUOUS
    labels = [label for row in choices.inline_buttons for label, _ in row]
    assert 2 <= len(labels) - 1 <= 3
    assert labels[-1] == texts.BTN_NONE_OF_THESE
    await person.press(labels[0])
    [card] = await person.wait_for_reply()
    assert "شناسنامه خدمت" in card.text


async def test_off_topic_gets_help_and_staff_button(harness) -> None:
    person = harness.person()
    await person.send_text("قیمت طلا امروز چنده")
    [answer] = await person.wait_for_reply()
    assert answer.text == kind_text(kind_of("offtopic"))  # type: ignore[arg-type]
    assert answer.inline_buttons[0][0][0] == texts.BTN_STAFF


async def test_tracking_question_wins_over_service_words(harness) -> None:
    person = harness.person()
    await person.send_text("درخواست جابجایی کنتورم به کجا رسید؟")
    [answer] = await person.wait_for_reply()
    assert answer.text == texts.TRACK_NONE  # this citizen has filed nothing yet


@pytest.mark.parametrize(
    "text",
    [
        "پیگیری درخواست با موبایل 09123456789",  # a mobile number
        "پیگیری درخواست 7748317800126",  # an electricity bill ID
    ],
)
async def test_mobile_or_bill_id_is_not_looked_up_as_a_code(harness, text: str) -> None:
    """Only the one rule of nlp.codes picks the code: other numbers are not «not found»."""
    person = harness.person()
    await person.send_text(text)
    [answer] = await person.wait_for_reply()
    assert answer.text == texts.TRACK_NONE  # no code: the citizen's requests (none yet)


async def test_real_tracking_code_is_looked_up(harness) -> None:
    person = harness.person()
    await person.send_text("پیگیری درخواست ۶۲۶۵۷۸۱۸۳")  # valid check digit, not filed
    [answer] = await person.wait_for_reply()
    assert answer.text == texts.TRACK_NOT_FOUND.format(code="۶۲۶۵۷۸۱۸۳")


async def test_queries_are_logged_without_digits(harness) -> None:
    person = harness.person()
    await person.send_text("شماره من 09123456789 است، هوا چطوره")
    await person.wait_for_reply()
    [row] = await QueryLog.all()
    assert "0912" not in row.normalized and "۰۹۱۲" not in row.normalized
    assert "#" in row.normalized


async def test_queries_are_logged_without_any_decimal_digits(harness) -> None:
    """Fullwidth, Devanagari, Thai or Bengali digits are digits too: none is stored."""
    person = harness.person()
    await person.send_text("کد ملی من ０۰７６٢२९৬৪๕ است و موبایلم ０９１２３４５６７８９")
    await person.wait_for_reply()
    [row] = await QueryLog.all()
    assert not any(ch.isdecimal() for ch in row.normalized), row.normalized
    assert "#" in row.normalized


def test_nlp_eval_last_line(tmp_path) -> None:
    """`skedbot nlp-eval FILE` ends with the machine-readable summary line."""
    sample = tmp_path / "q.tsv"
    sample.write_text(
        "text\tcode\nکنتورم سوخته\tmeter-replacement\nسلام خوبی\tnone\n", encoding="utf-8"
    )
    out = (
        subprocess.run(
            [sys.executable, "-m", "bot", "nlp-eval", str(sample)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        .stdout.strip()
        .splitlines()
    )
    last = out[-1].split()
    assert [part.split("=")[0] for part in last] == ["top1", "top3", "none_f1", "p99_ms"]
    assert last[0] == "top1=1.000"


async def test_nlp_misses_lists_frequent_unmatched_queries(database_url) -> None:
    """Staff review: `skedbot nlp-misses` counts the unmatched normalised queries."""
    import os

    from bot.db import close_db, init_db

    await init_db(database_url)
    try:
        for text, decision in [
            ("قبض اب", "none"),
            ("قبض اب", "none"),
            ("سلام", "none"),
            ("کنتور سوخته", "service"),
        ]:
            await QueryLog.create(normalized=text, decision=decision, score=0.0)
    finally:
        await close_db()
    env = {**os.environ, "SKEDBOT_DATABASE_URL": database_url}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "nlp-misses"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=env,
    ).stdout.splitlines()
    assert out == ["2\tقبض اب", "1\tسلام"]


async def test_two_needs_in_one_message_offer_both_services(harness) -> None:
    """«کنتورم خرابه و قبضم هم زیاد اومده»: the meter and the bill, each a button."""
    person = harness.person()
    await person.send_text("کنتورم خرابه و قبضم هم زیاد اومده")
    [offer] = await person.wait_for_reply()
    assert offer.text == texts.SEARCH_TWO_NEEDS
    labels = [label for row in offer.inline_buttons for label, _ in row]
    assert labels == ["اعتراض به صورتحساب", "تعویض کنتور"], labels
    await person.press(labels[1])  # the second need opens as well as the first
    [card] = await person.wait_for_reply()
    assert card.text.startswith("📄 شناسنامه خدمت: تعویض کنتور")


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("برق کل کوچه رفته", texts.URGENT_SERVICE),  # an urgent report: call 121 if dangerous
        ("میخوام قبضمو پرداخت کنم", texts.INFO_SERVICE),  # information only: nothing to file
    ],
)
async def test_card_and_its_note_come_in_one_message(harness, text: str, note: str) -> None:
    """The card of a service not filed here carries its note; no second message follows."""
    person = harness.person()
    await person.send_text(text)
    [card] = await person.wait_for_reply()
    assert card.text.startswith("📄 شناسنامه خدمت") and card.text.endswith(note)
    await person.send_command("/help")
    [answer] = await person.wait_for_reply()  # answers keep the chat's order: a note was first
    assert note not in (answer.text or "")
