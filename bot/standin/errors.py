"""Errors of the stand-in.

:class:`ApiError` is what a Bot API method raises to answer the bot with the
official error JSON; the server turns it into the HTTP response, so method code
never builds error bodies by hand. :class:`ButtonNotFoundError` is for the person
side: a test that presses a button the bot never showed is a test failure, and
the message lists what *was* on screen.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: HTTP status, ``description`` and optional ``parameters``."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON body exactly as Telegram shapes it."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """``400 Bad Request: <message>``, the most common Bot API refusal."""
    return ApiError(400, f"Bad Request: {message}")


def method_not_found() -> ApiError:
    """What Telegram answers for a method name it does not know."""
    return ApiError(404, "Not Found: method not found")


def unauthorized() -> ApiError:
    """What Telegram answers for a token it does not know."""
    return ApiError(401, "Unauthorized")


class ButtonNotFoundError(LookupError):
    """The person tried to press a button that no bot message offers."""
