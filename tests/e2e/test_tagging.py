"""Staff teach the matcher: a tag in the group reaches every process without a restart."""

from __future__ import annotations

import asyncio

from bot.app import build_application, shared_resources
from bot.runtime import running_bots
from bot.standin import BotApiStandIn
from handlers import texts
from handlers.texts import tagging as ttexts
from models.tagging import TaggedMessage
from tests.e2e.conftest import TOKEN
from tests.e2e.test_operator import operator
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
