"""The application dialog's rules: which steps a service asks, what each answer must be,
what the citizen confirms, and filing the request.

``handlers.apply`` only adapts messages to these functions, so everything a citizen can get
wrong is decided here and unit-tested without a messenger. The draft is plain JSON in
:attr:`models.dialog.DialogState.data` (:class:`~models.draft.Draft`, changed only through
:func:`~models.draft.change_draft`), so a restart or another bot process continues from the
same step with every file already received.

A request exists only once it is complete: :func:`file_request` checks the draft, ends the
dialog and writes the request, its documents and the citizen's remembered identifiers in
one transaction. A dialog can be filed once: the dialog row is deleted at the version that
was read, so a second «تأیید» (double tap, two processes) finds nothing to file.

Words the rules must recognise but do not own (the tariff names, «تک‌فاز» / «سه‌فاز») come
from the handler's texts as a :class:`Vocabulary`; this module holds no Persian.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import clock
from models.catalog import DocumentSpec, ServiceCard
from models.citizen import Citizen
from models.dialog import DialogState, StaleDialog
from models.digits import to_latin_digits
from models.draft import Draft
from models.identifiers import (
    ELECTRICITY_SERVICE_TYPE,
    bill_service_type,
    is_plausible_postal_code,
    mask_mobile,
    mask_national_code,
    new_tracking_code,
    normalize_bill_id,
    normalize_mobile,
    normalize_national_code,
    normalize_postal_code,
)
from models.logcontext import note_tracking_code
from models.request import RequestDocument, ServiceRequest
from models.service import Service
from models.sla import filed_terms
from models.workdays import WorkCalendar

__all__ = [
    "FILING_FLOWS",
    "FLOW",
    "MAX_FILES_PER_DOCUMENT",
    "TEXT_LIMITS",
    "Checked",
    "Draft",
    "IncompleteDraft",
    "InvalidAnswer",
    "Problem",
    "Step",
    "StepKind",
    "Summary",
    "Vocabulary",
    "check_contact",
    "check_location",
    "check_text",
    "file_request",
    "missing_steps",
    "remembered_value",
    "step_named",
    "steps_for",
    "summarize",
]

FLOW = "apply"
"""The DialogState flow name of this dialog (urgent reports use it too)."""

FILING_FLOWS = frozenset({"apply", "urgent"})
"""Card flows that are filed through the dialog; ``info`` services are not."""

MAX_FILES_PER_DOCUMENT = 10
"""More pages than this for one document is a mistake (or abuse), not a deed."""

TEXT_LIMITS: dict[str, tuple[int, int]] = {
    "address": (10, 300),
    "duration": (2, 100),
    "description": (5, 500),
}
"""(min, max) characters of free-text fields; a typed address in place of a location uses
the address limits. Far below the router's 2,000: operators read these on a phone."""

IRAN_BOUNDS = ((25.0, 40.0), (44.0, 64.0))
"""Latitude and longitude box around Iran: a shared location outside it is a mistake."""

TRACKING_CODE_ATTEMPTS = 5


# --------------------------------------------------------------------------- steps


class StepKind(StrEnum):
    MOBILE = "mobile"  # shared own contact
    NATIONAL_CODE = "national_code"
    BILL_ID = "bill_id"
    FIELD = "field"  # a card field other than bill_id
    DOCUMENT = "document"
    CONFIRM = "confirm"


@dataclass(frozen=True, slots=True)
class Step:
    """One question of the dialog. ``name`` is what DialogState.step and button data hold."""

    name: str
    kind: StepKind
    optional: bool = False
    field: str = ""
    document: DocumentSpec | None = None


def _field_step(name: str, *, urgent: bool) -> Step:
    # Postal codes are often unknown (villages, new buildings); a report's description is
    # a courtesy, the location is what sends the crew.
    optional = name == "postal_code" or (urgent and name == "description")
    return Step(f"f.{name}", StepKind.FIELD, optional=optional, field=name)


