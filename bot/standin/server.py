"""The HTTP side: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>`` on aiohttp.

Only plumbing lives here (token check, method lookup, profile gaps, injected delays
and faults, JSON shaping, call recording); the methods themselves are in
:mod:`bot.standin.methods`.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.standin.errors import ApiError, method_not_found, unauthorized
from bot.standin.methods import METHODS
from bot.standin.params import Params
from bot.standin.profiles import MB
from bot.standin.state import ApiCall

if TYPE_CHECKING:
    from bot.standin.core import BotApiStandIn

STANDIN_KEY: web.AppKey[Any] = web.AppKey("standin", object)


def _dumps(value: Any) -> str:
    """Readable JSON; ``\\u`` escapes only when a string holds a lone surrogate, which UTF-8
    cannot carry but Telegram's JSON can (a forged ``\\ud800`` in callback data)."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


def make_app(standin: BotApiStandIn) -> web.Application:
    # Room for a maximal upload plus the other multipart fields; bigger is a 413.
    app = web.Application(client_max_size=standin.profile.max_upload_bytes + 2 * MB)
    app[STANDIN_KEY] = standin
    app.router.add_route("*", "/bot{token}/{method}", _api)
    app.router.add_route("GET", "/file/bot{token}/{path:.+}", _download)
    return app


def _reply(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.status, dumps=_dumps)


async def _api(request: web.Request) -> web.Response:
    standin: BotApiStandIn = request.app[STANDIN_KEY]
    if request.match_info["token"] != standin.token:
        return _reply(unauthorized())
    name = request.match_info["method"]
    key = name.lower()
    params = Params({})
    try:
        params = await Params.from_request(request)
        handler = METHODS.get(key)
        if handler is None:
            raise method_not_found()
        if not standin.profile.supports(key):
            raise standin.profile.unsupported_error()
        delay = standin.delay_for(key)
        if delay:
            await asyncio.sleep(delay)
        fault = standin.take_fault(key, params)
        if isinstance(fault, ApiError):
            raise fault
        result = await handler(standin, params)
        if fault is not None:  # done, but the answer comes after the client stopped waiting
            await asyncio.sleep(fault.seconds)
    except ApiError as error:
        if request.transport is None or request.transport.is_closing():
            return _reply(error)  # e.g. a long poll superseded after its client left
        standin.record(
            ApiCall(name, params.logged(), error.status, standin.state.clock(), error.description)
        )
        return _reply(error)
    except web.HTTPRequestEntityTooLarge:
        error = ApiError(413, "Request Entity Too Large")
        standin.record(ApiCall(name, {}, 413, standin.state.clock(), error.description))
        return _reply(error)
    standin.record(ApiCall(name, params.logged(), 200, standin.state.clock()))
    standin.touch()
    return web.json_response({"ok": True, "result": result}, dumps=_dumps)


async def _download(request: web.Request) -> web.StreamResponse:
    standin: BotApiStandIn = request.app[STANDIN_KEY]
    if request.match_info["token"] != standin.token:
        return _reply(unauthorized())
    stored = standin.state.files.by_path(request.match_info["path"])
    if stored is None or stored.data is None:
        return _reply(ApiError(404, "Not Found"))
    return web.Response(
        body=stored.data, content_type=stored.mime_type or "application/octet-stream"
    )
