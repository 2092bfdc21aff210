"""Staff teach the matcher: a tag in the group reaches every process without a restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import build_application, shared_resources
from bot.runtime import running_bots
from bot.standin import BotApiStandIn
from handlers import texts
from handlers.render import fa
from handlers.texts import apply as apply_texts
from handlers.texts import tagging as ttexts
from models import clock
from models.request import ServiceRequest
from models.tagging import UNPLACED_WINDOW, TaggedMessage
from tests.e2e.conftest import TOKEN
from tests.e2e.test_apply import begin, filed, photo, png, press, say
from tests.e2e.test_operator import labels, operator
from tests.e2e.test_relay import group_count, in_office_hours

UNCLEAR = "تلویزیون ما سوخت خسارت میخوام ۰۹۱۲۳۴۵۶۷۸۹"  # «none» today; staff say: complaint


async def test_a_tag_in_one_process_teaches_another(harness) -> None:
    in_office_hours()
    # the second process: its own Application and workers on the same database, serving
    # the other messenger (its stand-in's update ids must not meet the harness's in the
    # shared inbox); what staff teach holds for both
    second = "telegram" if harness.messenger == "bale" else "bale"
    async with BotApiStandIn(token=TOKEN, profile=second) as standin:
        resources = await shared_resources(harness.settings)
        other = build_application(
            harness.settings,
            second,
            resources,
            token=TOKEN,
            base_url=standin.base_url,
            base_file_url=standin.base_file_url,
            inbox_owner="second",
        )
        async with running_bots([other], resources):
            before = standin.person(2002, "علی")
            await before.send_text(UNCLEAR)
            [none] = await before.wait_for_reply()
            assert "شناسنامه خدمت" not in (none.text or "")

            citizen = harness.person()
            await citizen.send_text(UNCLEAR)
            await citizen.wait_for_reply()
            await citizen.press(texts.BTN_STAFF)  # «none»: this very message goes to staff
            await citizen.wait_for_reply()
            _, copied = await group_count(harness, 2)
            assert copied.text == UNCLEAR

            staff = operator(harness)
            await staff.press(ttexts.BTN_TAG)
            await harness.standin.wait_until(
                lambda: any(
                    label == "ثبت شکایت، انتقاد یا پیشنهاد"
                    for m in harness.operator_messages()
                    for row in m.inline_buttons
                    for label, _ in row
                )
            )
            await staff.press("ثبت شکایت، انتقاد یا پیشنهاد")
            messages = await group_count(harness, 3)
            assert messages[-1].text.startswith("🏷")
            [row] = await TaggedMessage.all().values_list("normalized", flat=True)
            assert "۰۹۱۲" not in row and "0912" not in row and "#" in row

            # the other process rebuilds on its own periodic check and answers right
            async with asyncio.timeout(30):
                while other.bot_data["skedbot"].matcher_version < 1:
                    await asyncio.sleep(0.2)
            after = standin.person(2003, "زهرا")
            await after.send_text(UNCLEAR)
            [card] = await after.wait_for_reply()
            assert card.text.startswith("📄 شناسنامه خدمت: ثبت شکایت، انتقاد یا پیشنهاد"), card.text

            await staff.press(ttexts.BTN_UNDO)  # a bad tag is taken back
            await harness.standin.wait_until(
                lambda: harness.operator_messages()[2].text.startswith("↩️")
            )
            assert await TaggedMessage.filter(undone=False).count() == 0


async def _file_hazard(harness, person, *, again: bool = False) -> ServiceRequest:
    """A safety-hazard report through the dialog (location, sentence, photo, mobile)."""
    await begin(harness, person, "safety-hazard")
    await press(person, apply_texts.BTN_SEND_LOCATION)
    await say(person, "سیم برق پاره شده و روی زمین افتاده")
    await photo(person, png(5))
    await press(person, apply_texts.BTN_NEXT)
    known = apply_texts.BTN_SAME.format(value="۰۹۱۲***۱۰۰۱")  # a second filing offers it
    await press(person, known if again else apply_texts.BTN_SEND_CONTACT)
    return await filed(person)


async def test_a_filing_after_a_none_shows_that_message_to_tag(harness) -> None:
    """A citizen the bot answered «none» then files a request: the group's announcement
    shows that message (digits masked) with «🏷 برچسب»; staff tag it in two presses, and the
    tag holds the citizen's words only. It is shown once: the next filing has no such part."""
    person = harness.person()
    await person.send_text(UNCLEAR)
    [none] = await person.wait_for_reply()
    assert "شناسنامه خدمت" not in (none.text or "")
    request = await _file_hazard(harness, person)

    details, unplaced, shot, status = await group_count(harness, 4)
    assert fa(request.tracking_code) in details.text
    assert unplaced.text.startswith(ttexts.UNPLACED)
    assert "تلویزیون" in unplaced.text
    assert "۰۹۱۲" not in unplaced.text and "0912" not in unplaced.text
    assert labels(unplaced) == [ttexts.BTN_TAG]
    assert shot.kind == "photo" and ttexts.BTN_TAG not in labels(status)

    staff = operator(harness)
    await staff.press(ttexts.BTN_TAG)
    await harness.standin.wait_until(
        lambda: "ثبت شکایت، انتقاد یا پیشنهاد" in labels(harness.operator_messages()[1])
    )
    await staff.press("ثبت شکایت، انتقاد یا پیشنهاد")
    messages = await group_count(harness, 5)
    assert messages[-1].text.startswith("🏷")
    [(text, code)] = await TaggedMessage.all().values_list("normalized", "code")
    assert code == "complaint" and text.startswith("تلویزیون") and ttexts.UNPLACED not in text

    await _file_hazard(harness, person, again=True)  # no «none» before this one
    messages = await group_count(harness, 8)
    assert not any(m.text and m.text.startswith(ttexts.UNPLACED) for m in messages[5:])


async def test_a_none_long_before_the_filing_is_not_shown(harness) -> None:
    """Hours later the filing is about something else: the old message is not shown."""
    person = harness.person()
    await person.send_text(UNCLEAR)
    await person.wait_for_reply()
    clock.travel(UNPLACED_WINDOW + timedelta(minutes=1))
    await _file_hazard(harness, person)
    messages = await group_count(harness, 3)
    assert not any(m.text and m.text.startswith(ttexts.UNPLACED) for m in messages)
    assert len(messages) == 3
