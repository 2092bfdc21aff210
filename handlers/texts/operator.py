"""Texts of the staff side: the operator group's request announcement and status buttons.

Staff read these, citizens never do; still Persian, still written once. Values are passed
in Persian digits already (:func:`handlers.render.fa`), dates as Jalali dates.
"""

from __future__ import annotations

from handlers import texts as _general

# ---- the announcement of a filed request ---------------------------------------------------
URGENT_MARK = "🚨 فوری"
REQUEST_HEADER = "🆕 درخواست جدید{urgent}"
REQUEST_CODE = "کد رهگیری: {code}"
REQUEST_SERVICE = "خدمت: {service}"
REQUEST_CITIZEN = "متقاضی: {name} ({messenger})"
REQUEST_NATIONAL_CODE = _general.LABEL_NATIONAL_CODE + ": {value}"
REQUEST_MOBILE = _general.LABEL_MOBILE + ": {value}"
REQUEST_BILL_ID = _general.LABEL_BILL_ID + ": {value}"
REQUEST_ANSWERS = "پاسخ‌ها:"
REQUEST_ANSWER_ITEM = "  • {label}: {value}"
REQUEST_DEADLINE = _general.DEADLINE
REQUEST_NO_DEADLINE = "—"
REQUEST_DOCUMENTS_NONE = "مدرکی پیوست نشده است."
REQUEST_DOCUMENTS_MISSING = "⚠️ {count} مدرک این درخواست فرستاده نشد؛ در بایگانی بات موجود است."
DOCUMENT_CAPTION = "{title} — درخواست {code}"
NAMELESS = "بی‌نام"
YES = "بله"
NO = _general.NO

MESSENGER_NAMES = _general.MESSENGER_NAMES

FIELD_LABELS: dict[str, str] = {
    "bill_id": _general.LABEL_BILL_ID,
    "national_code": _general.LABEL_NATIONAL_CODE,
    "mobile": _general.LABEL_MOBILE,
}
"""Answers the application dialog's own FIELD_NAMES does not name."""

# ---- the status message and its buttons ------------------------------------------------
STATUS_MESSAGE = "📋 درخواست {code} — {service}\nوضعیت: {status}"
STATUS_SET_BY = "آخرین تغییر: {name}"
BTN_IN_REVIEW = "در حال بررسی"
BTN_NEEDS_DOCUMENTS = "نیاز به مدرک"
BTN_IN_PROGRESS = _general.STATUS_LABELS["in_progress"]
BTN_DONE = _general.STATUS_LABELS["done"]
BTN_REJECTED = "رد درخواست"

# ---- refusals (short: a callback alert holds 200 characters) ---------------------------
NOT_OPERATOR = "فقط کارشناسان میز خدمت می‌توانند وضعیت درخواست را تغییر دهند."
WRONG_CHAT = "این دکمه فقط در گروه کارشناسان کار می‌کند."
UNKNOWN_REQUEST = "این درخواست پیدا نشد."
ILLEGAL_TRANSITION = "درخواست در وضعیت «{current}» است و به «{wanted}» نمی‌رود."
STATUS_CHANGED = "وضعیت: {status}"