def steps_for(card: ServiceCard) -> tuple[Step, ...]:
    """The ordered steps of ``card``'s dialog.

    ``apply``: who (mobile, national code, bill ID if the card has it), the card's fields in
    card order, each document, then the summary. ``urgent``: the place first (a location,
    or a typed address instead), an optional description, the optional photos, and a mobile
    number to call back; no national code — nobody should type one next to a fallen wire.
    """
    urgent = card.flow == "urgent"
    docs = [
        Step(f"doc.{d.key}", StepKind.DOCUMENT, optional=not d.required, document=d)
        for d in card.documents
    ]
    if urgent:
        place = [_field_step("location", urgent=True)] if "location" in card.fields else []
        rest = [_field_step(f, urgent=True) for f in card.fields if f == "description"]
        if not place and "address" in card.fields:
            place = [_field_step("address", urgent=True)]
        steps = [*place, *rest, *docs, Step("mobile", StepKind.MOBILE)]
    else:
        steps = [Step("mobile", StepKind.MOBILE), Step("national_code", StepKind.NATIONAL_CODE)]
        if "bill_id" in card.fields:
            steps.append(Step("bill_id", StepKind.BILL_ID))
        steps += [_field_step(f, urgent=False) for f in card.fields if f != "bill_id"]
        steps += docs
    steps.append(Step("confirm", StepKind.CONFIRM))
    return tuple(steps)


def remembered_value(step: Step, citizen: Citizen) -> str | None:
    """What the citizen told us last time for this step, to offer as «همان …»."""
    if step.kind is StepKind.MOBILE:
        return citizen.mobile
    if step.kind is StepKind.NATIONAL_CODE:
        return citizen.national_code
    if step.kind is StepKind.BILL_ID:
        return citizen.bill_id
    return None


# --------------------------------------------------------------------------- answers


class Problem(StrEnum):
    """Why an answer was refused; the handler says it in Persian."""

    NOT_DIGITS = "not_digits"
    NATIONAL_CODE_LENGTH = "national_code_length"
    NATIONAL_CODE_CHECK = "national_code_check"
    BILL_ID_LENGTH = "bill_id_length"
    BILL_ID_CHECK = "bill_id_check"
    BILL_ID_NOT_ELECTRICITY = "bill_id_not_electricity"
    POSTAL_CODE_LENGTH = "postal_code_length"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    AMPERAGE_MISSING = "amperage_missing"
    AMPERAGE_RANGE = "amperage_range"
    PHASE_MISSING = "phase_missing"
    UNKNOWN_CHOICE = "unknown_choice"
    LOCATION_OUTSIDE = "location_outside"
    CONTACT_NOT_OWN = "contact_not_own"
    MOBILE_NOT_IRANIAN = "mobile_not_iranian"


class InvalidAnswer(ValueError):
    """The answer cannot be taken; ``limit`` is the bound broken, for the message."""

    def __init__(self, problem: Problem, limit: int | None = None) -> None:
        self.problem = problem
        self.limit = limit
        super().__init__(problem.value)


