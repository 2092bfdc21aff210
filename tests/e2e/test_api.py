"""The back-office API over real HTTP: tokens and scopes, every operation, every error
status, and a status changed through it reaching the citizen once via the stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.api import build_api_app, context_from
from bot.outbox import deliver_outbox
from bot.settings import Settings
from models import clock, desk, sla
from models.apitoken import create_token
from models.catalog import load_catalog
from models.citizen import Citizen
from models.identifiers import new_tracking_code
from models.request import RequestDocument, RequestStatus, ServiceRequest, StatusEvent
from models.service import Service
from models.storage import DocumentStore
from models.workdays import WorkCalendar
from tests.e2e.conftest import OPERATOR_CHAT
from tests.e2e.test_operator import make_request

READ = "reader-secret-token"
WRITE = "writer-secret-token"
TOKENS = f"dashboard:read:{READ},crm:write:{WRITE}"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(100)


class Api:
    """A client of the API served on a free port; ``token`` is sent as the bearer."""

    def __init__(self, http: aiohttp.ClientSession, base: str, store: DocumentStore) -> None:
        self.http = http
        self.base = base
        self.store = store

    async def call(
        self, method: str, path: str, token: str | None = WRITE, **kwargs: Any
    ) -> tuple[int, Any]:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with self.http.request(
            method, self.base + path, headers=headers, **kwargs
        ) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, (response.content_type, await response.read())


async def serve(settings: Settings, apps: dict | None = None) -> AsyncIterator[Api]:
    store = DocumentStore(settings.storage_dir)
    context = context_from(settings, store, WorkCalendar(), apps)
    root = web.Application()
    root.add_subapp("/api/v1", build_api_app(context))
    runner = web.AppRunner(root, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Api(http, f"http://127.0.0.1:{runner.addresses[0][1]}/api/v1", store)
    finally:
        await runner.cleanup()


@pytest.fixture
async def api(seeded_db, tmp_path: Path) -> AsyncIterator[Api]:
    settings = Settings(_env_file=None, storage_dir=tmp_path / "docs", api_tokens=TOKENS)
    async for client in serve(settings):
        yield client


async def filed(
    user_id: int = 1001,
    messenger: str = "bale",
    service_code: str = "meter-replacement",
    deadline: datetime | None = None,
) -> ServiceRequest:
    """A request filed with its terms, as the dialog files it."""
    citizen, _ = await Citizen.get_or_create(
        messenger=messenger, user_id=user_id, defaults={"chat_id": user_id, "first_name": "مریم"}
    )
    service = await Service.get(code=service_code)
    card = service.to_card()
    return await ServiceRequest.create(
        tracking_code=new_tracking_code(),
        citizen=citizen,
        service=service,
        answers={"address": "کرمان"},
        national_code="0076229645",
        mobile="09123456789",
        terms=sla.filed_terms(card),
        deadline=deadline or clock.now() + timedelta(days=10),
    )


# --------------------------------------------------------------------------- authorisation


async def test_openapi_document_is_public_and_names_every_operation(api: Api) -> None:
    status, doc = await api.call("GET", "/openapi.json", token=None)
    assert status == 200
    assert doc["openapi"].startswith("3.1")
    ops = {(m, p) for p, item in doc["paths"].items() for m in item}
    assert ("post", "/requests/{request_id}/status") in ops
    assert ("get", "/requests/{request_id}/documents/{document_id}/file") in ops
    assert doc["paths"]["/requests/{request_id}/status"]["post"]["responses"]["409"]
    assert "RequestDetail" in doc["components"]["schemas"]


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no token at all
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {READ}"},  # right secret, wrong scheme
        {"Authorization": "Bearer "},
    ],
)
async def test_without_a_valid_token_401(api: Api, headers: dict[str, str]) -> None:
    async with api.http.get(api.base + "/requests", headers=headers) as response:
        assert response.status == 401
        body = await response.json()
    assert body["error"] == "unauthorized"


async def test_read_token_reads_but_may_not_write(api: Api) -> None:
    request = await filed()
    assert (await api.call("GET", "/requests", token=READ))[0] == 200
    for path, body in (
        (f"/requests/{request.id}/status", {"status": "in_review"}),
        (f"/requests/{request.id}/notes", {"text": "x"}),
        (f"/requests/{request.id}/documents-request", {"note": "x"}),
        ("/catalog/reload", None),
    ):
        status, answer = await api.call("POST", path, token=READ, json=body)
        assert (status, answer["error"]) == (403, "forbidden"), path
    await request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


async def test_a_created_token_works_and_its_name_is_the_actor(api: Api) -> None:
    token = await create_token("backoffice", "write")
    request = await filed()
    status, _ = await api.call(
        "POST", f"/requests/{request.id}/status", token=token, json={"status": "in_review"}
    )
    assert status == 200
    events = await StatusEvent.filter(request_id=request.id).values_list("status", "actor")
    assert events == [("in_review", "api:backoffice")]
    assert await desk.DeskAction.filter(actor="api:backoffice", action="status").exists()


# --------------------------------------------------------------------------- reading


async def test_list_filters_and_cursor_pages(api: Api) -> None:
    old = await filed(1001, deadline=clock.now() - timedelta(days=5))  # late
    tg = await filed(1002, messenger="telegram")
    other = await filed(1003, service_code="capacity-change")
    await desk.claim(other.id, "bale", 9002, "رضا", actor="operator:bale:9002")
    await ServiceRequest.filter(id=old.id).update(submitted_at=datetime(2026, 1, 5, tzinfo=UTC))

    async def ids(**query: Any) -> list[int]:
        status, page = await api.call("GET", "/requests", params=query)
        assert status == 200, page
        return [item["id"] for item in page["items"]]

    assert await ids() == [other.id, tg.id, old.id]
    assert await ids(messenger="telegram") == [tg.id]
    assert await ids(service="capacity-change") == [other.id]
    assert await ids(late="true") == [old.id]
    assert await ids(operator_id=9002) == [other.id]
    assert await ids(status="submitted", filed_to="2026-02-01T00:00:00Z") == [old.id]
    assert await ids(filed_from="2026-02-01T00:00:00+03:30") == [other.id, tg.id]
    assert await ids(tracking_code=tg.tracking_code) == [tg.id]

    seen: list[int] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        _, page = await api.call("GET", "/requests", params=params)
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [other.id, tg.id, old.id]
    _, page = await api.call("GET", "/requests", params={"late": "true"})
    assert page["items"][0]["late"] is True and page["items"][0]["remaining_days"] < 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"filed_from": "yesterday"}, "filed_from"),
        ({"filed_from": "0001-01-01T00:00:00Z"}, "filed_from"),  # no SQL overflow
        ({"operator_id": str(2**40)}, "operator_id"),
        ({"service": "a\x00b"}, "service"),  # PostgreSQL text cannot hold NUL
        ({"colour": "red"}, "colour"),  # unknown filters are errors, not silently ignored
    ],
)
async def test_bad_filters_are_422_naming_the_field(
    api: Api, params: dict[str, str], field: str
) -> None:
    status, body = await api.call("GET", "/requests", params=params)
    assert status == 422
    assert [f["field"] for f in body["fields"]] == [field]
    assert body["fields"][0]["location"] == "query"


async def test_one_request_with_history_documents_and_terms(api: Api) -> None:
    request = await filed()
    stored = api.store.save(JPEG)
    document = await RequestDocument.create(
        request=request, document_key="meter-photo", sha256=stored.sha256,
        path=stored.relative_path, mime="image/jpeg", size=stored.size, messenger_file_id="f1",
    )  # fmt: skip
    await request.move_to(RequestStatus.IN_REVIEW, actor="operator:bale:9002")
    status, detail = await api.call("GET", f"/requests/{request.id}", token=READ)
    assert status == 200
    assert detail["tracking_code"] == request.tracking_code
    assert detail["terms"]["title"] == (await Service.get(code="meter-replacement")).title
    assert detail["terms"]["documents"]
    assert [(e["status"], e["actor"]) for e in detail["history"]] == [
        ("in_review", "operator:bale:9002")
    ]
    assert detail["national_code"] == "******9645"
    [doc] = detail["documents"]
    assert doc["id"] == document.id and doc["mime"] == "image/jpeg"

    status, (content_type, data) = await api.call("GET", doc["url"], token=READ)
    assert (status, content_type, data) == (200, "image/jpeg", JPEG)


async def test_missing_things_are_404(api: Api) -> None:
    request = await filed()
    gone = await RequestDocument.create(
        request=request, document_key="meter-photo", sha256="0" * 64,
        path=f"00/00/{'0' * 64}.jpg", mime="image/jpeg", size=1, messenger_file_id="x",
    )  # fmt: skip
    for path in (
        "/requests/999999",
        f"/requests/{request.id}/documents/999999/file",
        f"/requests/999999/documents/{gone.id}/file",  # another request's document
        f"/requests/{request.id}/documents/{gone.id}/file",  # row without its file
        "/nowhere",
    ):
        status, body = await api.call("GET", path)
        assert status == 404, path
        assert body["error"] in ("not_found", "file_missing")
    status, body = await api.call("POST", "/requests/999999/notes", json={"text": "x"})
    assert status == 404


async def test_bad_path_ids_are_422(api: Api) -> None:
    for path in ("/requests/abc", f"/requests/{2**40}", "/requests/0"):
        status, body = await api.call("GET", path)
        assert status == 422, path
        assert body["fields"][0] == {
            "location": "path",
            "field": "request_id",
            "message": body["fields"][0]["message"],
        }


# --------------------------------------------------------------------------- writing


async def test_status_change_and_the_illegal_move_409(api: Api) -> None:
    request = await filed()
    status, detail = await api.call(
        "POST", f"/requests/{request.id}/status", json={"status": "done", "note": "نصب شد"}
    )
    assert status == 200
    assert detail["status"] == "done" and detail["closed_at"] is not None
    assert detail["history"][-1] == {
        **detail["history"][-1], "status": "done", "actor": "api:crm", "note": "نصب شد",
    }  # fmt: skip
    status, body = await api.call(
        "POST", f"/requests/{request.id}/status", json={"status": "in_review"}
    )
    assert status == 409
    assert (body["error"], body["current"], body["allowed"]) == ("illegal_transition", "done", [])
    other = await filed(1002)
    await other.move_to(RequestStatus.IN_PROGRESS, actor="operator:bale:9002")
    status, body = await api.call(
        "POST", f"/requests/{other.id}/status", json={"status": "submitted"}
    )
    assert status == 409
    assert sorted(body["allowed"]) == ["cancelled", "done", "rejected"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "finished"}, "status"),
        ({}, "status"),
        ({"status": "done", "note": "x" * 1001}, "note"),
        ({"status": "done", "extra": 1}, "extra"),
        ([1, 2], "body"),
    ],
)
async def test_bad_status_bodies_are_422(api: Api, body: Any, field: str) -> None:
    request = await filed()
    status, answer = await api.call("POST", f"/requests/{request.id}/status", json=body)
    assert status == 422
    assert answer["fields"][0]["field"] == field


async def test_a_body_that_is_not_json_is_422(api: Api) -> None:
    request = await filed()
    status, answer = await api.call(
        "POST", f"/requests/{request.id}/status", data=b"\xff{not json",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert (status, answer["fields"][0]["field"]) == (422, "body")


async def test_asking_for_documents_is_the_groups_round_trip(api: Api) -> None:
    request = await filed()
    key = request.terms["documents"][0]["key"]
    title = request.terms["documents"][0]["title"]
    status, detail = await api.call(
        "POST", f"/requests/{request.id}/documents-request",
        json={"documents": [key], "note": "تصویر سند ملک"},
    )  # fmt: skip
    assert status == 200
    assert detail["status"] == "needs_documents" and detail["paused"] is True
    assert detail["docs_wanted"] == [
        {"key": key, "title": title},
        {"key": "other", "title": "تصویر سند ملک"},
    ]
    assert detail["docs_due"] is not None
    # the citizen's notice is owed, as after the group's «درخواست این مدارک»
    assert await StatusEvent.filter(
        request_id=request.id, status="needs_documents", delivered_at=None
    ).exists()
    status, body = await api.call(
        "POST", f"/requests/{request.id}/documents-request", json={"note": "باز هم"}
    )
    assert status == 409 and "in_review" in body["allowed"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"documents": ["no-such-document"]}, "documents.0"),
        ({}, "documents"),
        ({"note": "   "}, "documents"),
    ],
)
async def test_bad_documents_requests_are_422(api: Api, body: Any, field: str) -> None:
    request = await filed()
    status, answer = await api.call("POST", f"/requests/{request.id}/documents-request", json=body)
    assert status == 422
    assert answer["fields"][0]["field"] == field
    await request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


async def test_staff_notes(api: Api) -> None:
    request = await filed()
    status, note = await api.call(
        "POST", f"/requests/{request.id}/notes", json={"text": "تماس گرفته شد"}
    )
    assert status == 201 and note["actor"] == "api:crm"
    _, detail = await api.call("GET", f"/requests/{request.id}")
    assert [n["text"] for n in detail["notes"]] == ["تماس گرفته شد"]
    assert detail["history"] == []  # a note tells the citizen nothing
    status, body = await api.call("POST", f"/requests/{request.id}/notes", json={"text": ""})
    assert (status, body["fields"][0]["field"]) == (422, "text")


# --------------------------------------------------------------------------- report, catalog


async def test_report_is_the_numbers_behind_report(api: Api) -> None:
    request = await filed()
    await request.move_to(RequestStatus.DONE, actor="operator:bale:9002")
    await filed(1002)
    status, report = await api.call("GET", "/report", token=READ, params={"period": "week"})
    assert status == 200
    [row] = report["rows"]
    assert row["service"] == "meter-replacement"
    assert (row["total"], row["counts"], row["done_within_sla"]) == (
        2, {"done": 1, "submitted": 1}, 1,
    )  # fmt: skip
    assert row["sla_share"] == 1.0
    status, body = await api.call("GET", "/report", params={"period": "1405/13/01-1405/13/02"})
    assert (status, body["fields"][0]["field"]) == (422, "period")


async def test_catalog_and_its_reload(api: Api) -> None:
    status, services = await api.call("GET", "/catalog", token=READ)
    assert status == 200
    codes = {s["code"] for s in services}
    assert codes == {card.code for card in load_catalog().services}
    await Service.filter(code="meter-replacement").update(title="عنوان کهنه")
    status, result = await api.call("POST", "/catalog/reload")
    assert status == 200 and result["updated"] >= 1 and result["matcher_reloaded"] is False
    service = await Service.get(code="meter-replacement")
    assert service.title != "عنوان کهنه"
    assert await desk.DeskAction.filter(actor="api:crm", action="catalog_reload").exists()


# --------------------------------------------------------------------------- the citizen


async def test_a_status_changed_through_the_api_reaches_the_citizen_once(
    harness, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,
        storage_dir=tmp_path / "docs",
        api_tokens=TOKENS,
        **{f"{harness.messenger}_operator_chat_id": OPERATOR_CHAT},
    )
    citizen = harness.person(1001)
    request = await make_request(harness)
    async for api in serve(settings, {harness.messenger: harness.app}):
        status, _ = await api.call(
            "POST", f"/requests/{request.id}/status",
            json={"status": "in_progress", "note": "کارشناس فردا مراجعه می‌کند"},
        )  # fmt: skip
        assert status == 200
        [notice] = await citizen.wait_for_reply()
        assert request.tracking_code[-4:] in notice.text or "کارشناس فردا" in notice.text
        await deliver_outbox({harness.messenger: harness.app})  # nothing more is owed
        await asyncio.sleep(0.5)
        assert len(harness.standin.messages(1001)) == 1
        assert not await StatusEvent.filter(delivered_at=None).exists()
