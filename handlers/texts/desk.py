"""Texts of the staff desk in the operator group: claims, rejection reasons, /find, /queue,
/mine. Staff read these; values come in Persian digits, dates as Jalali dates."""

from __future__ import annotations

from handlers import texts as _general

# ---- claims ------------------------------------------------------------------------------
BTN_CLAIM = "🙋 برعهده من"
BTN_RELEASE = "↩️ رها کردن"
CLAIMED_BY = "برعهده: {name}"
CLAIMED = "این درخواست برعهده شما شد."
RELEASED = "درخواست رها شد."
CLAIMED_BY_OTHER = "این درخواست برعهده {name} است؛ فقط خود او یا مدیر می‌تواند رهایش کند."
NOT_CLAIMED = "این درخواست برعهده کسی نیست."
CLOSED_REQUEST = "این درخواست بسته شده است."
ASSIGN_USAGE = "نحوه استفاده: /assign کد‌رهگیری شناسه‌کارشناس"
ASSIGNED = "درخواست {code} به کارشناس {operator} واگذار شد."
ASSIGN_NOT_ADMIN = "فقط مدیران می‌توانند درخواست را واگذار کنند."
ASSIGN_NOT_OPERATOR = "شناسه {operator} در فهرست کارشناسان نیست."
MINE_HEADER = "📂 درخواست‌های باز برعهده شما ({count}):"
MINE_NONE = "درخواست بازی برعهده شما نیست."

# ---- rejection ---------------------------------------------------------------------------
REJECT_ASK = "دلیل رد درخواست {code} را انتخاب کنید یا «{other}» را بزنید:"
BTN_REASON_OTHER = "✍️ دلیل دیگر"
BTN_REJECT_CANCEL = "انصراف"
REJECT_TYPE = "✍️ دلیل رد درخواست {code} را در پاسخ (Reply) به همین پیام بنویسید."
REJECT_CANCELLED = "رد درخواست {code} انجام نشد."
REJECT_NOTE = "{reason}\nچه می‌توانید بکنید: {next}"
REJECT_NEXT_DEFAULT = (
    f"برای توضیح بیشتر «{_general.STAFF_CHAT}» را بزنید یا با {_general.PHONE_BILLING} "
    "تماس بگیرید؛ "
    "پس از رفع مشکل می‌توانید درخواست را دوباره ثبت کنید."
)
REJECTED_WITH = "❌ رد شد، دلیل: {reason}"

# ---- /find, /queue -----------------------------------------------------------------------
FIND_USAGE = "نحوه استفاده: /find کد‌رهگیری"
FIND_NOT_FOUND = "درخواستی با کد {code} پیدا نشد."
FIND_SUBMITTED = "ثبت: {when}"
FIND_DEADLINE = "مهلت: {deadline} ({days})"
DAYS_LEFT = "{days} روز کاری مانده"
DAYS_LATE = "{days} روز کاری گذشته"
FIND_HISTORY = _general.HISTORY
FIND_HISTORY_ITEM = "  • {when} — {what} — {actor}"
FIND_DOCUMENTS = "مدارک: {count}"
FIND_CONVERSATION = "گفتگو:"
FIND_CONVERSATION_IN = "  ← شهروند ({when}): {text}"
FIND_CONVERSATION_OUT = "  → کارشناس ({when}): {text}"
BTN_RESEND_DOCUMENTS = "📎 ارسال دوباره مدارک"
DOCUMENTS_QUEUED = "مدارک دوباره فرستاده می‌شود."
NO_DOCUMENTS = "این درخواست مدرکی ندارد."
ACTOR_CITIZEN = "شهروند"
ACTOR_SYSTEM = "سامانه"
ACTION_LABELS: dict[str, str] = {
    "claim": "برعهده گرفت",
    "release": "رها کرد",
    "reassign": "واگذار شد",
    "reject": "رد کرد",
}
QUEUE_HEADER = "📋 صف درخواست‌های باز{service} ({count}):"
QUEUE_SERVICE = " — {service}"
QUEUE_ITEM = "{n}. {code} — {service} — {status} — {days}{claim}"
QUEUE_CLAIM = " — برعهده {name}"
QUEUE_NONE = "درخواست بازی در صف نیست."
QUEUE_MORE = "… و {count} درخواست دیگر"
NO_DEADLINE = "بی‌مهلت"

# ---- refusals (alerts hold 200 characters) -----------------------------------------------
NOT_OPERATOR = "فقط کارشناسان میز خدمت می‌توانند این کار را انجام دهند."
