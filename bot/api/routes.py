"""The operations of the back-office API. Each is thin: parse (done by the route table),
call the model-level function the operator group uses, answer with a schema model."""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Any

from aiohttp import web
from tortoise.transactions import in_transaction

from bot.api import schemas as s
from bot.api.spec import ApiError, error, route
from models import clock, desk, outbox, sla
from models.apitoken import Caller, Scope
from models.backoffice import RequestFilter, page_of_requests
from models.catalog import load_catalog
from models.followup import STATUS_EDIT, ask_for_documents
from models.identifiers import mask_mobile, mask_national_code
from models.report import build, parse_period
from models.request import (
    TRANSITIONS,
    IllegalTransition,
    RequestDocument,
    RequestStatus,
    ServiceRequest,
    StatusEvent,
)
from models.seeding import seed_catalog
from models.service import Service
from models.storage import FileKind, StorageError
from models.tagging import bump_matcher_version

__all__ = ["API_KEY", "ApiContext"]

DOC_TYPES = sorted({k.mime for k in FileKind} | {"application/octet-stream"})
NOTE = "note"
"""desk_action.action of a staff note written through the API."""


class ApiContext:
    """What the operations need from the process: settings, the store, and the bots (if
    this server also runs them) to wake and to hand a reloaded matcher."""

    def __init__(self, settings, store, calendar, apps: dict[str, Any] | None = None) -> None:
        self.settings = settings
        self.store = store
        self.calendar = calendar
        self.apps = apps or {}
        self.env_tokens: dict = {}


API_KEY: web.AppKey[ApiContext] = web.AppKey("api", ApiContext)


def _ctx(request: web.Request) -> ApiContext:
    return request.app[API_KEY]


# --------------------------------------------------------------------------- helpers


def _cursor(last_id: int | None) -> str | None:
    return None if last_id is None else base64.urlsafe_b64encode(f"r{last_id}".encode()).decode()


