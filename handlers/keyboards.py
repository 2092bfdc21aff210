"""Small functions that build every keyboard, from labels in :mod:`handlers.texts`."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from handlers import texts
from handlers.callbacks import CallbackFeature

__all__ = [
    "APP",
    "CAT",
    "DLG",
    "MENU",
    "SRCH",
    "SVC",
    "categories",
    "main_menu",
    "rows",
    "service_card",
    "services",
]

# The buttons of the shared keyboards below, named here because this module builds them;
# each is routed by one feature module (named beside it).
MENU = CallbackFeature("menu", ("home",))  # handlers.start
CAT = CallbackFeature("cat", ("list", "open"))  # handlers.browse
SVC = CallbackFeature("svc", ("card",))  # handlers.browse
SRCH = CallbackFeature("srch", ("none",))  # handlers.search
DLG = CallbackFeature("dlg", ("resume", "cancel"))  # handlers.router
APP = CallbackFeature("app", ("start", "more", "next", "stay", "leave"))  # handlers.apply


def rows(buttons: Iterable[InlineKeyboardButton], width: int = 1) -> InlineKeyboardMarkup:
    items = list(buttons)
    return InlineKeyboardMarkup([items[i : i + width] for i in range(0, len(items), width)])


def main_menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [list(row) for row in texts.MAIN_MENU_ROWS], resize_keyboard=True, is_persistent=True
    )


def categories(items: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per (key, title) category."""
    return rows((CAT.button(title, "open", key) for key, title in items), width=2)


def services(items: Iterable[tuple[str, str]], *, back: bool = True) -> InlineKeyboardMarkup:
    """One button per (code, title) service, then a way back to the categories."""
    buttons = [SVC.button(title, "card", code) for code, title in items]
    if back:
        buttons.append(CAT.button(texts.BTN_BACK, "list"))
    return rows(buttons)


def service_card(code: str, category: str, flow: str) -> InlineKeyboardMarkup:
    buttons = []
    if flow in ("apply", "urgent"):
        buttons.append([APP.button(texts.BTN_APPLY, "start", code)])
    buttons.append(
        [CAT.button(texts.BTN_BACK, "open", category), MENU.button(texts.BTN_HOME, "home")]
    )
    return InlineKeyboardMarkup(buttons)


def candidates(items: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """An ambiguous search: the likely services, then «هیچ‌کدام»."""
    buttons = [SVC.button(title, "card", code) for code, title in items]
    buttons.append(SRCH.button(texts.BTN_NONE_OF_THESE, "none"))
    return rows(buttons)


def continue_or_cancel() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[DLG.button(texts.BTN_CONTINUE, "resume"), DLG.button(texts.BTN_CANCEL, "cancel")]]
    )


def dialog_step(
    rows: Iterable[Iterable[str]] = (),
    *,
    contact: str | None = None,
    location: str | None = None,
) -> ReplyKeyboardMarkup:
    """A dialog step's reply keyboard: a contact or location request button first, the
    step's own labels, then «بازگشت» / «انصراف», which every step offers."""
    keyboard: list[list[KeyboardButton | str]] = []
    if contact is not None:
        keyboard.append([KeyboardButton(contact, request_contact=True)])
    if location is not None:
        keyboard.append([KeyboardButton(location, request_location=True)])
    keyboard += [list(row) for row in rows if row]
    keyboard.append([texts.BTN_BACK, texts.BTN_CANCEL])
    return ReplyKeyboardMarkup(keyboard, resize_keyboard=True)


def inline_pair(first: InlineKeyboardButton, second: InlineKeyboardButton) -> InlineKeyboardMarkup:
    """Two inline buttons in one row."""
    return InlineKeyboardMarkup([[first, second]])
