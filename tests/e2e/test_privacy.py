"""The citizen's own data through the stand-in: /mydata (message and JSON file, own data
only), /forget (confirm, cancel, stale and forged buttons, the erasure with its notices),
and the retention purge of closed requests' documents, moved by the clock."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.privacy_jobs import purge_round
from handlers import texts
from handlers.deps import KEY
from handlers.render import fa
from handlers.texts import privacy as ptexts
from models import clock, outbox
from models.citizen import Citizen
from models.dialog import DialogState
from models.identifiers import mask_mobile, mask_national_code
from models.outage import AreaSubscription
from models.outbox import OutboxMessage
from models.relay import Direction, Relay, RelayMessage
from models.request import RequestDocument, RequestStatus, ServiceRequest, StatusEvent
from models.retention import PURGED
from tests.e2e.test_apply import png
from tests.e2e.test_delivery import until_outbox_empty
from tests.e2e.test_operator import MOBILE, NATIONAL_CODE, announce, make_request

OTHER_NATIONAL_CODE = "0499370899"


async def with_document(harness, request: ServiceRequest, seed: int, key: str = "id-card"):
    """A stored file attached to ``request``, as filing writes it."""
    stored = harness.app.bot_data[KEY].store.save(png(seed))
    return await RequestDocument.create(
        request=request,
        document_key=key,
        sha256=stored.sha256,
        path=stored.relative_path,
        mime=stored.mime,
        size=stored.size,
        messenger_file_id=f"file-{seed}",
    )


def on_disk(harness, document: RequestDocument) -> bool:
    return (Path(harness.settings.storage_dir) / document.path).is_file()


async def test_mydata_shows_own_data_masked_and_sends_the_json(harness) -> None:
    mine = await make_request(harness, user_id=1001)
    await with_document(harness, mine, seed=1)
    theirs = await make_request(harness, user_id=1002, first_name="علی")
    await ServiceRequest.filter(id=theirs.id).update(national_code=OTHER_NATIONAL_CODE)
    await Citizen.filter(user_id=1001).update(national_code=NATIONAL_CODE, mobile=MOBILE)
    person = harness.person(1001)

    await person.send_command("mydata")
    message, document = await person.wait_for_reply(count=2)

    text = message.text or ""
    assert fa(mine.tracking_code) in text and fa(theirs.tracking_code) not in text
    assert fa(mask_mobile(MOBILE)) in text and fa(mask_national_code(NATIONAL_CODE)) in text
    assert fa(NATIONAL_CODE) not in text and fa(MOBILE) not in text  # masked on screen
    assert "مریم" in text and "۱" in text  # the name; Persian digits
    assert document.kind == "document"
    assert document.files[0].filename == ptexts.MYDATA_FILE_NAME
    export = json.loads(document.file_bytes().decode("utf-8"))
    assert export["identity"]["national_code"] == NATIONAL_CODE
    assert [r["tracking_code"] for r in export["requests"]] == [mine.tracking_code]
    assert export["requests"][0]["documents"][0]["type"] == "image/png"
    assert OTHER_NATIONAL_CODE not in json.dumps(export)  # nothing of the other citizen


async def forget_prompt(person):
    await person.send_command("forget")
    [prompt] = await person.wait_for_reply()
    return prompt


async def test_forget_cancel_changes_nothing(harness) -> None:
    request = await make_request(harness, user_id=1001)
    person = harness.person(1001)
    prompt = await forget_prompt(person)
    assert fa(request.tracking_code) in (prompt.text or "")  # the open request is named

    await person.press(ptexts.BTN_FORGET_NO)
    edited = await person.wait_for_edit(prompt)
    assert edited.text == ptexts.FORGET_KEPT
    citizen = await Citizen.get(user_id=1001)
    assert citizen.first_name == "مریم"
    fresh = await ServiceRequest.get(id=request.id)
    assert fresh.status == RequestStatus.SUBMITTED and fresh.national_code == NATIONAL_CODE


async def test_stale_and_forged_confirms_change_nothing(harness) -> None:
    request = await make_request(harness, user_id=1001)
    person = harness.person(1001)
    first = await forget_prompt(person)
    await forget_prompt(person)  # a second /forget: the first prompt's button is stale
    stale_yes = first.inline_buttons[0][0][1]

    await person.press_data(stale_yes, first.message_id)
    await person.press_data("priv:yes:0123456789ab")  # forged nonce
    await harness.standin.wait_until(lambda: len(harness.standin.callback_answers) >= 2)
    assert all(a.text == texts.EXPIRED_BUTTON for a in harness.standin.callback_answers)
    fresh = await ServiceRequest.get(id=request.id)
    assert fresh.status == RequestStatus.SUBMITTED and fresh.mobile == MOBILE
    assert (await Citizen.get(user_id=1001)).first_name == "مریم"

    # another person pressing the valid button gets nothing done either
    other = harness.person(1002)
    await other.press_data(person.last_message.inline_buttons[0][0][1])
    await harness.standin.wait_until(lambda: len(harness.standin.callback_answers) >= 3)
    assert (await ServiceRequest.get(id=request.id)).status == RequestStatus.SUBMITTED


async def test_forget_cancels_open_requests_and_erases_personal_data(harness) -> None:
    open_request = await make_request(harness, user_id=1001, address="جیرفت، کوچه ۱۲")
    await announce(harness, open_request)
    done = await make_request(harness, user_id=1001)
    await done.move_to(RequestStatus.IN_PROGRESS, actor="test", notify=False)
    await done.move_to(RequestStatus.DONE, actor="test", notify=False)
    await ServiceRequest.filter(id=done.id).update(rating=4, rating_comment="مریم راضی است")
    own_file = await with_document(harness, done, seed=1)
    shared = await with_document(harness, done, seed=2)
    other = await make_request(harness, user_id=1002, first_name="علی")
    others_copy = await with_document(harness, other, seed=2)  # same bytes, one file
    citizen = await Citizen.get(user_id=1001)
    await Citizen.filter(id=citizen.id).update(national_code=NATIONAL_CODE, mobile=MOBILE)
    relay = await Relay.create(citizen_id=citizen.id, group_chat_id=-1)
    await RelayMessage.create(
        relay=relay, direction=Direction.IN, kind="text", source_chat_id=1001,
        source_message_id=5, actor=f"citizen:{citizen.id}", preview="من مریم هستم",
    )  # fmt: skip
    await AreaSubscription.create(citizen_id=citizen.id, area="jiroft")
    answer = await outbox.enqueue(harness.messenger, 1001, "message", payload={"text": "مریم"})
    await until_outbox_empty(harness)
    person = harness.person(1001)
    prompt = await forget_prompt(person)
    confirm_data = prompt.inline_buttons[0][0][1]

    await person.press(ptexts.BTN_FORGET_YES)
    edited = await person.wait_for_edit(prompt)
    assert edited.text == ptexts.FORGET_CONFIRMED
    [notice] = await person.wait_for_reply()
    assert fa(open_request.tracking_code) in (notice.text or "")
    assert "لغو شد" in (notice.text or "") and fa(done.tracking_code) not in (notice.text or "")
    await harness.standin.wait_until(
        lambda: any("داده‌های شخصی" in (m.text or "") for m in harness.operator_messages())
    )
    staff = [m for m in harness.operator_messages() if "داده‌های شخصی" in (m.text or "")]
    assert fa(open_request.tracking_code) in (staff[0].text or "")
    await until_outbox_empty(harness)

    assert (await ServiceRequest.get(id=open_request.id)).status == RequestStatus.CANCELLED
    assert await StatusEvent.exists(request_id=open_request.id, actor="citizen:forget")
    for row in await ServiceRequest.filter(citizen_id=citizen.id):
        assert (row.national_code, row.mobile, row.bill_id) == (None, None, None)
        assert "address" not in row.answers and row.rating_comment == ""
    assert (await ServiceRequest.get(id=done.id)).rating == 4  # anonymous, kept for reports
    tombstone = await Citizen.get(id=citizen.id)
    assert tombstone.first_name == "" and tombstone.user_id < 0 and tombstone.chat_id == 0
    assert tombstone.national_code is None and tombstone.mobile is None
    assert not await RequestDocument.filter(request_id=done.id).exists()
    assert not on_disk(harness, own_file)
    assert on_disk(harness, shared)  # the other citizen's document has the same bytes
    assert await RequestDocument.exists(id=others_copy.id)
    assert not await RelayMessage.exists() and not await AreaSubscription.exists()
    assert await DialogState.filter(user_id=1001).count() == 0
    assert answer is not None
    assert (await OutboxMessage.get(id=answer.id)).payload == {}  # delivered: no words kept
    assert (await ServiceRequest.get(id=other.id)).national_code == NATIONAL_CODE

    # the same person writing again is a new citizen with no past
    await person.send_command("mydata")
    message, _ = await person.wait_for_reply(count=2)
    assert ptexts.MYDATA_NO_REQUESTS in (message.text or "")
    assert await Citizen.filter(user_id=1001).count() == 1

    # the used confirm is stale now
    await person.press_data(confirm_data, prompt.message_id)
    await harness.standin.wait_until(
        lambda: any(a.text == texts.EXPIRED_BUTTON for a in harness.standin.callback_answers)
    )


async def test_documents_of_closed_requests_are_purged_after_the_retention(harness) -> None:
    harness.app.bot_data[KEY].document_retention_days = 30
    closed = await make_request(harness, user_id=1001)
    await closed.move_to(RequestStatus.REJECTED, actor="test", notify=False)
    purged_file = await with_document(harness, closed, seed=1)
    still_open = await make_request(harness, user_id=1001)
    open_file = await with_document(harness, still_open, seed=2)
    apps = {harness.messenger: harness.app}

    clock.travel(timedelta(days=29))
    await purge_round(apps)
    assert await RequestDocument.exists(id=purged_file.id) and on_disk(harness, purged_file)

    clock.travel(timedelta(days=2))
    await purge_round(apps)
    await purge_round(apps)  # a second round (or process) writes no second note
    assert not await RequestDocument.exists(id=purged_file.id)
    assert not on_disk(harness, purged_file)
    assert await StatusEvent.filter(request_id=closed.id, status=PURGED).count() == 1
    assert await RequestDocument.exists(id=open_file.id) and on_disk(harness, open_file)

    person = harness.person(1001)
    await person.send_command("track", closed.tracking_code)
    [view] = await person.wait_for_reply()
    assert "مدارک این درخواست" in (view.text or "") and "پاک شد" in (view.text or "")
    await person.send_command("mydata")
    summary, _ = await person.wait_for_reply(count=2)
    assert ptexts.MYDATA_DOCUMENTS_PURGED in (summary.text or "")


async def test_forget_waits_for_an_open_application_to_end(harness) -> None:
    """A draft is never dropped by /forget's prompt: the citizen finishes or cancels first."""
    person = harness.person(1001)
    await person.press_data("app:start:meter-replacement")
    await person.wait_for_reply()
    await person.send_command("mydata")
    summary, _ = await person.wait_for_reply(count=2)
    assert ptexts.MYDATA_OPEN_DIALOG in (summary.text or "")

    await person.send_command("forget")
    [answer] = await person.wait_for_reply()
    assert answer.text == ptexts.FORGET_DIALOG_OPEN and not answer.inline_buttons
    state = await DialogState.get(user_id=1001)
    assert state.flow == "apply"