@dataclass(frozen=True, slots=True)
class Checked:
    """An accepted answer; ``warning`` is a doubt worth telling the citizen (not a refusal)."""

    value: Any
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Words from the handler's texts that answers are matched against.

    ``choices`` maps tariff/usage keys to their button labels; ``phases`` maps 1 and 3 to the
    words that name single- and three-phase supply.
    """

    choices: Mapping[str, str] = field(default_factory=dict)
    phases: Mapping[int, tuple[str, ...]] = field(default_factory=dict)


_SEPARATORS = re.compile(r"[\s\u200c-\u200f\u202a-\u202e\u2066-\u2069\-_.]+")
_NUMBER = re.compile(r"\d+")
AMPERAGE_RANGE = (5, 2000)


def _compact(text: str) -> str:
    return to_latin_digits(_SEPARATORS.sub("", text)).lower()


def _digits_only(text: str) -> str:
    compact = _compact(text)
    if not (compact.isascii() and compact.isdigit()):
        raise InvalidAnswer(Problem.NOT_DIGITS)
    return compact


def check_national_code(text: str) -> str:
    digits = _digits_only(text)
    if not 8 <= len(digits) <= 10:
        raise InvalidAnswer(Problem.NATIONAL_CODE_LENGTH)
    code = normalize_national_code(digits)
    if code is None:
        raise InvalidAnswer(Problem.NATIONAL_CODE_CHECK)
    return code


def check_bill_id(text: str) -> str:
    digits = _digits_only(text).lstrip("0")
    if not 6 <= len(digits) <= 13:
        raise InvalidAnswer(Problem.BILL_ID_LENGTH)
    bill_id = normalize_bill_id(digits)
    if bill_id is None:
        raise InvalidAnswer(Problem.BILL_ID_CHECK)
    if bill_service_type(bill_id) != ELECTRICITY_SERVICE_TYPE:
        # A valid water or gas bill: filing with it would reach the wrong subscription.
        raise InvalidAnswer(Problem.BILL_ID_NOT_ELECTRICITY)
    return bill_id


def _free_text(text: str, name: str) -> str:
    low, high = TEXT_LIMITS[name]
    cleaned = " ".join(text.split())
    if len(cleaned) > high:
        raise InvalidAnswer(Problem.TOO_LONG, high)
    if len(cleaned) < low:
        raise InvalidAnswer(Problem.TOO_SHORT, low)
    return cleaned


def _choice(text: str, choices: Mapping[str, str]) -> str:
    wanted = _compact(text)
    for key, label in choices.items():
        if wanted in (_compact(label), key):
            return key
    raise InvalidAnswer(Problem.UNKNOWN_CHOICE)


def _amperage(text: str, phases: Mapping[int, tuple[str, ...]]) -> dict[str, int]:
    numbers = _NUMBER.findall(to_latin_digits(text))
    if not numbers:
        raise InvalidAnswer(Problem.AMPERAGE_MISSING)
    amps = int(numbers[0])
    if not AMPERAGE_RANGE[0] <= amps <= AMPERAGE_RANGE[1]:
        raise InvalidAnswer(Problem.AMPERAGE_RANGE)
    compact = _compact(text)
    found = {phase for phase, words in phases.items() if any(_compact(w) in compact for w in words)}
    if len(found) != 1:
        raise InvalidAnswer(Problem.PHASE_MISSING)
    return {"amps": amps, "phase": found.pop()}


def check_text(step: Step, text: str, vocabulary: Vocabulary = Vocabulary()) -> Checked:
    """Validate a typed answer for ``step``; raises :class:`InvalidAnswer`.

    Typed answers to non-text steps (a document, the contact) are the handler's business.
    """
    if step.kind is StepKind.NATIONAL_CODE:
        return Checked(check_national_code(text))
    if step.kind is StepKind.BILL_ID:
        return Checked(check_bill_id(text))
    name = step.field
    if name == "location":  # a typed address where the map is not at hand
        return Checked(_free_text(text, "address"))
    if name in TEXT_LIMITS:
        return Checked(_free_text(text, name))
    if name == "postal_code":
        digits = _digits_only(text)
        code = normalize_postal_code(digits)
        if code is None:
            raise InvalidAnswer(Problem.POSTAL_CODE_LENGTH)
        return Checked(code, None if is_plausible_postal_code(code) else "postal_code_doubtful")
    if name in ("tariff", "usage"):
        return Checked(_choice(text, vocabulary.choices))
    if name == "amperage":
        return Checked(_amperage(text, vocabulary.phases))
    raise ValueError(f"step {step.name} takes no typed answer")


def check_location(latitude: float, longitude: float) -> Checked:
    (lat_low, lat_high), (lon_low, lon_high) = IRAN_BOUNDS
    if not (lat_low <= latitude <= lat_high and lon_low <= longitude <= lon_high):
        raise InvalidAnswer(Problem.LOCATION_OUTSIDE)
    return Checked({"lat": round(latitude, 6), "lon": round(longitude, 6)})


def check_contact(phone_number: str, contact_user_id: int | None, sender_id: int) -> Checked:
    """A shared contact is taken only if it is the sender's own, and an Iranian mobile."""
    if contact_user_id is None or contact_user_id != sender_id:
        raise InvalidAnswer(Problem.CONTACT_NOT_OWN)
    mobile = normalize_mobile(phone_number)
    if mobile is None:
        raise InvalidAnswer(Problem.MOBILE_NOT_IRANIAN)
    return Checked(mobile)


# --------------------------------------------------------------------------- the draft


def step_named(steps: tuple[Step, ...], name: str) -> Step | None:
    return next((s for s in steps if s.name == name), None)


