"""The staff desk end to end: claim, release and reassign (and their refusals), /mine,
a rejection reason (picked or typed) reaching the citizen, /find and /queue."""

from __future__ import annotations

from handlers import texts
from handlers.render import fa
from handlers.texts import desk as dtexts
from handlers.texts import notices
from handlers.texts import operator as otexts
from models.desk import Claim, DeskAction
from models.reasons import reasons_for
from models.request import RequestStatus
from tests.e2e.conftest import ADMIN_ID, OPERATOR_ID
from tests.e2e.test_operator import announce, labels, make_request, operator, wait_for_answers

OTHER_OPERATOR = 9003


async def status_message(harness):
    await harness.standin.wait_until(lambda: len(harness.operator_messages()) >= 3)
    return harness.operator_messages()[-1]


async def last_answer(harness, count: int):
    await wait_for_answers(harness, count)
    return harness.standin.callback_answers[-1]


async def test_claim_release_reassign_and_mine(harness) -> None:
    harness.app.bot_data["skedbot"].operator_ids |= {OTHER_OPERATOR}
    request = await make_request(harness)
    await announce(harness, request)
    status = await status_message(harness)
    reza, sara = operator(harness), operator(harness, OTHER_OPERATOR, "سارا")

    await reza.press(dtexts.BTN_CLAIM)
    edited = await reza.wait_for_edit(status)
    assert dtexts.CLAIMED_BY.format(name="رضا") in edited.text
    assert dtexts.BTN_RELEASE in labels(edited) and dtexts.BTN_CLAIM not in labels(edited)

    # another operator can neither claim it (a stale button) nor release it
    await sara.press_data(f"desk:claim:{request.id}", status.message_id)
    refusal = await last_answer(harness, 2)
    assert refusal.show_alert and refusal.text == dtexts.CLAIMED_BY_OTHER.format(name="رضا")
    await sara.press(dtexts.BTN_RELEASE)
    refusal = await last_answer(harness, 3)
    assert refusal.show_alert and "رضا" in refusal.text
    # a stranger in the group cannot touch it
    await operator(harness, 5555, "ناشناس").press(dtexts.BTN_RELEASE)
    refusal = await last_answer(harness, 4)
    assert refusal.text == dtexts.NOT_OPERATOR
    claim = await Claim.get(request_id=request.id)
    assert claim.operator_id == OPERATOR_ID

    await reza.send_command("/mine")
    [mine] = await reza.wait_for_reply()
    assert fa(request.tracking_code) in mine.text
    await sara.send_command("/mine")
    [none] = await sara.wait_for_reply()
    assert none.text == dtexts.MINE_NONE

    # reassigning is the admin's: an operator is refused, the admin gives it to سارا
    await reza.send_command("/assign", f"{request.tracking_code} {OTHER_OPERATOR}")
    [refused] = await reza.wait_for_reply()
    assert refused.text == dtexts.ASSIGN_NOT_ADMIN
    admin = operator(harness, ADMIN_ID, "مدیر")
    await admin.send_command("/assign", f"{request.tracking_code} {OTHER_OPERATOR}")
    [assigned] = await admin.wait_for_reply()
    assert assigned.text == dtexts.ASSIGNED.format(
        code=fa(request.tracking_code), operator=fa(OTHER_OPERATOR)
    )
    await sara.send_command("/mine")
    [mine] = await sara.wait_for_reply()
    assert fa(request.tracking_code) in mine.text

    await sara.press_data(f"desk:release:{request.id}", status.message_id)
    answer = await last_answer(harness, 5)
    assert answer.text == dtexts.RELEASED and not await Claim.exists(request_id=request.id)

    actions = await DeskAction.filter(request_id=request.id).order_by("id")
    assert [a.action for a in actions] == ["claim", "reassign", "release"]
    assert actions[0].actor == f"operator:{harness.messenger}:{OPERATOR_ID}"
    assert actions[1].actor == f"operator:{harness.messenger}:{ADMIN_ID}"


