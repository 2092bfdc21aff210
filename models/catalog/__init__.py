"""The service catalog: every e-service's identity card (شناسنامه خدمت) as staff-editable data.

Two TOML files live beside this module:

* ``services.toml`` – categories and one ``[[service]]`` table per service: the identity card
  the SLA publishes (title, شناسه خدمت, duration, visits, channels, hours, documents, cost,
  legal basis, electronic steps) and what the bot's dialog must collect (``flow``, ``fields``).
* ``lexicon.toml`` – per service code, the words citizens actually use (keywords, synonyms,
  everyday phrases). The intent matcher in :mod:`nlp` is built from these plus the card's
  title and description, so staff extend recognition without touching code.
* ``examples/*.tsv`` – labelled citizen messages (``text<TAB>code``, header line first), the
  training data of the matcher's learned scorer. Any number of files, read in name order;
  staff add real misses (from ``skedbot nlp-misses``) to a file here and the bot learns them
  at its next start, again without code.

The files are read here, validated, and turned into frozen dataclasses; ``skedbot seed``
copies them into the database (idempotently) where the bot and back-office tools read them.
Fields whose value is a reasonable guess rather than a published fact are listed in
``estimated`` (a card field, or ``documents.<key>`` for one document) and each card lists
the public ``sources`` that back the rest, so staff know what to confirm with the company
(``skedbot catalog check``). A شناسه خدمت listed in ``estimated`` is not yet published: it
is never shown to citizens, so a guessed number cannot be mistaken for another service's.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from models.catalog.kinds import Contact, NonServiceKind, load_kinds

__all__ = [
    "BOT_INTENTS",
    "CARD_FIELDS",
    "CATALOG_DIR",
    "PHONE_LINES",
    "Catalog",
    "CatalogError",
    "Category",
    "Contact",
    "DeliveryMode",
    "DocumentSpec",
    "Flow",
    "NonServiceKind",
    "ServiceCard",
    "ServiceLexicon",
    "load_catalog",
    "load_examples",
]

CATALOG_DIR = Path(__file__).resolve().parent

Flow = Literal["apply", "info", "urgent"]
"""How the bot serves a service: a filing dialog, information only, or an urgent short report."""

BOT_INTENTS: tuple[str, ...] = ("track", "none")
"""Intents that are not services (no card) but have a lexicon entry and examples."""

FLOWS: frozenset[str] = frozenset({"apply", "info", "urgent"})

DeliveryMode = Literal["electronic", "semi-electronic", "in-person"]
"""نحوه ارائه of the national card template: الکترونیکی, نیمه‌الکترونیکی or حضوری."""

DELIVERY_MODES: frozenset[str] = frozenset({"electronic", "semi-electronic", "in-person"})

PHONE_LINES: frozenset[str] = frozenset({"121", "1521", "1421"})
"""The company's answering lines: 121 faults and outages, 1521 debts and payments,
1421 energy advice."""

SERVICE_ID_DIGITS = 11

FIELDS: frozenset[str] = frozenset(
    {
        "bill_id",  # شناسه قبض of the existing subscription (check digit validated)
        "address",  # free-text postal address
        "location",  # shared map location
        "postal_code",  # کد پستی (10 digits, warning only)
        "amperage",  # requested amperage and phase (capacity-change, new-connection)
        "tariff",  # requested tariff group (tariff-change)
        "description",  # short free-text description
        "usage",  # usage type for new/temporary connections (residential, commercial, …)
        "duration",  # how long a temporary connection / disconnect is needed
    }
)
"""Service-specific fields the application dialog knows how to ask for."""


class CatalogError(ValueError):
    """The catalog files are malformed; the message names the service and the field."""


@dataclass(frozen=True, slots=True)
class DocumentSpec:
    """One document of a service's card: what to photograph and whether it may be skipped."""

    key: str
    title: str
    hint: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class Category:
    """A group of services for browsing from the menu."""

    key: str
    title: str


