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
from handlers.callbacks import Callback

__all__ = ["button", "categories", "main_menu", "rows", "service_card", "services"]


def button(label: str, feature: str, action: str, arg: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=Callback(feature, action, arg).pack())


def rows(buttons: Iterable[InlineKeyboardButton], width: int = 1) -> InlineKeyboardMarkup:
    items = list(buttons)
    return InlineKeyboardMarkup([items[i : i + width] for i in range(0, len(items), width)])


def main_menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [list(row) for row in texts.MAIN_MENU_ROWS], resize_keyboard=True, is_persistent=True
    )


def categories(items: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per (key, title) category."""
    return rows((button(title, "cat", "open", key) for key, title in items), width=2)


def services(items: Iterable[tuple[str, str]], *, back: bool = True) -> InlineKeyboardMarkup:
    """One button per (code, title) service, then a way back to the categories."""
    buttons = [button(title, "svc", "card", code) for code, title in items]
    if back:
        buttons.append(button(texts.BTN_BACK, "cat", "list"))
    return rows(buttons)


def service_card(code: str, category: str, flow: str) -> InlineKeyboardMarkup:
    buttons = []
    if flow in ("apply", "urgent"):
        buttons.append([button(texts.BTN_APPLY, "app", "start", code)])
    buttons.append(
        [button(texts.BTN_BACK, "cat", "open", category), button(texts.BTN_HOME, "menu", "home")]
    )
    return InlineKeyboardMarkup(buttons)


def candidates(items: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """An ambiguous search: the likely services, then «هیچ‌کدام»."""
    buttons = [button(title, "svc", "card", code) for code, title in items]
    buttons.append(button(texts.BTN_NONE_OF_THESE, "srch", "none"))
    return rows(buttons)


def continue_or_cancel() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(texts.BTN_CONTINUE, "dlg", "resume"), button(texts.BTN_CANCEL, "dlg", "cancel")]]
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


def inline_pair(
    first: tuple[str, str, str, str], second: tuple[str, str, str, str]
) -> InlineKeyboardMarkup:
    """Two inline buttons in one row, each given as (label, feature, action, arg)."""
    return InlineKeyboardMarkup([[button(*first), button(*second)]])