def _after(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        if text.startswith("r") and text[1:].isdigit() and 0 < int(text[1:]) <= s.MAX_ID:
            return int(text[1:])
    except (ValueError, binascii.Error, UnicodeError):
        pass
    raise ApiError(
        422,
        s.Invalid(
            error="invalid",
            detail="invalid input",
            fields=[s.FieldError(location="query", field="cursor", message="not a cursor")],
        ),
    )


async def _claims(ids: list[int]) -> dict[int, int]:
    rows = await desk.Claim.filter(request_id__in=ids).values_list("request_id", "operator_id")
    return dict(rows)


def _summary(request: ServiceRequest, operator_id: int | None, cls=s.RequestSummary, **extra):
    state = sla.clock_of(request)
    return cls(
        id=request.id,
        tracking_code=request.tracking_code,
        status=request.status,
        service=request.service.code,
        service_title=request.service.title,
        messenger=request.citizen.messenger,
        submitted_at=request.submitted_at,
        closed_at=request.closed_at,
        deadline=request.deadline,
        remaining_days=state.remaining_days,
        late=request.is_open and state.late,
        paused=state.paused,
        operator_id=operator_id,
        **extra,
    )


async def _load(request_id: int) -> ServiceRequest:
    found = await ServiceRequest.get_or_none(id=request_id).prefetch_related("service", "citizen")
    if found is None:
        raise error(404, "not_found", "no such request")
    return found


async def _detail(request_id: int) -> s.RequestDetail:
    request = await _load(request_id)
    events = await StatusEvent.filter(request_id=request.id).order_by("id")
    documents = await RequestDocument.filter(request_id=request.id).order_by("id")
    notes = await desk.DeskAction.filter(request_id=request.id, action=NOTE).order_by("id")
    claims = await _claims([request.id])
    return _summary(
        request,
        claims.get(request.id),
        s.RequestDetail,
        national_code=mask_national_code(request.national_code) if request.national_code else None,
        mobile=mask_mobile(request.mobile) if request.mobile else None,
        answers=request.answers or {},
        terms=s.FiledTerms.model_validate(request.terms) if request.terms else None,
        paused_days=request.paused_days or 0,
        docs_wanted=request.docs_wanted,
        docs_due=request.docs_due,
        rating=request.rating,
        rating_comment=request.rating_comment or "",
        history=[
            s.HistoryEvent(
                status=e.status,
                actor=e.actor,
                note=e.note,
                created_at=e.created_at,
                delivered=e.delivered_at is not None,
            )
            for e in events
        ],
        documents=[
            s.DocumentInfo(
                id=d.id,
                key=d.document_key,
                mime=d.mime,
                size=d.size,
                created_at=d.created_at,
                url=f"/requests/{request.id}/documents/{d.id}/file",
            )
            for d in documents
        ],
        notes=[
            s.Note(id=n.id, actor=n.actor, text=n.detail, created_at=n.created_at) for n in notes
        ],
    )


def _conflict(request: ServiceRequest, detail: str) -> ApiError:
    current = RequestStatus(request.status)
    return ApiError(
        409,
        s.Conflict(
            error="illegal_transition",
            detail=detail,
            current=current,
            allowed=sorted(TRANSITIONS[current]),
        ),
    )


async def _tell_group(ctx: ApiContext, request: ServiceRequest) -> None:
    """The group's message of the request shows its new status, as after a button press."""
    messenger = request.citizen.messenger
    chat_id = ctx.settings.operator_chat_id(messenger)
    if chat_id is not None:
        await outbox.enqueue(
            messenger,
            chat_id,
            STATUS_EDIT,
            ref=request.id,
            dedup_key=f"api:{request.id}:{clock.now().timestamp()}:edit",
        )


def _wake(ctx: ApiContext) -> None:
    for app in ctx.apps.values():
        from handlers.deps import KEY

        deps = app.bot_data.get(KEY)
        if deps is not None:
            deps.wake_workers()


# --------------------------------------------------------------------------- operations


@route(
    "GET", "/requests", "List requests, newest first, by cursor", Scope.READ,
    query=s.ListQuery, response=s.RequestPage,
)  # fmt: skip
async def list_requests(request: web.Request, caller: Caller, *, query: s.ListQuery):
    after = _after(query.cursor)
    where = RequestFilter(
        status=query.status,
        service=query.service,
        messenger=query.messenger,
        filed_from=query.filed_from,
        filed_to=query.filed_to,
        late=query.late,
        operator_id=query.operator_id,
        tracking_code=query.tracking_code,
    )
    rows, last = await page_of_requests(where, after=after, limit=query.limit)
    claims = await _claims([r.id for r in rows])
    return s.RequestPage(
        items=[_summary(r, claims.get(r.id)) for r in rows], next_cursor=_cursor(last)
    )


@route(
    "GET", "/requests/{request_id}", "One request with its history, documents and terms",
    Scope.READ, path_model=s.RequestPath, response=s.RequestDetail,
)  # fmt: skip
async def get_request(request: web.Request, caller: Caller, *, path: s.RequestPath):
    return await _detail(path.request_id)


@route(
    "GET", "/requests/{request_id}/documents/{document_id}/file", "A document's file",
    Scope.READ, path_model=s.DocumentPath,
    content={t: {"schema": {"type": "string", "contentMediaType": t}} for t in DOC_TYPES},
)  # fmt: skip
async def get_document_file(request: web.Request, caller: Caller, *, path: s.DocumentPath):
    document = await RequestDocument.get_or_none(id=path.document_id, request_id=path.request_id)
    if document is None:
        raise error(404, "not_found", "no such document")
    try:
        file_path = _ctx(request).store.path_of(document.path)
        exists = await asyncio.to_thread(file_path.is_file)
    except (StorageError, ValueError, OSError):
        exists = False
    if not exists:
        raise error(404, "file_missing", "the document's file is not in the store")
    mime = document.mime if document.mime in DOC_TYPES else "application/octet-stream"
    return web.FileResponse(file_path, headers={"Content-Type": mime})


@route(
    "POST", "/requests/{request_id}/status", "Change a request's status (the citizen is told)",
    Scope.WRITE, path_model=s.RequestPath, body=s.StatusChange, response=s.RequestDetail,
    errors=(409,),
)  # fmt: skip
async def change_status(
    request: web.Request, caller: Caller, *, path: s.RequestPath, body: s.StatusChange
):
    ctx = _ctx(request)
    target = await _load(path.request_id)
    if body.status == RequestStatus.NEEDS_DOCUMENTS:
        raise _conflict(target, "ask for documents with POST /requests/{id}/documents-request")
    try:
        async with in_transaction():
            await target.move_to(body.status, actor=caller.actor, note=body.note)
            await desk.record(caller.actor, "status", target.id, detail=body.status.value)
            await _tell_group(ctx, target)
    except IllegalTransition:
        await target.refresh_from_db(fields=["status"])
        raise _conflict(target, f"{target.status} cannot move to {body.status}") from None
    _wake(ctx)
    return await _detail(target.id)


@route(
    "POST", "/requests/{request_id}/documents-request",
    "Ask the citizen for documents (as the group's «نیاز به مدرک»)",
    Scope.WRITE, path_model=s.RequestPath, body=s.AskDocuments, response=s.RequestDetail,
    errors=(409,),
)  # fmt: skip
async def ask_documents(
    request: web.Request, caller: Caller, *, path: s.RequestPath, body: s.AskDocuments
):
    ctx = _ctx(request)
    target = await _load(path.request_id)
    known = {str(d["key"]): str(d["title"]) for d in sla.filed_documents(target)}
    wrong = [f"documents.{n}" for n, key in enumerate(body.documents) if key not in known]
    if wrong or not (body.documents or body.note.strip()):
        fields = [
            s.FieldError(location="body", field=name, message="not a document of this request")
            for name in wrong
        ] or [s.FieldError(location="body", field="documents", message="name at least one")]
        raise ApiError(422, s.Invalid(error="invalid", detail="invalid input", fields=fields))
    items = [{"key": key, "title": known[key]} for key in dict.fromkeys(body.documents)]
    if body.note.strip():
        items.append({"key": "other", "title": body.note.strip()})
    try:
        async with in_transaction():
            await ask_for_documents(target, items, actor=caller.actor)
            await desk.record(caller.actor, "status", target.id, detail="needs_documents")
            await _tell_group(ctx, target)
    except IllegalTransition:
        await target.refresh_from_db(fields=["status"])
        raise _conflict(target, f"{target.status} cannot wait for documents") from None
    _wake(ctx)
    return await _detail(target.id)


@route(
    "POST", "/requests/{request_id}/notes", "Add a staff note (the citizen does not see it)",
    Scope.WRITE, path_model=s.RequestPath, body=s.NewNote, ok=201, response=s.Note,
)  # fmt: skip
async def add_note(request: web.Request, caller: Caller, *, path: s.RequestPath, body: s.NewNote):
    target = await _load(path.request_id)
    row = await desk.record(caller.actor, NOTE, target.id, detail=body.text)
    return s.Note(id=row.id, actor=row.actor, text=row.detail, created_at=row.created_at)


@route(
    "GET", "/report", "The SLA report (the numbers behind /report)", Scope.READ,
    query=s.ReportQuery, response=s.Report,
)  # fmt: skip
async def get_report(request: web.Request, caller: Caller, *, query: s.ReportQuery):
    period = parse_period(query.period, clock.now())
    if period is None:
        raise ApiError(
            422,
            s.Invalid(
                error="invalid",
                detail="invalid input",
                fields=[
                    s.FieldError(
                        location="query",
                        field="period",
                        message="week, month or a Jalali range YYYY/MM/DD-YYYY/MM/DD",
                    )
                ],
            ),
        )
    rows = await build(period, _ctx(request).calendar)
    return s.Report(
        start=period.start,
        end=period.end,
        rows=[
            s.ReportRow(
                service=r.code,
                title=r.title,
                total=r.total,
                counts=dict(r.counts),
                done_within_sla=r.within_sla,
                sla_share=r.sla_share,
                median_days_to_done=r.median_days,
                rating_average=r.rating,
            )
            for r in rows
        ],
    )


@route(
    "GET", "/catalog", "The services of the catalog, as seeded", Scope.READ,
    response=s.CatalogService, list_of=True,
)  # fmt: skip
async def get_catalog(request: web.Request, caller: Caller):
    services = await Service.all().order_by("position", "code").prefetch_related("documents")
    return [
        s.CatalogService(
            code=sv.code,
            title=sv.title,
            category=sv.category_id,  # type: ignore[attr-defined]
            flow=sv.flow,
            duration_days=sv.duration_days,
            active=sv.active,
            documents=[
                s.CatalogDocument(key=d.key, title=d.title, required=d.required)
                for d in sorted(sv.documents, key=lambda d: d.position)
            ],
        )
        for sv in services
    ]


@route(
    "POST", "/catalog/reload", "Load the catalog files into the database again", Scope.WRITE,
    response=s.ReloadResult,
)  # fmt: skip
async def reload_catalog(request: web.Request, caller: Caller):
    ctx = _ctx(request)
    catalog = await asyncio.to_thread(load_catalog)
    report = await seed_catalog(catalog)
    await desk.record(caller.actor, "catalog_reload")
    # Every bot process rebuilds its matcher when this version moves (bot.learning); this
    # one, if it runs bots, does it now so that the answer can say so.
    version = await bump_matcher_version()
    reloaded = False
    if ctx.apps:
        from bot.app import load_matcher
        from handlers.deps import KEY

        matcher = await load_matcher()
        for app in ctx.apps.values():
            app.bot_data[KEY].matcher = matcher
            app.bot_data[KEY].matcher_version = version
        reloaded = True
    return s.ReloadResult(
        created=report.created,
        updated=report.updated,
        deactivated=report.deactivated,
        matcher_reloaded=reloaded,
    )
