"""The service catalog (models/catalog/services.toml): complete, consistent identity cards."""

from __future__ import annotations

import csv
import dataclasses
import re
import shutil
import tomllib
from pathlib import Path

import pytest

import models.catalog as catalog_module
from models.catalog import CATALOG_DIR, FIELDS, PHONE_LINES, CatalogError, ServiceCard, load_catalog

REPO_ROOT = Path(__file__).resolve().parents[2]
INTENTS_TSV = REPO_ROOT.parent / "shared" / "catalog" / "intents.tsv"

CATALOG = load_catalog()
CARDS = {card.code: card for card in CATALOG.services}

CHANNELS = {
    "bot",
    "website",
    "pishkhan",
    "phone-121",
    "phone-1521",
    "phone-1421",
    "in-person",
    "app",
}
ELECTRONIC_STEPS = {"اطلاع‌رسانی", "درخواست", "پرداخت", "بررسی", "تحویل", "اعلام نتیجه"}
SERVICE_TYPES = {"G2C", "G2B", "G2G"}
CARD_FIELDS = {f.name for f in dataclasses.fields(ServiceCard)}

# Limits of the database columns the seeder writes into (models/service.py).
MAX_DOC_KEY, MAX_DOC_TITLE, MAX_DOC_HINT, MAX_TITLE = 48, 200, 400, 200

PERSIAN_LETTER = re.compile(r"[\u0622-\u063A\u0641-\u064A\u067E\u0686\u0698\u06A9\u06AF\u06CC]")
ARABIC_FORMS = re.compile(r"[\u064A\u0643\u0649]")  # ي ك ى instead of Persian ی ک
KEBAB = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

INFO = {"outage-schedule", "bill-payment", "consumption-history"}
URGENT = {"outage-report", "safety-hazard"}

# Published شناسه خدمت values (service-facts.md); no other card may show a number.
KNOWN_SERVICE_IDS = {
    "meter-relocation": "13031466101",
    "connection-removal": "13031466104",
    "name-change": "13031466107",
    "capacity-change": "13031467101",  # reduction; temporary reduction is 13031467105
    "settlement": "13031465100",  # not 13031468104, the old placeholder
}
DELIVERY_MODES = {"electronic", "semi-electronic", "in-person"}

# Services on an existing subscription identify it by its bill ID.
ON_SUBSCRIPTION = {
    "capacity-change",
    "name-change",
    "tariff-change",
    "meter-relocation",
    "connection-split",
    "connection-removal",
    "temporary-disconnect",
    "reconnection",
    "meter-test",
    "meter-replacement",
    "bill-duplicate",
    "bill-dispute",
    "settlement",
    "subscriber-info-update",
    "solar-generation",
}

# What the dialog must at least ask for, per service (beyond identity).
REQUIRED_FIELDS = {
    "new-connection": {"usage", "address", "amperage"},
    "temporary-connection": {"usage", "duration", "address"},
    "capacity-change": {"bill_id", "amperage"},
    "tariff-change": {"bill_id", "tariff"},
    "temporary-disconnect": {"bill_id", "duration"},
    "complaint": {"description"},
    "outage-report": {"location"},
    "safety-hazard": {"location"},
    "street-lighting": {"location"},
    "bill-dispute": {"bill_id"},
}

# Documents the facts name for a service, which must be asked for and required.
REQUIRED_DOCUMENTS = {
    "name-change": {"deed", "last-bill", "national-card"},
    "bill-dispute": {"meter-photo"},
    "new-connection": {"deed"},
    "capacity-change": {"national-card", "deed"},
    "connection-removal": {"last-bill", "national-card"},
    "meter-test": {"last-bill"},
    "solar-generation": {"national-card", "last-bill"},
}


def _intent_service_codes() -> list[str]:
    if not INTENTS_TSV.exists():
        pytest.skip(f"{INTENTS_TSV} not available")
    with INTENTS_TSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [row["code"] for row in rows if row["kind"] == "service"]


def _card_texts(card: ServiceCard) -> list[tuple[str, str]]:
    texts = [
        ("title", card.title),
        ("description", card.description),
        ("audience", card.audience),
        ("hours", card.hours),
        ("cost", card.cost),
        ("legal_basis", card.legal_basis),
        ("notes", card.notes),
    ]
    texts += [("electronic_steps", step) for step in card.electronic_steps]
    for doc in card.documents:
        texts += [
            (f"documents.{doc.key}.title", doc.title),
            (f"documents.{doc.key}.hint", doc.hint),
        ]
    return texts


SERVICE_CODES = sorted(CARDS)
cards = pytest.mark.parametrize("card", list(CATALOG.services), ids=lambda c: c.code)


# ── the catalog as a whole ──────────────────────────────────────────────────────