@dataclass(frozen=True, slots=True)
class ServiceCard:
    """A service's identity card exactly as the catalog states it."""

    code: str
    category: str
    title: str
    service_id: str
    description: str
    audience: str
    service_type: str
    duration_days: int  # working days; 0 means instant (آنی)
    visits: int  # in-person visits needed
    channels: tuple[str, ...]
    hours: str
    cost: str
    legal_basis: str
    electronic_steps: tuple[str, ...]
    flow: Flow
    fields: tuple[str, ...] = ()
    documents: tuple[DocumentSpec, ...] = ()
    notes: str = ""
    estimated: tuple[str, ...] = ()
    # Added with the national template's fields; defaults keep cards stored before them
    # readable (the card is JSON in the database), and an empty value is simply not shown.
    duration_note: str = ""  # why this duration, e.g. the longest of the published ones
    delivery_mode: DeliveryMode | Literal[""] = ""
    answering_unit: str = ""  # واحد پاسخگو
    phone: str = ""  # one of PHONE_LINES
    sources: tuple[str, ...] = ()  # public URLs backing the card, for staff only
    staff_notes: str = ""  # for staff only: what is still to confirm, and why

    @property
    def service_id_published(self) -> bool:
        """True when the شناسه خدمت is a published one that citizens may be shown.

        Decided from the data (``estimated`` names the id), not from how the digits look:
        a guessed number in the national pattern could belong to another service.
        """
        return bool(self.service_id) and "service_id" not in self.estimated


@dataclass(frozen=True, slots=True)
class ServiceLexicon:
    """Words and phrases citizens use for one intent (a service, ``track`` or ``none``)."""

    code: str
    keywords: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalog:
    """The whole catalog: categories, cards in file order, the lexicon and the labelled
    example messages by intent code (services, ``track`` and ``none``)."""

    categories: tuple[Category, ...]
    services: tuple[ServiceCard, ...]
    lexicon: dict[str, ServiceLexicon] = field(default_factory=dict)
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict)
    kinds: dict[str, NonServiceKind] = field(default_factory=dict)
    """Kinds of messages that are not ours (``kinds.toml``): answers and examples."""

    def service(self, code: str) -> ServiceCard:
        for card in self.services:
            if card.code == code:
                return card
        raise KeyError(code)


CARD_FIELDS: frozenset[str] = frozenset(ServiceCard.__dataclass_fields__)
"""Names a ``[[service]]`` table may use: a misspelt key is an error, not a silent default."""


def _tuple(raw: dict, key: str) -> tuple[str, ...]:
    value = raw.get(key, ())
    if isinstance(value, str):
        value = [value]
    return tuple(str(v) for v in value)


def _card(raw: dict, categories: set[str]) -> ServiceCard:
    code = raw.get("code", "?")
    unknown_keys = set(raw) - CARD_FIELDS
    if unknown_keys:
        raise CatalogError(f"service {code!r}: unknown keys {sorted(unknown_keys)}")
    try:
        documents = tuple(
            DocumentSpec(
                key=d["key"],
                title=d["title"],
                hint=d["hint"],
                required=bool(d.get("required", True)),
            )
            for d in raw.get("documents", ())
        )
        card = ServiceCard(
            code=raw["code"],
            category=raw["category"],
            title=raw["title"],
            service_id=str(raw.get("service_id", "")),
            description=raw["description"],
            audience=raw["audience"],
            service_type=raw.get("service_type", "G2C"),
            duration_days=int(raw["duration_days"]),
            visits=int(raw["visits"]),
            channels=_tuple(raw, "channels"),
            hours=raw["hours"],
            cost=raw["cost"],
            legal_basis=raw["legal_basis"],
            electronic_steps=_tuple(raw, "electronic_steps"),
            flow=raw["flow"],
            fields=_tuple(raw, "fields"),
            documents=documents,
            notes=raw.get("notes", ""),
            estimated=_tuple(raw, "estimated"),
            duration_note=raw.get("duration_note", ""),
            delivery_mode=raw["delivery_mode"],
            answering_unit=raw["answering_unit"],
            phone=str(raw["phone"]),
            sources=_tuple(raw, "sources"),
            staff_notes=raw.get("staff_notes", ""),
        )
    except KeyError as exc:
        raise CatalogError(f"service {code!r}: missing field {exc.args[0]!r}") from None
    if card.flow not in FLOWS:
        raise CatalogError(f"service {code!r}: flow must be one of {sorted(FLOWS)}")
    if card.category not in categories:
        raise CatalogError(f"service {code!r}: unknown category {card.category!r}")
    unknown = set(card.fields) - FIELDS
    if unknown:
        raise CatalogError(f"service {code!r}: unknown fields {sorted(unknown)}")
    if len({d.key for d in documents}) != len(documents):
        raise CatalogError(f"service {code!r}: duplicate document keys")
    _check_national_fields(card)
    return card


