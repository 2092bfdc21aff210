"""The HTTP client under python-telegram-bot: httpx (PTB's own) or aiohttp.

PTB talks to the Bot API through a :class:`~telegram.request.BaseRequest`; its default is
httpx. :class:`AiohttpRequest` is the same contract on aiohttp (the server side already runs
on it): the same timeouts (connect, read, write, pool; a longer write for uploads), uploads
as multipart form data, and aiohttp's failures mapped to PTB's own exceptions — a timeout is
``TimedOut``, any other client error ``NetworkError`` — so the rest of the bot cannot tell
the two apart. ``SKEDBOT_HTTP_CLIENT`` chooses; ``bench/transport.py`` measures both.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

__all__ = ["HTTP_CLIENTS", "AiohttpRequest", "new_request"]

HTTP_CLIENTS = ("httpx", "aiohttp")
_FORM = "application/x-www-form-urlencoded"


class AiohttpRequest(BaseRequest):
    """PTB's request contract on one aiohttp session (created on initialise)."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    @staticmethod
    def _body(request_data: RequestData | None) -> tuple[Any, str | None]:
        """The body and its content type: plain parameters URL-encoded here (handed a dict,
        aiohttp builds a multipart writer, a uuid4 boundary included, on every call: 4% of
        a bot process's CPU under a burst); with files, everything as multipart form data."""
        if request_data is None:
            return None, None
        parameters = request_data.json_parameters
        files = request_data.multipart_data
        if not files:
            return urlencode(parameters).encode(), _FORM
        form = aiohttp.FormData()
        for name, value in parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mime) in files.items():
            form.add_field(name, content, filename=filename, content_type=mime)
        return form, None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        has_files = bool(request_data and request_data.multipart_data)

        def pick(value: Any, default: float | None) -> float | None:
            return default if isinstance(value, DefaultValue) else value

        read = pick(read_timeout, self._read_timeout)
        connect = pick(connect_timeout, self._connect_timeout)
        pool = pick(pool_timeout, self._pool_timeout)
        write = pick(write_timeout, self._media_write_timeout if has_files else self._write_timeout)
        # aiohttp has no separate pool and write timeouts: waiting for a pooled connection
        # counts in ``connect``; sending the body before the answer counts in ``sock_read``.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None else connect + (pool or 0.0),
            sock_connect=connect,
            sock_read=None if read is None else read + (write or 0.0),
        )
        body, content_type = self._body(request_data)
        headers = {"User-Agent": self.USER_AGENT}
        if content_type is not None:
            headers["Content-Type"] = content_type
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # asyncio's and aiohttp's (ServerTimeoutError) alike
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
        except asyncio.CancelledError:
            raise


def new_request(client: str, *, connection_pool_size: int, timeout: float = 5.0) -> BaseRequest:
    """A Bot API transport of the chosen kind (``httpx`` or ``aiohttp``): ``timeout`` seconds
    each to connect, send and be answered, four times that to send an upload (PTB's own
    defaults are 5 and 20)."""
    timeouts = {
        "read_timeout": timeout,
        "write_timeout": timeout,
        "connect_timeout": timeout,
        "media_write_timeout": 4 * timeout,
    }
    if client == "aiohttp":
        return AiohttpRequest(connection_pool_size=connection_pool_size, **timeouts)
    if client == "httpx":
        return HTTPXRequest(connection_pool_size=connection_pool_size, **timeouts)
    raise ValueError(f"unknown HTTP client {client!r}; expected one of {HTTP_CLIENTS}")