def test_catalog_loads_with_categories_and_services():
    assert CATALOG.services
    assert 3 <= len(CATALOG.categories) <= 7, "categories are a browsing menu: keep them few"
    assert len({c.key for c in CATALOG.categories}) == len(CATALOG.categories)
    for category in CATALOG.categories:
        assert PERSIAN_LETTER.search(category.title), category.key
        assert any(card.category == category.key for card in CATALOG.services), (
            f"category {category.key!r} has no service"
        )


def test_codes_are_exactly_the_service_intents():
    expected = _intent_service_codes()
    assert len(expected) == 25
    codes = [card.code for card in CATALOG.services]
    assert len(codes) == len(set(codes))
    assert sorted(codes) == sorted(expected)


def test_published_service_ids_are_exactly_the_known_ones():
    published = {c.code: c.service_id for c in CATALOG.services if c.service_id_published}
    assert published == KNOWN_SERVICE_IDS
    assert "13031468104" not in {c.service_id for c in CATALOG.services}


def test_shipped_file_is_the_one_loaded():
    package_dir = Path(catalog_module.__file__).resolve().parent
    assert package_dir == CATALOG_DIR
    shipped = package_dir / "services.toml"
    assert shipped.is_file()
    with shipped.open("rb") as fh:
        raw = tomllib.load(fh)
    assert [s["code"] for s in raw["service"]] == [card.code for card in CATALOG.services]
    assert load_catalog(package_dir) == CATALOG
    # pyproject must ship the TOML files as package data, or an installed bot has no catalog.
    with (REPO_ROOT / "pyproject.toml").open("rb") as fh:
        package_data = tomllib.load(fh)["tool"]["setuptools"]["package-data"]
    patterns = [p for key in ("*", "models", "models.catalog") for p in package_data.get(key, ())]
    assert any(Path("services.toml").match(p) for p in patterns)