async def test_rejection_reason_reaches_the_citizen(harness) -> None:
    citizen = harness.person(1001)
    request = await make_request(harness)
    await announce(harness, request)
    await status_message(harness)
    staff = operator(harness)

    await staff.press(otexts.BTN_REJECTED)
    [ask] = await staff.wait_for_reply()
    reason = reasons_for("meter-replacement")[0]
    assert reason.text in ask.text
    await request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED  # nothing yet: a reason is needed
    await staff.press(ask.inline_buttons[0][0][0])
    await staff.wait_for_edit(ask)
    [notice] = await citizen.wait_for_reply()
    assert texts.STATUS_LABELS["rejected"] in notice.text
    assert reason.text in notice.text and reason.next in notice.text
    await request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert (await DeskAction.get(action="reject")).detail == reason.text


async def test_typed_rejection_reason(harness) -> None:
    citizen = harness.person(1001)
    request = await make_request(harness)
    await announce(harness, request)
    await status_message(harness)
    staff = operator(harness)
    await staff.press(otexts.BTN_REJECTED)
    await staff.wait_for_reply()
    await staff.press(dtexts.BTN_REASON_OTHER)
    [prompt] = await staff.wait_for_reply()
    # another operator's reply to the prompt is not the reason
    other = operator(harness, ADMIN_ID, "سارا")
    await other.send_text("نظر من", reply_to=prompt.message_id)
    await staff.send_text("پلاک ثبتی ملک با قبض 12 یکی نیست", reply_to=prompt.message_id)
    [done] = await staff.wait_for_reply()
    assert texts.STATUS_LABELS["rejected"] in done.text
    [notice] = await citizen.wait_for_reply()
    assert "پلاک ثبتی ملک با قبض ۱۲ یکی نیست" in notice.text
    assert fa(dtexts.REJECT_NEXT_DEFAULT) in notice.text
    assert notices.STATUS_NOTE.split("{")[0] in notice.text


async def test_find_and_queue(harness) -> None:
    first = await make_request(harness, user_id=1001)
    second = await make_request(harness, user_id=1002, first_name="علی", service_code="meter-test")
    actor = f"operator:{harness.messenger}:{OPERATOR_ID}"
    await first.move_to(RequestStatus.IN_REVIEW, actor=actor)
    staff = operator(harness)

    await staff.send_command("/find", fa(first.tracking_code))
    [found] = await staff.wait_for_reply()
    assert fa(first.tracking_code) in found.text
    assert texts.STATUS_LABELS["in_review"] in found.text
    assert dtexts.FIND_HISTORY in found.text and fa(OPERATOR_ID) in found.text
    assert dtexts.BTN_CLAIM in labels(found) and otexts.BTN_DONE in labels(found)

    await staff.send_text(f"کسی این را دیده؟ {second.tracking_code}")  # typed in the group
    [typed] = await staff.wait_for_reply()
    assert fa(second.tracking_code) in typed.text

    await staff.send_command("/find", "123456789")
    [missing] = await staff.wait_for_reply()
    assert missing.text in (dtexts.FIND_USAGE, dtexts.FIND_NOT_FOUND.format(code=fa("123456789")))

    await staff.send_command("/queue")
    [queue] = await staff.wait_for_reply()
    lines = queue.text.splitlines()
    assert fa(first.tracking_code) in lines[1] and fa(second.tracking_code) in lines[2]
    assert "روز کاری" in lines[1]
    await staff.send_command("/queue", "meter-test")
    [only] = await staff.wait_for_reply()
    assert fa(second.tracking_code) in only.text and fa(first.tracking_code) not in only.text

    stranger = operator(harness, 5555, "ناشناس")
    await stranger.send_command("/queue")
    [refused] = await stranger.wait_for_reply()
    assert refused.text == dtexts.NOT_OPERATOR
