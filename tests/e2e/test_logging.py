"""A whole filing at DEBUG, with the project's logging installed: the output holds no bot
token and none of the citizen's identifiers or names, whoever logged them (our code,
python-telegram-bot's update and API-call dumps, Tortoise's SQL)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logs import redact, setup_logging
from handlers.deps import KEY
from handlers.texts import operator as otexts
from models.digits import to_persian_digits
from models.identifiers import looks_personal, new_tracking_code
from tests.e2e.conftest import OPERATOR_CHAT, OPERATOR_ID, TOKEN
from tests.e2e.test_apply import BILL_ID, NATIONAL_CODE, file_capacity_change

MOBILE = "09131234567"
NAMES = ("مریم", "کرمانی‌نژاد", "maryam_kn", "رضا", "operator_reza")


def assert_no_secrets(output: str) -> None:
    """None of the token, the citizen's identifiers (Latin or Persian digits) or the names
    of the journeys here is in ``output``; the failure shows the lines that hold one."""
    secrets = [
        TOKEN,
        TOKEN.split(":", 1)[1],
        NATIONAL_CODE,
        to_persian_digits(NATIONAL_CODE),
        MOBILE,
        MOBILE[1:],  # as +98…/98… too
        BILL_ID,
        to_persian_digits(BILL_ID),
        *NAMES,
    ]
    leaked = {secret: output.count(secret) for secret in secrets if secret in output}
    lines = [line[:300] for line in output.splitlines() if any(s in line for s in leaked)]
    assert leaked == {}, "\n".join(lines[:5])


@pytest.fixture
def debug_output() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG through the project's root handler, while the test runs."""
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = setup_logging("DEBUG", stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def named_citizen(harness):
    """A citizen with a full profile (first and last name, username, phone), flood limit
    off: what the logging tests then look for in the output."""
    harness.app.bot_data[KEY].flood_limit = 1000
    return harness.standin.person(
        user_id=1001,
        first_name=NAMES[0],
        last_name=NAMES[1],
        username=NAMES[2],
        phone_number=MOBILE,
    )


async def test_debug_journey_logs_no_token_and_no_personal_data(harness, debug_output) -> None:
    person = named_citizen(harness)
    await person.send_command("start")
    await person.wait_for_reply()
    request = await file_capacity_change(harness, person)
    staff = harness.standin.person(
        user_id=OPERATOR_ID, first_name=NAMES[3], username=NAMES[4], chat_id=OPERATOR_CHAT
    )
    await harness.standin.wait_until(lambda: len(harness.operator_messages()) >= 3)
    await staff.press(otexts.BTN_IN_REVIEW)
    [notice] = await person.wait_for_reply()
    assert to_persian_digits(request.tracking_code) in (notice.text or "")

    output = debug_output.getvalue()
    assert "Bot API endpoint" in output and "SELECT" in output  # PTB and Tortoise at DEBUG
    assert_no_secrets(output)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1/getMe", "GET /bot‹hidden›/getMe"),
        ("/file/botSECRET/photos/1.jpg", "/file/bot‹hidden›/photos/1.jpg"),
        ("token 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PAL", "token ‹hidden›"),
        ("{'first_name': 'مریم', 'id': 7}", "{'first_name': '‹hidden›', 'id': 7}"),
        (
            "User(first_name=\"O'Brien\", username='mk')",
            "User(first_name=\"‹hidden›\", username='‹hidden›')",
        ),
        ('{"text": "کد \\"من\\"", "x": 1}', '{"text": "‹hidden›", "x": 1}'),
        ("code ۰۰۷۶۲۲۹۶۴۵ and ０９１２３４５６７８９", "code ‹hidden› and ‹hidden›"),  # any script
        ("mobile +98 913 123 4567 or 0913-123-4567", "mobile ‹hidden› or ‹hidden›"),
        ("request 12 moved by bale:9002 at 12:30", "request 12 moved by bale:9002 at 12:30"),
        ("postgres://u:pw@db:5432/x", "postgres://u:‹hidden›@db:5432/x"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


TRACKING_CODE = "950486918"
"""Drawn by ``new_tracking_code()`` once; fixed so that every run collects the same tests."""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a national code with a valid check digit, in its 10-, 9- and 8-digit forms
        ("nc 0076229645", "nc ‹hidden›"),
        ("nc 076229645", "nc ‹hidden›"),
        ("nc 76229645", "nc ‹hidden›"),
        # mobiles in every prefix people use
        ("m 09131234567, +989131234567, 00989131234567", "m ‹hidden›, ‹hidden›, ‹hidden›"),
        ("m 9131234567", "m ‹hidden›"),
        # bill IDs: long, and short ones by their check digit
        ("bill 12345670520", "bill ‹hidden›"),
        ("bill 1234567825", "bill ‹hidden›"),
        ("bill 1234560", "bill ‹hidden›"),  # 7 digits, valid check digit
        # a bank card number split in fours
        ("card 6037-9975-1234-5678", "card ‹hidden›"),
        # tracking codes are drawn never to look personal: they stay
        (f"request {TRACKING_CODE} filed", f"request {TRACKING_CODE} filed"),
        # update ids stay, by their label, whatever their digits
        ("update 9131234567 failed", "update 9131234567 failed"),
        ("{'update_id': 1234567825, 'x': 1}", "{'update_id': 1234567825, 'x': 1}"),
        ('"update_id": 76229645', '"update_id": 76229645'),
        # ordinary numbers: rows, sizes, a 7-digit number without a bill check digit
        ("outbox row 123456 sent, 1234567 bytes", "outbox row 123456 sent, 1234567 bytes"),
        # dates are not joined into one long number
        ("due 2026-11-30 06:13:47", "due 2026-11-30 06:13:47"),
        # a labelled personal number right after "update" in other words is still hidden
        ("update of 0076229645", "update of ‹hidden›"),
    ],
)
def test_redact_hides_personal_numbers_only(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_fresh_tracking_codes_never_look_personal() -> None:
    assert not any(looks_personal(new_tracking_code()) for _ in range(2000))