def test_validator_rejects_an_unknown_field(tmp_path):
    shutil.copy(CATALOG_DIR / "services.toml", tmp_path / "services.toml")
    text = (tmp_path / "services.toml").read_text(encoding="utf-8")
    text = text.replace('fields = ["bill_id"', 'fields = ["shoe_size", "bill_id"', 1)
    (tmp_path / "services.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="shoe_size"):
        load_catalog(tmp_path)


SETTLEMENT_ID = 'service_id = "13031465100"'


# Staff edit the file by hand: each mistake is refused with the service and field named.
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # a misspelt key would otherwise silently drop the value
        ('phone = "1521"', 'phone = "1521"\nsource = ["https://x.ir"]', "source"),
        ('phone = "1521"', 'phone = "1522"', "phone"),  # not one of 121 / 1521 / 1421
        ('delivery_mode = "semi-electronic"', 'delivery_mode = "online"', "delivery_mode"),
        ('sources = ["https://sked.co.ir"]', 'sources = ["sked.co.ir"]', "URLs"),
        # an unpublished ID left unmarked would be shown to citizens as if it were real
        ('estimated = ["service_id", "visits"', 'estimated = ["visits"', "service_id"),
        # two services claiming one published ID (copy-paste)
        ('service_id = "13031466104"', SETTLEMENT_ID, "share a published service_id"),
        ('estimated = ["visits", "hours", "legal_basis", "documents.deed"',
         'estimated = ["visits", "hours", "legal_basis", "documents.title-deed"',
         "documents.title-deed"),
        (SETTLEMENT_ID, 'service_id = "1303146510"', "11 digits"),
    ],
)  # fmt: skip
def test_validator_rejects_hand_edit_mistakes(tmp_path, old, new, message):
    text = (CATALOG_DIR / "services.toml").read_text(encoding="utf-8")
    assert old in text, old
    (tmp_path / "services.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError, match=re.escape(message)):
        load_catalog(tmp_path)


# ── every card ──────────────────────────────────────────────────────────────────


@cards
def test_text_fields_are_non_empty_persian(card):
    for name, text in _card_texts(card):
        assert text.strip(), f"{card.code}: {name} is empty"
        assert PERSIAN_LETTER.search(text), f"{card.code}: {name} is not Persian: {text!r}"
        assert not ARABIC_FORMS.search(text), f"{card.code}: {name} uses Arabic ي/ك/ى"
        assert text == text.strip() and "  " not in text, f"{card.code}: {name} has stray spaces"


@cards
def test_numbers_and_lists(card):
    assert card.duration_days >= 0
    assert card.visits >= 0
    assert card.channels and set(card.channels) <= CHANNELS, card.channels
    assert "bot" in card.channels
    assert len(set(card.channels)) == len(card.channels)
    assert card.electronic_steps and set(card.electronic_steps) <= ELECTRONIC_STEPS
    assert set(card.service_type.split("/")) <= SERVICE_TYPES, card.service_type
    assert set(card.fields) <= FIELDS
    assert len(set(card.fields)) == len(card.fields)
    documents = {f"documents.{d.key}" for d in card.documents}
    assert set(card.estimated) <= CARD_FIELDS | documents, set(card.estimated) - CARD_FIELDS
    assert len(set(card.estimated)) == len(card.estimated)
    assert len(card.title) <= MAX_TITLE


@cards
def test_service_id(card):
    known = KNOWN_SERVICE_IDS.get(card.code)
    if known is None:
        assert "service_id" in card.estimated, f"{card.code}: unpublished ID not marked estimated"
        assert card.service_id == "", f"{card.code}: a made-up ID could collide with a real one"
        assert not card.service_id_published
    else:
        assert re.fullmatch(r"130314\d{5}", card.service_id), card.service_id
        assert card.service_id == known
        assert "service_id" not in card.estimated


@cards
def test_national_template_fields(card):
    assert card.delivery_mode in DELIVERY_MODES
    assert card.phone in PHONE_LINES
    assert PERSIAN_LETTER.search(card.answering_unit)
    assert not ARABIC_FORMS.search(card.answering_unit + card.duration_note + card.staff_notes)


@cards
def test_sources_are_checkable_urls(card):
    assert len(set(card.sources)) == len(card.sources)
    for url in card.sources:
        assert re.fullmatch(r"https://[a-z0-9.-]+\.(?:ir|co\.ir)(?:/\S*)?", url), url


# No source gave in-person visit counts, opening hours or the unit's name (service-facts.md):
# those stay estimated on every card, except bill-dispute's "no visit" (sko.ir).
@cards
def test_what_no_source_gave_stays_estimated(card):
    assert {"hours", "answering_unit"} <= set(card.estimated)
    if card.code != "bill-dispute":
        assert "visits" in card.estimated


# A card with no source cannot have a published fact: everything factual is estimated.
UNSOURCED = [c for c in CATALOG.services if not c.sources]


@pytest.mark.parametrize("card", UNSOURCED, ids=lambda c: c.code)
def test_unsourced_cards_are_estimated_throughout(card):
    facts = {
        "service_id",
        "visits",
        "hours",
        "cost",
        "legal_basis",
        "delivery_mode",
        "answering_unit",
        "phone",
    }
    if card.flow == "apply":
        facts |= {"duration_days", "documents"}
    assert facts <= set(card.estimated), facts - set(card.estimated)


@cards
def test_documents_are_well_formed(card):
    for doc in card.documents:
        assert KEBAB.match(doc.key) and len(doc.key) <= MAX_DOC_KEY, doc.key
        assert len(doc.title) <= MAX_DOC_TITLE
        assert len(doc.hint) <= MAX_DOC_HINT


# ── flows ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("code", SERVICE_CODES)
def test_flow(code):
    expected = "info" if code in INFO else "urgent" if code in URGENT else "apply"
    assert CARDS[code].flow == expected


@pytest.mark.parametrize("code", sorted(c.code for c in CATALOG.services if c.flow == "apply"))
def test_apply_services_require_a_document(code):
    assert any(doc.required for doc in CARDS[code].documents)


@pytest.mark.parametrize("code", sorted(INFO))
def test_info_services_ask_nothing(code):
    card = CARDS[code]
    assert card.documents == ()
    assert card.fields == ()
    assert card.duration_days == 0


@pytest.mark.parametrize("code", sorted(URGENT))
def test_urgent_services_ask_location_and_need_no_document(code):
    card = CARDS[code]
    assert card.fields and card.fields[0] == "location", "urgent reports ask the location first"
    assert not any(doc.required for doc in card.documents)
    assert "phone-121" in card.channels
    assert card.duration_days == 0


# ── service-specific expectations ───────────────────────────────────────────────


@pytest.mark.parametrize("code", sorted(ON_SUBSCRIPTION))
def test_subscription_services_ask_bill_id(code):
    assert "bill_id" in CARDS[code].fields


@pytest.mark.parametrize(("code", "fields"), sorted(REQUIRED_FIELDS.items()))
def test_service_fields(code, fields):
    assert fields <= set(CARDS[code].fields)


@pytest.mark.parametrize(("code", "keys"), sorted(REQUIRED_DOCUMENTS.items()))
def test_documents_named_by_the_facts_are_required(code, keys):
    required = {doc.key for doc in CARDS[code].documents if doc.required}
    assert keys <= required


# Where published cards differ, the card promises the longest and says so (duration_note).
@pytest.mark.parametrize(
    ("code", "days", "note"),
    [
        ("meter-relocation", 8, "۵"),  # Mazandaran 5, Qazvin 8
        ("connection-removal", 16, "۷"),  # Qom 7, Qazvin 12–16
        ("settlement", 10, "۲ تا ۴"),  # national card 2–4; 10 with an old debt
        ("bill-dispute", 16, "۱۰"),  # site check 3 + correction 10 + corrected bill 3
    ],
)
def test_longest_published_duration_is_promised_and_stated(code, days, note):
    card = CARDS[code]
    assert card.duration_days == days
    assert note in card.duration_note
    assert "duration_days" not in card.estimated


@pytest.mark.parametrize(
    ("code", "days"),
    [
        ("name-change", 5),  # under a week
        ("meter-test", 5),  # under a week
        ("street-lighting", 3),  # follow up if not fixed in 3 days
        ("new-connection", 30),  # at most 30 days
    ],
)
def test_published_durations(code, days):
    assert CARDS[code].duration_days == days
    assert "duration_days" not in CARDS[code].estimated


@pytest.mark.parametrize(
    ("code", "phone"),
    [
        ("connection-removal", "1521"),  # qepd.co.ir
        ("outage-report", "121"),  # goped.ir: 121 faults and outages
        ("safety-hazard", "121"),
        ("street-lighting", "121"),  # zedc.ir: report on 121
        ("bill-payment", "1521"),  # goped.ir: 1521 debts and payments
        ("solar-generation", "1421"),  # energy advice
    ],
)
def test_answering_phone(code, phone):
    assert CARDS[code].phone == phone


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("settlement", "cost"),  # no fee
        ("connection-removal", "cost"),  # no fee, part of the connection value refunded
        ("capacity-change", "cost"),  # difference at today's rate / refund per 4-52-3
        ("capacity-change", "legal_basis"),  # tariff clause 4-52-3
        ("meter-test", "cost"),  # fee only if the meter is correct
        ("tariff-change", "cost"),  # difference if higher, no refund if lower
        ("reconnection", "cost"),  # full settlement plus a reconnection fee
        ("meter-relocation", "cost"),  # fee by phase
        ("bill-dispute", "visits"),  # interactive, no visit
        ("bill-dispute", "delivery_mode"),  # interactive: electronic
    ],
)
def test_published_values_are_not_marked_estimated(code, field):
    assert field not in CARDS[code].estimated


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("settlement", "signed-request"),  # signed request with the meter reading and date
        ("connection-removal", "iban"),  # an IBAN for the refund
        ("temporary-connection", "deed"),  # same documents as a permanent connection
    ],
)
def test_published_documents_are_required(code, key):
    assert any(d.key == key and d.required for d in CARDS[code].documents)
    assert f"documents.{key}" not in CARDS[code].estimated


