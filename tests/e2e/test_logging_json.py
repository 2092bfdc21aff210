"""``SKEDBOT_LOG_FORMAT=json``: a whole filing at DEBUG as JSON lines a log collector reads.

Every line is one JSON object with time, level, logger and message; lines logged while an
update is handled carry its ``update_id``, lines about a request its ``tracking_code``; and
the lines pass through the same redaction as text lines, so no token, identifier or name
of the citizen is in them.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import setup_logging
from handlers.texts import operator as otexts
from tests.e2e.conftest import OPERATOR_CHAT, OPERATOR_ID, TOKEN
from tests.e2e.test_apply import file_capacity_change
from tests.e2e.test_logging import NAMES, assert_no_secrets, named_citizen


@pytest.fixture
def messenger() -> str:
    return "bale"


@pytest.fixture
def json_output() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = setup_logging("DEBUG", secrets=[TOKEN], stream=stream, log_format="json")
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_json_lines_name_updates_and_requests_and_hide_personal_data(
    harness, json_output
) -> None:
    person = named_citizen(harness)
    request = await file_capacity_change(harness, person)
    staff = harness.standin.person(
        user_id=OPERATOR_ID, first_name=NAMES[3], username=NAMES[4], chat_id=OPERATOR_CHAT
    )
    await harness.standin.wait_until(lambda: len(harness.operator_messages()) >= 3)
    await staff.press(otexts.BTN_IN_REVIEW)
    await person.wait_for_reply()

    output = json_output.getvalue()
    entries = [json.loads(line) for line in output.splitlines()]
    assert len(entries) > 50
    for entry in entries:
        assert {"time", "level", "logger", "message"} <= set(entry), entry
        assert entry["time"].endswith("+00:00")
    handled = {e["update_id"] for e in entries if "update_id" in e}
    assert len(handled) >= 10 and all(isinstance(u, int) for u in handled)
    about = [e for e in entries if e.get("tracking_code") == request.tracking_code]
    assert about, "no line names the request filed"
    assert {e["logger"].split(".")[0] for e in about} & {"tortoise", "telegram", "handlers"}

    assert_no_secrets(output)
