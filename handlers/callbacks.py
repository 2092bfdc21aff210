"""Callback data: one format, ``feature:action:arg``, built and parsed only here.

Callback data comes back from the messenger as the citizen's own bytes: it can be old,
replayed or forged. Parsing only checks the shape; every handler then checks the argument
against the database and the presser's rights before acting on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Callback", "pattern"]

_PART = re.compile(r"^[a-z]{1,12}$")
_ARG = re.compile(r"^[A-Za-z0-9_.\-]{0,48}$")
MAX_BYTES = 64  # the Bot API's limit for callback_data


@dataclass(frozen=True, slots=True)
class Callback:
    feature: str
    action: str
    arg: str = ""

    def pack(self) -> str:
        data = f"{self.feature}:{self.action}:{self.arg}"
        if len(data.encode()) > MAX_BYTES or not _ARG.match(self.arg):
            raise ValueError(f"callback data too long or unsafe: {data!r}")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Callback | None:
        """The callback, or None for anything not of our shape (also text that is not even
        encodable: JSON can carry a lone surrogate such as ``\\ud800``, UTF-8 cannot)."""
        try:
            size = len(data.encode()) if data else 0
        except UnicodeEncodeError:
            return None
        if not data or size > MAX_BYTES:
            return None
        parts = data.split(":", 2)
        if len(parts) != 3:
            return None
        feature, action, arg = parts
        if not (_PART.match(feature) and _PART.match(action) and _ARG.match(arg)):
            return None
        return cls(feature, action, arg)


def pattern(feature: str) -> re.Pattern[str]:
    """The CallbackQueryHandler pattern that routes one feature's buttons."""
    return re.compile(rf"^{re.escape(feature)}:")