@pytest.mark.parametrize(
    ("code", "phrase"),
    [
        ("name-change", "وکالت"),  # a power of attorney is not accepted
        ("capacity-change", "صنعتی"),  # temporary reduction: industrial only
        ("capacity-change", "یک سال و نیم"),  # … for at least 1.5 years
        ("meter-relocation", "متعلق به ملک"),  # the connection belongs to the property
        ("new-connection", "۳۲ آمپر"),  # minimum connection amperages
        ("meter-test", "بازگردانده"),  # the fee is refunded if the meter is faulty
        ("outage-report", "۱۲۱"),
        ("bill-payment", "۱۵۲۱"),
        ("meter-relocation", "نه مستأجر"),  # owner or attorney only
        ("settlement", "هزینه‌ای ندارد"),  # no fee
        ("settlement", "برق من"),  # the result is followed in برق من
        ("settlement", "قبض پایانی"),  # meter test and final bill first
        ("capacity-change", "۱۳۰۳۱۴۶۷۱۰۵"),  # temporary reduction, its own national ID
        ("capacity-change", "شش بار"),  # at most six times in 9 years
        ("capacity-change", "۴-۵۲-۳"),  # the tariff clause of the refund
        ("connection-removal", "شبا"),  # refund to the owner's IBAN
        ("name-change", "تسویه"),  # the account is settled first
        ("meter-test", "درست کار کند"),  # fee only if the meter is found correct
        ("temporary-disconnect", "آبونمان"),  # the fixed monthly charge is still billed
        ("temporary-disconnect", "همه باید"),  # every user of a shared connection asks
        ("tariff-change", "بازگردانده نمی‌شود"),  # no refund if the new cost is lower
        ("tariff-change", "پیش از تغییر کاربری"),  # ask before the use changes
        ("temporary-connection", "گران‌تر"),  # energy billed above permanent rates
        ("consumption-history", "یک روز کاری"),  # 1 day at a پیشخوان counter
        ("street-lighting", "۳ روز"),  # follow up if not fixed in 3 days
        ("solar-generation", "۵ کیلووات"),  # self-supply plants of 5 kW or more
        ("solar-generation", "کنتور دوطرفه"),
        ("bill-dispute", "خوداظهاری"),  # self-declared meter reading in برق من
    ],
)
def test_rules_are_told(code, phrase):
    card = CARDS[code]
    assert phrase in f"{card.notes} {card.cost}"