def _check_national_fields(card: ServiceCard) -> None:
    """The national template's fields, the sources and ``estimated`` name real things."""
    code = card.code
    if card.delivery_mode not in DELIVERY_MODES:
        modes = sorted(DELIVERY_MODES)
        raise CatalogError(f"service {code!r}: delivery_mode must be one of {modes}")
    if card.phone not in PHONE_LINES:
        raise CatalogError(f"service {code!r}: phone must be one of {sorted(PHONE_LINES)}")
    if not card.answering_unit.strip():
        raise CatalogError(f"service {code!r}: answering_unit is empty")
    bad_sources = [s for s in card.sources if not s.startswith(("https://", "http://"))]
    if bad_sources:
        raise CatalogError(f"service {code!r}: sources must be URLs: {bad_sources}")
    doc_keys = {f"documents.{d.key}" for d in card.documents}
    unknown = set(card.estimated) - CARD_FIELDS - doc_keys
    if unknown:
        raise CatalogError(f"service {code!r}: estimated names unknown fields {sorted(unknown)}")
    if not card.service_id and "service_id" not in card.estimated:
        raise CatalogError(f"service {code!r}: no service_id and not marked estimated")
    if card.service_id_published and not (
        card.service_id.isascii()
        and card.service_id.isdigit()
        and len(card.service_id) == SERVICE_ID_DIGITS
    ):
        raise CatalogError(f"service {code!r}: service_id must be {SERVICE_ID_DIGITS} digits")


def load_catalog(directory: Path | str | None = None) -> Catalog:
    """Read and validate ``services.toml`` and ``lexicon.toml`` from ``directory``."""
    base = Path(directory) if directory else CATALOG_DIR
    with (base / "services.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    categories = tuple(Category(key=c["key"], title=c["title"]) for c in raw.get("category", ()))
    category_keys = {c.key for c in categories}
    services = tuple(_card(s, category_keys) for s in raw.get("service", ()))
    codes = [s.code for s in services]
    if len(set(codes)) != len(codes):
        raise CatalogError("duplicate service codes in services.toml")
    published = [s.service_id for s in services if s.service_id_published]
    if len(set(published)) != len(published):
        raise CatalogError("two services share a published service_id in services.toml")

    lexicon: dict[str, ServiceLexicon] = {}
    lexicon_path = base / "lexicon.toml"
    if lexicon_path.exists():
        with lexicon_path.open("rb") as fh:
            raw_lexicon = tomllib.load(fh)
        for code, entry in raw_lexicon.items():
            lexicon[code] = ServiceLexicon(
                code=code,
                keywords=_tuple(entry, "keywords"),
                phrases=_tuple(entry, "phrases"),
                negative=_tuple(entry, "negative"),
            )
    known = set(codes) | set(BOT_INTENTS)
    examples = load_examples(base / "examples", known)
    try:
        kinds = load_kinds(base / "kinds.toml")
    except ValueError as exc:
        raise CatalogError(str(exc)) from exc
    return Catalog(
        categories=categories, services=services, lexicon=lexicon, examples=examples, kinds=kinds
    )


EXAMPLES_HEADER = ("text", "code")


def load_examples(directory: Path, codes: set[str]) -> dict[str, tuple[str, ...]]:
    """Labelled messages from every ``*.tsv`` in ``directory``: code -> texts.

    Each file is ``text<TAB>code`` with that header line; blank lines and ``#`` comments
    are skipped. A code outside ``codes`` (a typo, a retired service) is an error naming
    the file and line, because a mislabelled example silently teaches the matcher the
    wrong intent. Texts repeated for one code are kept once; file order is kept so the
    trained model is the same on every start.
    """
    found: dict[str, dict[str, None]] = defaultdict(dict)
    if not directory.is_dir():
        return {}
    for path in sorted(directory.glob("*.tsv")):
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split("\t")
            if tuple(p.strip() for p in parts) == EXAMPLES_HEADER:
                continue
            if len(parts) != 2 or not parts[0].strip():
                raise CatalogError(f"{path.name}, line {number}: expected text<TAB>code")
            text, code = parts[0].strip(), parts[1].strip()
            if code not in codes:
                raise CatalogError(f"{path.name}, line {number}: unknown intent code {code!r}")
            found[code][text] = None
    return {code: tuple(texts) for code, texts in found.items()}
