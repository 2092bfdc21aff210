"""A whole citizen journey at DEBUG — a search that names the citizen, the card, a filing
with mobile, national code, bill ID and documents, tracking, a conversation with staff,
/mydata — then every log line, every ``query_log`` row and every delivered outbox payload
is scanned for the citizen's national code, mobile, bill ID and names: none may appear.
The logs still carry what operators follow an update by: its update id."""

from __future__ import annotations

import re

from handlers import texts as general
from handlers.deps import KEY
from handlers.texts import relay as rtexts
from models.digits import to_persian_digits
from models.outbox import OutboxMessage, OutboxStatus
from models.querylog import QueryLog
from models.relay import RelayMessage
from tests.e2e.conftest import OPERATOR_CHAT
from tests.e2e.test_apply import BILL_ID, NATIONAL_CODE, file_capacity_change
from tests.e2e.test_delivery import until_outbox_empty
from tests.e2e.test_logging import debug_output  # noqa: F401
from tests.e2e.test_operator import eventually, operator
from tests.e2e.test_relay import in_office_hours

MOBILE = "09131234567"
FIRST, LAST, USERNAME = "مریم", "کرمانی‌نژاد", "maryam_kn"


def spellings() -> list[str]:
    """Each identifier as it may be written: Latin and Persian digits, mobile prefixes."""
    found = [NATIONAL_CODE, BILL_ID, MOBILE, MOBILE[1:], FIRST, LAST, USERNAME]
    return found + [to_persian_digits(v) for v in (NATIONAL_CODE, BILL_ID, MOBILE)]


def leaks(where: str, lines: list[str]) -> list[str]:
    return [f"{where}: {line[:200]}" for line in lines for s in spellings() if s in line]


async def test_a_whole_journey_leaves_no_personal_data_in_logs_or_tables(
    harness,
    debug_output,  # noqa: F811
) -> None:
    in_office_hours()
    harness.app.bot_data[KEY].flood_limit = 1000
    person = harness.standin.person(
        user_id=1001, first_name=FIRST, last_name=LAST, username=USERNAME, phone_number=MOBILE
    )
    await person.send_command("start")
    await person.wait_for_reply()

    # a search in which the citizen introduces themselves and quotes their numbers
    await person.send_text(f"سلام من {FIRST} {LAST} هستم کد ملی {NATIONAL_CODE} کنتورم سوخته")
    await person.wait_for_reply()
    await person.send_text(f"شماره من {MOBILE} قبض {BILL_ID} میخوام قدرت انشعاب رو زیاد کنم")
    await person.wait_for_reply()

    # the card and the filing
    request = await file_capacity_change(harness, person)

    # tracking, by command and by a code typed in a sentence
    await person.send_command("track", request.tracking_code)
    await person.wait_for_reply()
    await person.send_text(f"درخواست {request.tracking_code} چی شد")
    await person.wait_for_reply()

    # a conversation with staff, both ways
    await person.send_text(general.BTN_STAFF)
    await person.wait_for_reply()
    said = f"من {FIRST} هستم، شماره‌ام {MOBILE}"
    await person.send_text(said)
    await person.wait_for_reply()
    await harness.standin.wait_until(
        lambda: any(m.text == said for m in harness.standin.messages(OPERATOR_CHAT))
    )
    copied = next(m for m in harness.standin.messages(OPERATOR_CHAT) if m.text == said)
    await eventually(  # the bot records the copy's id once its call returns, a moment later
        lambda: RelayMessage.filter(target_message_id=copied.message_id).exists()
    )
    await operator(harness).send_text(f"سلام {FIRST} خانم، پیگیری می‌شود", reply_to=copied)
    await person.wait_for_reply()
    await person.send_text(rtexts.BTN_END)
    await person.wait_for_reply()

    # the export of their own data (a file the bot uploads)
    await person.send_command("mydata")
    await person.wait_for_reply(count=2)
    await until_outbox_empty(harness)

    output = debug_output.getvalue()
    assert "Bot API endpoint" in output and "SELECT" in output  # PTB and Tortoise at DEBUG
    found = leaks("log", output.splitlines())
    queries = await QueryLog.all().values_list("normalized", flat=True)
    assert len(queries) >= 3  # both searches and the typed tracking code were logged
    found += leaks("query_log", list(queries))
    delivered = await OutboxMessage.filter(status=OutboxStatus.SENT).values_list(
        "payload", flat=True
    )
    assert len(delivered) >= 5  # the announcement, the relay both ways, notices
    found += leaks("outbox", [str(payload) for payload in delivered])
    assert found == [], "\n".join(found[:8])

    # what operators follow an update by is still there
    update_ids = re.findall(r"'update_id': (\d+)", output)
    assert update_ids, "no update id in the DEBUG output"
