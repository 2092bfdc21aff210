"""One table of routes, read twice: by aiohttp to serve them and by :func:`openapi` to
describe them. A route names its scope, its path/query/body models and its responses; the
wrapper made here authenticates, parses (422 naming the field), and turns
:class:`ApiError` into the documented JSON body. Nothing about an operation is written twice.

Errors::

    ApiError(status, body)     any documented error: 401, 403, 404, 409, 422
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from bot.api.schemas import Error, FieldError, Invalid
from models.apitoken import Caller, Scope

__all__ = ["CALLER_KEY", "ApiError", "Route", "error", "openapi", "route", "routes"]

log = logging.getLogger(__name__)

CALLER_KEY: web.RequestKey[Caller] = web.RequestKey("caller", Caller)
Handler = Callable[..., Awaitable[Any]]

ERROR_TEXT = {
    401: "no valid bearer token",
    403: "this token may only read",
    404: "not found",
    409: "not allowed in the request's status",
    422: "invalid input",
}


class ApiError(Exception):
    """A documented error response."""

    def __init__(self, status: int, body: BaseModel) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def error(status: int, code: str, detail: str | None = None) -> ApiError:
    return ApiError(status, Error(error=code, detail=detail or ERROR_TEXT.get(status, code)))


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str  # under /api/v1, with {name} parameters
    handler: Handler
    summary: str
    scope: Scope | None  # None: public
    path_model: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    ok: int = 200
    response: type[BaseModel] | None = None
    list_of: bool = False
    content: dict[str, Any] | None = None  # a non-JSON success body: {media type: schema}
    errors: tuple[int, ...] = field(default=())

    @property
    def statuses(self) -> tuple[int, ...]:
        codes: set[int] = set(self.errors)
        if self.scope is not None:
            codes.add(401)
        if self.scope == Scope.WRITE:
            codes.add(403)
        if self.path_model or self.query or self.body:
            codes.add(422)
        if self.path_model:
            codes.add(404)
        return tuple(sorted(codes))


_ROUTES: list[Route] = []


def routes() -> list[Route]:
    return list(_ROUTES)


def route(method: str, path: str, summary: str, scope: Scope | None, **kwargs: Any):
    """Register the decorated coroutine as an operation (see :class:`Route`)."""

    def decorate(handler: Handler) -> Handler:
        _ROUTES.append(Route(method, path, handler, summary, scope, **kwargs))
        return handler

    return decorate


def _invalid(location: str, exc: ValidationError) -> ApiError:
    fields = [
        FieldError(
            location=location,  # type: ignore[arg-type]
            field=".".join(str(part) for part in err["loc"]) or location,
            message=err["msg"],
        )
        for err in exc.errors(include_url=False, include_input=False)
    ]
    return ApiError(422, Invalid(error="invalid", detail=ERROR_TEXT[422], fields=fields))


def _parse(location: str, model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(location, exc) from None


async def _body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    raw = await request.read()
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        data = raw.decode("utf-8", "replace")  # fails validation below as "not an object"
    if not isinstance(data, dict):
        raise ApiError(
            422,
            Invalid(
                error="invalid",
                detail="the body must be a JSON object",
                fields=[FieldError(location="body", field="body", message="a JSON object")],
            ),
        )
    return _parse("body", model, data)


def json_response(status: int, body: Any) -> web.Response:
    if isinstance(body, BaseModel):
        text = body.model_dump_json()
    else:
        text = json.dumps(body, ensure_ascii=False, default=str)
    return web.Response(status=status, text=text, content_type="application/json")


def wrap(r: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def serve(request: web.Request) -> web.StreamResponse:
        try:
            caller: Caller | None = request.get(CALLER_KEY)
            if r.scope is not None and caller is None:
                raise error(401, "unauthorized")
            if r.scope == Scope.WRITE and caller is not None and not caller.can_write:
                raise error(403, "forbidden")
            kwargs: dict[str, Any] = {}
            if r.path_model is not None:
                kwargs["path"] = _parse("path", r.path_model, dict(request.match_info))
            if r.query is not None:
                kwargs["query"] = _parse("query", r.query, dict(request.query))
            if r.body is not None:
                kwargs["body"] = await _body(request, r.body)
            result = await r.handler(request, caller, **kwargs)
        except ApiError as exc:
            return json_response(exc.status, exc.body)
        if isinstance(result, web.StreamResponse):
            return result
        if r.list_of:
            return web.Response(
                status=r.ok,
                text="[" + ",".join(item.model_dump_json() for item in result) + "]",
                content_type="application/json",
            )
        return json_response(r.ok, result)

    serve.__name__ = r.handler.__name__
    return serve


# --------------------------------------------------------------------------- OpenAPI


def _models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for r in _ROUTES:
        for model in (r.response, r.body):
            if model is not None:
                found[model.__name__] = model
    for model in (Error, Invalid):
        found[model.__name__] = model
    from bot.api.schemas import Conflict

    found[Conflict.__name__] = Conflict
    return list(found.values())


def _parameters(model: type[BaseModel], where: str) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.get("$defs", {})
    params = []
    required = set(schema.get("required", ()))
    for name, prop in schema["properties"].items():
        prop = _inline(prop, defs)
        description = prop.pop("description", None)
        param: dict[str, Any] = {
            "name": name,
            "in": where,
            "required": where == "path" or name in required,
            "schema": prop,
        }
        if description:
            param["description"] = description
        params.append(param)
    return params


def _inline(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Parameters carry their schema inline (enums in query strings), not as references."""
    text = json.dumps(prop)
    for name, definition in defs.items():
        text = text.replace(
            json.dumps({"$ref": f"#/components/schemas/{name}"}), json.dumps(definition)
        )
    return json.loads(text)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _error_model(status: int) -> type[BaseModel]:
    from bot.api.schemas import Conflict

    return {409: Conflict, 422: Invalid}.get(status, Error)


def openapi(base: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI 3.1 document of every registered route."""
    _, top = models_json_schema(
        [(m, "serialization") for m in _models()],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for r in _ROUTES:
        op: dict[str, Any] = {"operationId": r.handler.__name__, "summary": r.summary}
        params: list[dict[str, Any]] = []
        if r.path_model is not None:
            params += _parameters(r.path_model, "path")
        if r.query is not None:
            params += _parameters(r.query, "query")
        if params:
            op["parameters"] = params
        if r.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(r.body)}},
            }
        if r.content is not None:
            success: dict[str, Any] = {"description": "OK", "content": r.content}
        elif r.response is not None:
            schema = {"type": "array", "items": _ref(r.response)} if r.list_of else _ref(r.response)
            success = {"description": "OK", "content": {"application/json": {"schema": schema}}}
        else:
            success = {"description": "OK", "content": {"application/json": {"schema": {}}}}
        responses = {str(r.ok): success}
        for status in r.statuses:
            responses[str(status)] = {
                "description": ERROR_TEXT[status],
                "content": {"application/json": {"schema": _ref(_error_model(status))}},
            }
        op["responses"] = responses
        if r.scope is not None:
            op["security"] = [{"bearer": []}]
            op["x-scope"] = r.scope.value
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "skedbot back-office API",
            "version": "1",
            "description": "Requests, their documents and history, the SLA report and the "
            "catalog of the e-service desk. Bearer tokens with scope read or write.",
        },
        "servers": [{"url": base}],
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