def missing_steps(card: ServiceCard, draft: Draft) -> list[str]:
    """Required steps without an answer: filing is refused while any is left."""
    missing = []
    for step in steps_for(card):
        if step.kind is StepKind.CONFIRM or step.optional:
            continue
        if step.kind is StepKind.DOCUMENT:
            if not draft.files(step):
                missing.append(step.name)
        elif step.name not in draft.answers:
            missing.append(step.name)
    return missing


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True, slots=True)
class Summary:
    """What the citizen confirms; identifiers already masked for the screen."""

    title: str
    urgent: bool
    mobile: str | None
    national_code: str | None
    bill_id: str | None
    fields: tuple[tuple[str, Any], ...]
    documents: tuple[tuple[DocumentSpec, int], ...]


def summarize(card: ServiceCard, draft: Draft) -> Summary:
    answers = draft.answers
    steps = steps_for(card)
    return Summary(
        title=card.title,
        urgent=card.flow == "urgent",
        mobile=mask_mobile(answers["mobile"]) if answers.get("mobile") else None,
        national_code=(
            mask_national_code(answers["national_code"]) if answers.get("national_code") else None
        ),
        bill_id=answers.get("bill_id"),
        fields=tuple(
            (s.field, answers[s.name])
            for s in steps
            if s.kind is StepKind.FIELD and s.name in answers
        ),
        documents=tuple(
            (s.document, len(draft.files(s)))
            for s in steps
            if s.document is not None and (draft.files(s) or not s.optional)
        ),
    )


# --------------------------------------------------------------------------- filing


class IncompleteDraft(ValueError):
    """A required step has no answer; nothing was filed."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(f"missing: {', '.join(missing)}")


async def _create_with_code(new_code: Callable[[], str], **values: Any) -> ServiceRequest:
    """Create the request under a fresh tracking code, drawing again on a unique clash.

    Each attempt is a savepoint, so a clash does not abort the enclosing transaction
    (PostgreSQL refuses every statement after an error until rollback).
    """
    for _ in range(TRACKING_CODE_ATTEMPTS):
        try:
            async with in_transaction():
                request = await ServiceRequest.create(tracking_code=new_code(), **values)
                note_tracking_code(request.tracking_code)
                return request
        except IntegrityError:
            continue
    raise RuntimeError("no free tracking code after several draws")


async def file_request(
    state: DialogState,
    citizen: Citizen,
    service: Service,
    calendar: WorkCalendar,
    *,
    now: datetime | None = None,
    new_code: Callable[[], str] = new_tracking_code,
    on_filed: Callable[[ServiceRequest], Awaitable[None]] | None = None,
) -> ServiceRequest:
    """File the dialog ``state`` as a request, or raise and change nothing.

    ``on_filed`` runs inside the filing transaction (the operator group's announcement is
    queued there), so what it writes exists exactly when the request does.

    Raises :class:`IncompleteDraft` if a required answer is missing and
    :class:`~models.dialog.StaleDialog` if the dialog moved (or was filed) since it was read.
    """
    card = service.to_card()
    draft = Draft.from_data(state.data)
    missing = missing_steps(card, draft)
    if missing:
        raise IncompleteDraft(missing)
    now = now or clock.now()
    deadline = calendar.add_working_days(now, card.duration_days)
    answers = draft.answers
    fields = {s.field: answers[s.name] for s in steps_for(card) if s.kind is StepKind.FIELD}
    fields = {k: v for k, v in fields.items() if v is not None} | {"urgent": card.flow == "urgent"}
    async with in_transaction():
        taken = await DialogState.filter(id=state.id, version=state.version).delete()
        if not taken:
            raise StaleDialog(f"dialog {state.id} moved or was filed already")
        request = await _create_with_code(
            new_code,
            citizen=citizen,
            service=service,
            answers=fields,
            national_code=answers.get("national_code"),
            mobile=answers.get("mobile"),
            bill_id=answers.get("bill_id"),
            deadline=deadline,
            terms=filed_terms(card),
        )
        # In card order: PostgreSQL's jsonb does not keep the draft's key order.
        for step in steps_for(card):
            if step.document is None:
                continue
            for received in draft.files(step):
                await RequestDocument.create(
                    request=request, document_key=step.document.key, **received.to_data()
                )
        remembered = {
            name: answers[name]
            for name in ("mobile", "national_code", "bill_id")
            if answers.get(name)
        }
        if remembered:
            await Citizen.filter(id=citizen.id).update(**remembered)
            for name, value in remembered.items():  # the caller's copy says what the row says
                setattr(citizen, name, value)
        if on_filed is not None:
            await on_filed(request)
    return request
