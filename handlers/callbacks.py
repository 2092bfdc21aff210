"""Callback data: one format, ``feature:action:arg``, built and parsed only here.

Each feature names its buttons once, as a :class:`CallbackFeature` in its own module
(``CAT = CallbackFeature("cat", ("list", "open"))``): the keyboard builds with
``CAT.button(label, "open", key)`` and the handler routes with ``CAT.pattern()`` and reads
with ``CAT.parse(data)``, so both sides share one spelling and a misspelt action fails when
the button is built, not silently when it is pressed. Arguments naming a row and a detail
(``<id>.<detail>``) are packed and unpacked by :class:`RowArg`.

Callback data comes back from the messenger as the citizen's own bytes: it can be old,
replayed or forged. Parsing only checks the shape; every handler then checks the argument
against the database and the presser's rights before acting on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import InlineKeyboardButton

__all__ = ["Callback", "CallbackFeature", "RowArg"]

_PART = re.compile(r"^[a-z]{1,12}$")
_ARG = re.compile(r"^[A-Za-z0-9_.\-]{0,48}$")
_ROW_ID = re.compile(r"^[1-9][0-9]{0,8}$")  # fits a 32-bit id column on every backend
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


class CallbackFeature:
    """One feature's buttons: its wire name and the actions it answers.

    Defined once in the feature's module and used by both its keyboards and its handlers,
    so the two cannot drift apart; an action not declared here raises at build time."""

    __slots__ = ("actions", "name")

    def __init__(self, name: str, actions: Iterable[str]) -> None:
        self.name = name
        self.actions = tuple(actions)
        for part in (name, *self.actions):
            if not _PART.match(part):
                raise ValueError(f"not a callback name: {part!r}")

    def __repr__(self) -> str:
        return f"CallbackFeature({self.name!r}, {self.actions!r})"

    def _action(self, action: str) -> str:
        if action not in self.actions:
            raise ValueError(f"{self.name!r} has no action {action!r}")
        return action

    def data(self, action: str, arg: str | int | RowArg = "") -> str:
        """The packed callback data (raises for an undeclared action or unsafe data)."""
        return Callback(self.name, self._action(action), str(arg)).pack()

    def fits(self, action: str, arg: str | int | RowArg = "") -> bool:
        """Whether the data stays within the Bot API's 64 bytes (long service codes)."""
        return len(f"{self.name}:{self._action(action)}:{arg}".encode()) <= MAX_BYTES

    def button(self, label: str, action: str, arg: str | int | RowArg = "") -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=self.data(action, arg))

    def pattern(self, *actions: str) -> re.Pattern[str]:
        """The CallbackQueryHandler pattern: all of the feature's buttons, or only
        ``actions`` when another handler answers the rest."""
        if not actions:
            return re.compile(rf"^{re.escape(self.name)}:")
        names = "|".join(re.escape(self._action(a)) for a in actions)
        return re.compile(rf"^{re.escape(self.name)}:({names}):")

    def parse(self, data: str | None) -> Callback | None:
        """The callback if it is of our shape, of this feature and one of its actions."""
        cb = Callback.parse(data)
        if cb is None or cb.feature != self.name or cb.action not in self.actions:
            return None
        return cb


@dataclass(frozen=True, slots=True)
class RowArg:
    """An argument naming a database row by id, optionally with a detail after a dot:
    ``<id>`` or ``<id>.<detail>`` (a step name, a bit mask, a star count…).

    Built and read by the same class, so a keyboard and its handler agree on the shape;
    the id is checked to fit the id columns, the detail is the handler's to check."""

    id: int
    detail: str | None = None

    def pack(self) -> str:
        return str(self.id) if self.detail is None else f"{self.id}.{self.detail}"

    def __str__(self) -> str:
        return self.pack()

    @classmethod
    def unpack(cls, arg: str) -> RowArg | None:
        """The row and detail, or None when the id is not one we could have written."""
        head, dot, detail = arg.partition(".")
        if not _ROW_ID.match(head):
            return None
        return cls(int(head), detail if dot else None)
