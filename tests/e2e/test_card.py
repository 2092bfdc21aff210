"""The identity card a citizen reads: published facts, «در حال ثبت» for unpublished IDs, and
nothing meant for staff (sources, staff notes)."""

from __future__ import annotations

from handlers import texts
from handlers.callbacks import Callback
from handlers.render import fa
from models.catalog import load_catalog

CATALOG = load_catalog()


async def _open_card(person, code: str):
    """Press the card's button: one message, the card (with its note for info and urgent
    services, see test_search.py)."""
    await person.press_data(Callback("svc", "card", code).pack())
    [card] = await person.wait_for_reply()
    return card


async def test_browsing_to_settlement_shows_its_published_card(harness) -> None:
    """/start → «فهرست خدمات» → «قبض و اشتراک» → settlement: the real ID and the new lines."""
    person = harness.person()
    await person.send_command("/start")
    await person.wait_for_reply()
    await person.press(texts.BTN_SERVICES)
    [categories] = await person.wait_for_reply()
    await person.press("قبض و اشتراک")
    await person.wait_for_edit(categories)
    await person.press("صدور مفاصاحساب")
    [card] = await person.wait_for_reply()
    lines = card.text.splitlines()

    assert "شناسه خدمت: ۱۳۰۳۱۴۶۵۱۰۰" in lines
    assert "۱۳۰۳۱۴۶۸۱۰۴" not in card.text  # the wrong placeholder is gone
    assert "مدت انجام: ۱۰ روز کاری (بیشترین مدت اعلام‌شده؛ معمولاً ۲ تا ۴ روز کاری)" in lines
    assert "نحوه ارائه: نیمه‌الکترونیکی" in lines
    assert "واحد پاسخگو: امور مشترکین اداره برق شهرستان، تلفن ۱۵۲۱" in lines
    assert "  • درخواست کتبی امضاشده" in lines
    assert any(line.startswith("هزینه: صدور مفاصاحساب هزینه‌ای ندارد") for line in lines)

    await person.press("اعتراض به صورتحساب")  # from the service list still on screen
    [dispute] = await person.wait_for_reply()
    assert "شناسه خدمت: در حال ثبت" in dispute.text.splitlines()
    assert "نحوه ارائه: الکترونیکی" in dispute.text.splitlines()


async def test_no_card_shows_a_made_up_id_or_staff_material(harness) -> None:
    """Every card, as a citizen opens it: a published ID or «در حال ثبت», Persian digits,
    and no «منبع», source URL or staff note."""
    person = harness.person()
    await person.send_command("/start")
    await person.wait_for_reply()
    for service in CATALOG.services:
        card = await _open_card(person, service.code)
        id_line = card.text.splitlines()[1]
        if service.service_id_published:
            assert id_line == f"شناسه خدمت: {fa(service.service_id)}", service.code
        else:
            assert id_line == "شناسه خدمت: در حال ثبت", service.code
        assert not any(ch in card.text for ch in "0123456789"), service.code
        assert "منبع" not in card.text and "http" not in card.text, service.code
        assert not service.staff_notes or service.staff_notes not in card.text, service.code
        unit = f"واحد پاسخگو: {service.answering_unit}، تلفن {fa(service.phone)}"
        assert unit in card.text.splitlines(), service.code
