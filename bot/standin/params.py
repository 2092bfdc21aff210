"""Decoding of Bot API request parameters.

PTB (httpx) posts ``application/x-www-form-urlencoded`` or ``multipart/form-data``
where every non-string value is JSON-encoded, other clients post JSON bodies or use
GET query strings. :class:`Params` hides those differences so a method reads
``params.get_int("chat_id")`` whatever the transport was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.standin.errors import ApiError, bad_request

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {self.content_type!r}, {len(self.data)} bytes)"


class Params:
    """Typed, transport-independent view of one request's parameters."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        """Read query string plus JSON, url-encoded or multipart body."""
        values: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return cls(values)
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON body must be an object")
            values.update(body)
        elif ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    values[key] = UploadedFile(
                        filename=value.filename,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
                else:
                    values[key] = value
        return cls(values)

    def has(self, name: str) -> bool:
        return self._values.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self._values.get(name)
        if value is None:
            return default
        if isinstance(value, UploadedFile):
            raise bad_request(f"{name} must be a string")
        return value if isinstance(value, str) else str(value)

    def require_str(self, name: str, empty_message: str | None = None) -> str:
        value = self.get_str(name)
        if not value:
            raise bad_request(empty_message or f"{name} is empty")
        return value

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        try:
            return int(float(value)) if isinstance(value, float) else int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def require_int(self, name: str) -> int:
        value = self.get_int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def get_float(self, name: str, default: float | None = None) -> float | None:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self._values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise bad_request(f"invalid {name} specified")

    def get_json(self, name: str) -> Any:
        """A complex parameter: already decoded (JSON body) or a JSON string (form)."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def get_file(self, name: str) -> UploadedFile | str | None:
        """A file parameter: multipart upload, ``attach://x`` reference, file_id or URL."""
        value = self._values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.attachment(value)
        return value

    def attachment(self, reference: str) -> UploadedFile:
        """Resolve ``attach://name`` to the multipart part called ``name``."""
        part = self._values.get(reference.removeprefix("attach://"))
        if not isinstance(part, UploadedFile):
            raise bad_request(f"can't find attached file {reference!r}")
        return part

    def logged(self) -> dict[str, Any]:
        """The parameters for :attr:`BotApiStandIn.calls` (uploads shown by size)."""
        return dict(self._values)


def chat_id_of(params: Params, name: str, resolve_username: Any) -> int:
    """Read a chat id that may be ``@username``; ``resolve_username`` maps it to an id."""
    value = params.raw(name)
    if value is None or value == "":
        raise bad_request(f"{name} is empty")
    if isinstance(value, str) and value.startswith("@"):
        chat_id = resolve_username(value[1:])
        if chat_id is None:
            raise bad_request("chat not found")
        return chat_id
    result = params.get_int(name)
    assert result is not None
    return result


__all__ = ["ApiError", "Params", "UploadedFile", "chat_id_of"]
