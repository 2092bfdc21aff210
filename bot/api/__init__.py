"""The back-office HTTP API under ``/api/v1``: JSON, bearer tokens, an OpenAPI 3.1 document.

``skedbot api`` serves it alone (``SKEDBOT_API_HOST``/``SKEDBOT_API_PORT``); the webhook
server mounts the same application beside ``/webhook/…``. Operations are declared once in
:mod:`bot.api.routes` (see :mod:`bot.api.spec`); ``GET /api/v1/openapi.json`` describes them.
A database that is busy or unreachable for a moment (SQLite locked by another process, a
PostgreSQL connection cut) is a 503 with ``Retry-After``: the caller should simply try
again. Any other unexpected failure is logged here and answered as a bare 500 JSON body,
never a trace.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from tortoise.exceptions import DBConnectionError, OperationalError

from bot.api import routes as _routes  # noqa: F401  (registers the operations)
from bot.api.routes import API_KEY, ApiContext
from bot.api.spec import CALLER_KEY, error, json_response, openapi, routes, wrap
from bot.settings import Settings
from models.apitoken import authenticate, parse_env_tokens

__all__ = ["API_PREFIX", "ApiContext", "build_api_app", "context_from", "mount_api", "serve_api"]

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
MAX_BODY_BYTES = 256 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who is calling (the route decides if that is enough), and JSON for every error."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        caller = await authenticate(token.strip(), request.app[API_KEY].env_tokens)
        if caller is not None:
            request[CALLER_KEY] = caller
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status == 413:
            return json_response(413, error(413, "too_large", "the body is too large").body)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status, "http_error")
        return json_response(exc.status, error(exc.status, code, exc.reason).body)
    except (DBConnectionError, OperationalError, ConnectionError) as exc:
        log.warning("API %s %s: database unavailable (%s)", request.method, request.path, exc)
        body = error(503, "unavailable", "the database is busy; try again").body
        response = json_response(503, body)
        response.headers["Retry-After"] = "1"
        return response
    except Exception:
        log.exception("API %s %s failed", request.method, request.path)
        return json_response(500, {"error": "internal", "detail": "internal error"})


async def _openapi(request: web.Request) -> web.Response:
    return json_response(200, openapi(API_PREFIX))


def build_api_app(context: ApiContext) -> web.Application:
    """The API as an aiohttp application, to mount at :data:`API_PREFIX`."""
    app = web.Application(middlewares=[_guard], client_max_size=MAX_BODY_BYTES)
    app[API_KEY] = context
    app.router.add_get("/openapi.json", _openapi)
    for r in routes():
        app.router.add_route(r.method, r.path, wrap(r))
    return app


def context_from(settings: Settings, store: Any, calendar: Any, apps: dict | None = None):
    context = ApiContext(settings, store, calendar, apps)
    secret = settings.api_tokens.get_secret_value() if settings.api_tokens else ""
    context.env_tokens = parse_env_tokens(secret)
    return context


def mount_api(root: web.Application, context: ApiContext) -> None:
    root.add_subapp(API_PREFIX, build_api_app(context))


async def serve_api(settings: Settings) -> None:
    """``skedbot api``: the API alone, until SIGINT/SIGTERM."""
    from bot.app import shared_resources
    from bot.db import close_db, prepare_database
    from bot.health import Readiness, add_health_routes
    from bot.runtime import wait_for_stop
    from models import sla

    await prepare_database(settings.database_url)
    try:
        resources = await shared_resources(settings, matcher=_NO_MATCHER)
        sla.use_calendar(resources.calendar, settings.documents_wait_days)
        root = web.Application()
        add_health_routes(root, Readiness.of(settings))  # no messenger: no Bot API check
        mount_api(root, context_from(settings, resources.store, resources.calendar))
        runner = web.AppRunner(root, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.api_host, settings.api_port).start()
            log.info("API on %s:%s%s", settings.api_host, settings.api_port, API_PREFIX)
            await wait_for_stop()
        finally:
            await runner.cleanup()
    finally:
        await close_db()


_NO_MATCHER: Any = object()
"""The API alone matches no citizen text: no matcher index is built for it."""
