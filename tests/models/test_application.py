"""The application dialog's rules: steps, answers, the draft, the summary and filing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tortoise.context import TortoiseContext

from models.application import (
    Draft,
    IncompleteDraft,
    InvalidAnswer,
    Problem,
    Step,
    StepKind,
    Vocabulary,
    check_contact,
    check_location,
    check_text,
    file_request,
    missing_steps,
    step_named,
    steps_for,
    summarize,
)
from models.catalog import load_catalog
from models.citizen import Citizen
from models.dialog import DialogState, StaleDialog
from models.draft import ReceivedFile
from models.identifiers import is_valid_tracking_code, new_tracking_code
from models.request import RequestDocument, ServiceRequest
from models.service import Service
from models.workdays import TEHRAN, WorkCalendar

CATALOG = load_catalog()
VOCABULARY = Vocabulary(
    choices={"residential": "خانگی", "commercial": "تجاری"},
    phases={1: ("تک‌فاز", "تک"), 3: ("سه‌فاز", "سه")},
)
NATIONAL_CODE = "0076229645"
BILL_ID = "12345670520"


def names(code: str) -> list[str]:
    return [s.name for s in steps_for(CATALOG.service(code))]


def step(name: str, code: str = "new-connection") -> Step:
    found = step_named(steps_for(CATALOG.service(code)), name)
    assert found is not None
    return found


def problem(name: str, text: str, code: str = "new-connection") -> Problem:
    with pytest.raises(InvalidAnswer) as caught:
        check_text(step(name, code), text, VOCABULARY)
    return caught.value.problem


# ------------------------------------------------------------------------------ steps


def test_apply_steps_identity_fields_documents_confirm() -> None:
    assert names("capacity-change") == [
        "mobile",
        "national_code",
        "bill_id",
        "f.amperage",
        "doc.national-card",
        "doc.last-bill",
        "doc.deed",
        "doc.operating-licence",
        "confirm",
    ]
    assert names("new-connection")[2:6] == ["f.usage", "f.address", "f.postal_code", "f.amperage"]
    assert step("f.postal_code").optional and not step("f.address").optional
    assert step("doc.building-permit").optional and not step("doc.deed").optional


def test_urgent_steps_location_first_mobile_last_no_national_code() -> None:
    assert names("safety-hazard") == [
        "f.location",
        "f.description",
        "doc.hazard-photo",
        "mobile",
        "confirm",
    ]
    assert names("outage-report") == ["f.location", "f.description", "mobile", "confirm"]
    assert step("f.description", "safety-hazard").optional
    assert not step("f.description", "complaint").optional


def test_every_catalog_service_has_a_well_formed_dialog() -> None:
    for card in CATALOG.services:
        steps = steps_for(card)
        assert steps[-1].kind is StepKind.CONFIRM
        assert len({s.name for s in steps}) == len(steps)
        assert all(len(f"123456789.{s.name}") <= 48 for s in steps)  # fits callback data


# ------------------------------------------------------------------------------ answers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0076229645", "0076229645"),
        ("۰۰۷۶۲۲۹۶۴۵", "0076229645"),  # Persian digits
        ("007-622-9645", "0076229645"),  # grouped
        ("76229645", "0076229645"),  # leading zeros dropped by a spreadsheet
    ],
)
def test_national_code_accepted(text: str, expected: str) -> None:
    assert check_text(step("national_code"), text).value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12345", Problem.NATIONAL_CODE_LENGTH),
        ("00762296451", Problem.NATIONAL_CODE_LENGTH),
        ("0076229646", Problem.NATIONAL_CODE_CHECK),  # last digit wrong
        ("1111111111", Problem.NATIONAL_CODE_CHECK),  # passes the sum, never issued
        ("کد ملی ندارم", Problem.NOT_DIGITS),
    ],
)
def test_national_code_refused_says_why(text: str, expected: Problem) -> None:
    assert problem("national_code", text, "capacity-change") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234", Problem.BILL_ID_LENGTH),
        ("12345670521", Problem.BILL_ID_CHECK),
        ("2050327604613", Problem.BILL_ID_NOT_ELECTRICITY),  # a valid water bill
    ],
)
def test_bill_id_refused_says_why(text: str, expected: Problem) -> None:
    assert problem("bill_id", text, "capacity-change") == expected


def test_bill_id_accepted_with_padding_and_persian_digits() -> None:
    assert check_text(step("bill_id", "capacity-change"), "۰۰۱۲۳۴۵۶۷۰۵۲۰").value == BILL_ID


def test_postal_code_doubt_is_a_warning_not_a_refusal() -> None:
    assert check_text(step("f.postal_code"), "7616913111").warning is None
    doubtful = check_text(step("f.postal_code"), "1234567890")
    assert doubtful.value == "1234567890" and doubtful.warning == "postal_code_doubtful"
    assert problem("f.postal_code", "12345") == Problem.POSTAL_CODE_LENGTH


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۳۲ آمپر تک‌فاز", {"amps": 32, "phase": 1}),  # the button label
        ("25 آمپر سه فاز", {"amps": 25, "phase": 3}),  # typed, a space for the half-space
        ("۴۰ آمپر سه‌فاز لطفاً", {"amps": 40, "phase": 3}),
    ],
)
def test_amperage(text: str, expected: dict[str, int]) -> None:
    assert check_text(step("f.amperage"), text, VOCABULARY).value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("سه‌فاز", Problem.AMPERAGE_MISSING),
        ("۳۲ آمپر", Problem.PHASE_MISSING),
        ("۳ آمپر تک‌فاز", Problem.AMPERAGE_RANGE),
    ],
)
def test_amperage_refused(text: str, expected: Problem) -> None:
    assert problem("f.amperage", text) == expected


def test_choice_matches_label_loosely() -> None:
    assert check_text(step("f.usage"), " خانگی ", VOCABULARY).value == "residential"
    assert problem("f.usage", "ویلایی") == Problem.UNKNOWN_CHOICE


def test_free_text_limits() -> None:
    description = step("f.description", "complaint")
    assert check_text(description, "  برق   قطع است  ").value == "برق قطع است"
    assert problem("f.description", "ب" * 501, "complaint") == Problem.TOO_LONG
    assert problem("f.description", "بد", "complaint") == Problem.TOO_SHORT
    with pytest.raises(InvalidAnswer) as caught:
        check_text(description, "ب" * 10_000)
    assert caught.value.limit == 500


def test_location_shared_or_typed() -> None:
    assert check_location(30.2839, 57.0834).value == {"lat": 30.2839, "lon": 57.0834}
    with pytest.raises(InvalidAnswer) as caught:
        check_location(51.5, -0.12)
    assert caught.value.problem == Problem.LOCATION_OUTSIDE
    typed = check_text(step("f.location", "safety-hazard"), "جیرفت، میدان آزادی")
    assert typed.value == "جیرفت، میدان آزادی"


def test_contact_only_own_and_iranian() -> None:
    assert check_contact("+98 912 345 6789", 7, 7).value == "09123456789"
    for user_id in (None, 8):
        with pytest.raises(InvalidAnswer) as caught:
            check_contact("09123456789", user_id, 7)
        assert caught.value.problem == Problem.CONTACT_NOT_OWN
    with pytest.raises(InvalidAnswer) as caught:
        check_contact("+44 20 7946 0958", 7, 7)
    assert caught.value.problem == Problem.MOBILE_NOT_IRANIAN


# ------------------------------------------------------------------------------ the draft


def record(n: int) -> ReceivedFile:
    digest = f"{n:064x}"
    return ReceivedFile(
        sha256=digest,
        path=f"{digest[:2]}/{digest[2:4]}/{digest}.png",
        mime="image/png",
        size=10 + n,
        messenger_file_id=f"F{n}",
    )


def test_draft_round_trips_and_back_forgets_both_steps() -> None:
    steps = steps_for(CATALOG.service("capacity-change"))
    draft = Draft(service="capacity-change")
    draft.answers["mobile"] = "09123456789"
    assert draft.forward(steps, "mobile").name == "national_code"
    draft.answers["national_code"] = NATIONAL_CODE
    assert draft.forward(steps, "national_code").name == "bill_id"
    draft = Draft.from_data(draft.to_data())
    assert draft.history == ["mobile", "national_code"]

    previous = draft.back(steps, "bill_id")
    assert previous is not None and previous.name == "national_code"
    assert "national_code" not in draft.answers and draft.answers["mobile"]
    assert draft.back(steps, "national_code").name == "mobile"
    assert draft.back(steps, "mobile") is None


def test_draft_files_deduplicated_per_document() -> None:
    national_card = step("doc.national-card", "capacity-change")
    deed = step("doc.deed", "capacity-change")
    draft = Draft(service="capacity-change")
    assert draft.add_file(national_card, record(1))
    assert not draft.add_file(national_card, record(1))
    assert draft.add_file(deed, record(1))  # the same bytes may serve another document
    assert len(draft.files(national_card)) == 1 and len(draft.files(deed)) == 1


def complete_draft() -> Draft:
    draft = Draft(service="capacity-change")
    draft.answers.update(
        {
            "mobile": "09123456789",
            "national_code": NATIONAL_CODE,
            "bill_id": BILL_ID,
            "f.amperage": {"amps": 32, "phase": 3},
        }
    )
    for key, n in (("deed", 3), ("national-card", 1), ("national-card", 2), ("last-bill", 4)):
        draft.add_file(step(f"doc.{key}", "capacity-change"), record(n))
    return draft


def test_missing_steps_and_summary() -> None:
    card = CATALOG.service("capacity-change")
    assert missing_steps(card, Draft(service=card.code))[:3] == [
        "mobile",
        "national_code",
        "bill_id",
    ]
    draft = complete_draft()
    assert missing_steps(card, draft) == []
    summary = summarize(card, draft)
    assert summary.national_code == "******9645" and summary.mobile == "0912***6789"
    assert summary.fields == (("amperage", {"amps": 32, "phase": 3}),)
    assert [(d.key, n) for d, n in summary.documents] == [
        ("national-card", 2),
        ("last-bill", 1),
        ("deed", 1),
    ]


# ------------------------------------------------------------------------------ filing


async def dialog(draft: Draft) -> tuple[DialogState, Citizen, Service]:
    citizen = await Citizen.create(messenger="bale", user_id=5, chat_id=5)
    state = await DialogState.begin("bale", 5, 5, "apply", "confirm", draft.to_data())
    service = await Service.get(code=draft.service)
    return state, citizen, service


async def test_file_request_writes_everything_once(seeded_db: TortoiseContext) -> None:
    state, citizen, service = await dialog(complete_draft())
    now = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # a Wednesday
    request = await file_request(state, citizen, service, WorkCalendar(), now=now)

    assert is_valid_tracking_code(request.tracking_code)
    expected = WorkCalendar().add_working_days(now, 6)
    row = await ServiceRequest.get(id=request.id)
    assert row.deadline is not None
    assert row.deadline.astimezone(TEHRAN) == expected
    assert (row.national_code, row.mobile, row.bill_id) == ("0076229645", "09123456789", BILL_ID)
    assert row.answers == {"amperage": {"amps": 32, "phase": 3}, "urgent": False}
    documents = await RequestDocument.filter(request=row).order_by("id")
    assert [(d.document_key, d.messenger_file_id) for d in documents] == [
        ("national-card", "F1"),
        ("national-card", "F2"),
        ("last-bill", "F4"),
        ("deed", "F3"),
    ]
    remembered = await Citizen.get(id=citizen.id)
    assert (remembered.mobile, remembered.national_code, remembered.bill_id) == (
        "09123456789",
        NATIONAL_CODE,
        BILL_ID,
    )
    assert await DialogState.all().count() == 0

    with pytest.raises(StaleDialog):  # the same dialog confirmed twice
        await file_request(state, citizen, service, WorkCalendar(), now=now)
    assert await ServiceRequest.all().count() == 1


async def test_incomplete_draft_files_nothing(seeded_db: TortoiseContext) -> None:
    draft = complete_draft()
    draft.documents.pop("last-bill")
    state, citizen, service = await dialog(draft)
    with pytest.raises(IncompleteDraft) as caught:
        await file_request(state, citizen, service, WorkCalendar())
    assert caught.value.missing == ["doc.last-bill"]
    assert await ServiceRequest.all().count() == 0
    assert await DialogState.all().count() == 1
    assert (await Citizen.get(id=citizen.id)).national_code is None


async def test_tracking_code_clash_draws_again(seeded_db: TortoiseContext) -> None:
    first_state, citizen, service = await dialog(complete_draft())
    taken = (await file_request(first_state, citizen, service, WorkCalendar())).tracking_code
    state = await DialogState.begin("bale", 5, 5, "apply", "confirm", complete_draft().to_data())
    codes = iter([taken, taken, new_tracking_code()])
    request = await file_request(
        state, citizen, service, WorkCalendar(), new_code=lambda: next(codes)
    )
    assert request.tracking_code != taken
    assert await ServiceRequest.all().count() == 2
    assert await RequestDocument.filter(request=request).count() == 4


async def test_urgent_request_is_marked(seeded_db: TortoiseContext) -> None:
    draft = Draft(service="outage-report")
    draft.answers.update(
        {"f.location": {"lat": 28.6, "lon": 57.7}, "f.description": None, "mobile": "09123456789"}
    )
    state, citizen, service = await dialog(draft)
    request = await file_request(state, citizen, service, WorkCalendar())
    assert request.answers == {"location": {"lat": 28.6, "lon": 57.7}, "urgent": True}
    assert request.national_code is None
