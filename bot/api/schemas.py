"""The API's request and response bodies: pydantic models read by the handlers and by the
OpenAPI document alike, so the two cannot drift apart."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from models.request import RequestStatus

__all__ = [
    "MESSENGERS",
    "AskDocuments",
    "CatalogDocument",
    "CatalogService",
    "Conflict",
    "DocumentInfo",
    "DocumentPath",
    "Error",
    "FieldError",
    "FiledTerms",
    "HistoryEvent",
    "Invalid",
    "ListQuery",
    "NewNote",
    "Note",
    "ReloadResult",
    "Report",
    "ReportQuery",
    "ReportRow",
    "RequestDetail",
    "RequestPage",
    "RequestPath",
    "RequestSummary",
    "StatusChange",
]

MESSENGERS = Literal["bale", "telegram"]
MAX_ID = 2**31 - 1
"""Ids are 32-bit columns: a bigger number is no id of ours (and must not reach the SQL)."""


def _plain(value: str) -> str:
    """Text a database column can hold: no NUL, no lone surrogate."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _sane_year(value: datetime | None) -> datetime | None:
    if value is not None and not 2000 <= value.year <= 2100:
        raise ValueError("year must be between 2000 and 2100")
    return value


Text = Annotated[str, AfterValidator(_plain)]
When = Annotated[datetime, AfterValidator(_sane_year)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- errors


class Error(BaseModel):
    """Every error body: a stable machine code and a sentence for people."""

    error: str
    detail: str


class FieldError(BaseModel):
    location: Literal["path", "query", "body"]
    field: str = Field(description="the input in error, dotted for nested ones")
    message: str


class Invalid(Error):
    """422: which inputs were wrong and why."""

    fields: list[FieldError]


class Conflict(Error):
    """409: the request's status does not allow it; ``allowed`` lists the moves it does."""

    current: RequestStatus
    allowed: list[RequestStatus]


# --------------------------------------------------------------------------- inputs


class RequestPath(BaseModel):
    request_id: Id


class DocumentPath(BaseModel):
    request_id: Id
    document_id: Id


class ListQuery(Strict):
    status: RequestStatus | None = None
    service: Annotated[Text, Field(max_length=48)] | None = Field(None, description="service code")
    messenger: MESSENGERS | None = None
    filed_from: When | None = Field(None, description="filed at or after (ISO 8601)")
    filed_to: When | None = Field(None, description="filed before (ISO 8601)")
    late: bool = Field(False, description="only open requests past their deadline")
    operator_id: Id | None = Field(None, description="only requests this operator has claimed")
    tracking_code: Annotated[Text, Field(max_length=16)] | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: Annotated[Text, Field(max_length=64)] | None = Field(
        None, description="next_cursor of the previous page"
    )


class ReportQuery(Strict):
    period: Annotated[Text, Field(max_length=40)] = Field(
        "week",
        description="week, month, or a Jalali range 1405/09/01-1405/09/30 (as /report takes)",
    )


class StatusChange(Strict):
    status: RequestStatus
    note: Annotated[Text, Field(max_length=1000)] = Field(
        "", description="shown to the citizen with the notice"
    )


class AskDocuments(Strict):
    documents: list[Annotated[Text, Field(max_length=48)]] = Field(
        default_factory=list, max_length=20, description="keys of the filed terms' documents"
    )
    note: Annotated[Text, Field(max_length=300)] = Field(
        "", description="another document, in words («مدرک دیگر»)"
    )


class NewNote(Strict):
    text: Annotated[Text, Field(min_length=1, max_length=2000)]


# --------------------------------------------------------------------------- outputs


class RequestSummary(BaseModel):
    id: int
    tracking_code: str
    status: RequestStatus
    service: str = Field(description="service code")
    service_title: str
    messenger: str
    submitted_at: datetime
    closed_at: datetime | None
    deadline: datetime | None
    remaining_days: int | None = Field(description="working days left; negative when late")
    late: bool
    paused: bool = Field(description="waiting for the citizen's documents (clock stopped)")
    operator_id: int | None = Field(description="who has claimed it, if anyone")


class RequestPage(BaseModel):
    items: list[RequestSummary]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null at the end")


class TermsDocument(BaseModel):
    key: str
    title: str
    required: bool = True


class FiledTerms(BaseModel):
    """The card's terms at filing: never rewritten by a catalog edit."""

    title: str | None = None
    duration_days: int | None = None
    documents: list[TermsDocument] = Field(default_factory=list)
    cost: Any = None


class HistoryEvent(BaseModel):
    status: str
    actor: str
    note: str
    created_at: datetime
    delivered: bool = Field(description="the citizen has been told")


class DocumentInfo(BaseModel):
    id: int
    key: str
    mime: str
    size: int
    created_at: datetime
    url: str = Field(description="the file, relative to the API root")


class WantedDocument(BaseModel):
    key: str
    title: str


class Note(BaseModel):
    id: int
    actor: str
    text: str
    created_at: datetime


class RequestDetail(RequestSummary):
    national_code: str | None = Field(description="masked")
    mobile: str | None = Field(description="masked")
    answers: dict[str, Any]
    terms: FiledTerms | None
    paused_days: int
    docs_wanted: list[WantedDocument] | None
    docs_due: datetime | None
    rating: int | None
    rating_comment: str
    history: list[HistoryEvent]
    documents: list[DocumentInfo]
    notes: list[Note]


class ReportRow(BaseModel):
    service: str
    title: str
    total: int
    counts: dict[str, int] = Field(description="requests per status")
    done_within_sla: int
    sla_share: float | None
    median_days_to_done: float | None
    rating_average: float | None


class Report(BaseModel):
    start: datetime
    end: datetime
    rows: list[ReportRow]


class CatalogDocument(BaseModel):
    key: str
    title: str
    required: bool


class CatalogService(BaseModel):
    code: str
    title: str
    category: str
    flow: str
    duration_days: int
    active: bool
    documents: list[CatalogDocument]


class ReloadResult(BaseModel):
    created: int
    updated: int
    deactivated: int
    matcher_reloaded: bool = Field(description="this server's bots now match the new catalog")
