"""Texts of broadcasts: the admin's composing and progress messages, the citizen's opt-out.

Admins and citizens read these; Persian, written once. Numbers are passed in Persian
digits already (:func:`handlers.render.fa`), times as Jalali date and time.
"""

from __future__ import annotations

from handlers import texts as _general

# ---- citizens: opting out and back in -------------------------------------------------------
BTN_OPT_OUT = "لغو اطلاع‌رسانی"
BTN_OPT_IN = "دریافت اطلاعیه‌ها"
FOOTER = "\n\n— برای نگرفتن اطلاعیه‌ها «{opt_out}» را بفرستید."
OPTED_OUT = (
    "✅ دیگر اطلاعیه‌های عمومی برایتان فرستاده نمی‌شود. خبر تغییر وضعیت درخواست‌هایتان "
    "همچنان می‌رسد. هر وقت خواستید «{opt_in}» را بفرستید."
)
ALREADY_OUT = (
    "اطلاعیه‌های عمومی از قبل برایتان لغو شده است. برای دریافت دوباره «{opt_in}» را بفرستید."
)
OPTED_IN = "✅ از این پس اطلاعیه‌های عمومی شرکت برایتان فرستاده می‌شود."
ALREADY_IN = "اطلاعیه‌های عمومی همین حالا هم برایتان فرستاده می‌شود."

# ---- admins: composing ----------------------------------------------------------------------
NOT_ADMIN = "این دستور فقط برای مدیران سامانه است. اگر کاری دارید، از منوی اصلی انتخاب کنید."
COMPOSE = "📣 متن اطلاعیه را بفرستید (یا یک عکس با توضیح آن).\nبرای انصراف /cancel را بفرستید."
COMPOSE_TEXT_ONLY = "لطفاً متن یا یک عکس با توضیح بفرستید."
COMPOSE_TOO_LONG = "متن اطلاعیه طولانی است ({length} نویسه؛ حداکثر {limit}). کوتاه‌ترش کنید."
CHOOSE_AUDIENCE = "این اطلاعیه برای چه کسانی فرستاده شود؟"
AUD_ALL = "همه شهروندان"
AUD_MESSENGER = "فقط کاربران {messenger}"
AUD_OPEN = "دارای درخواست باز"
AUD_SERVICE = "متقاضیان یک خدمت…"
AUD_SERVICE_ITEM = "متقاضیان «{service}»"
CHOOSE_SERVICE = "متقاضیان کدام خدمت؟"
NO_SERVICES = "هنوز درخواستی برای هیچ خدمتی ثبت نشده است."
PREVIEW_TITLE = "👇 پیش‌نمایش، همان‌طور که شهروندان می‌بینند:"
CONFIRM = (
    "📣 اطلاعیه شماره {id}\nگیرندگان: {audience}\nتعداد: {count} نفر\n\n"
    "با «{send}» فرستاده می‌شود؛ پیش از آن برای هیچ‌کس فرستاده نمی‌شود."
)
BTN_SEND = "✅ ارسال"
BTN_CANCEL = _general.BTN_CANCEL
NO_RECIPIENTS = "این گروه گیرنده‌ای ندارد؛ گروه دیگری انتخاب کنید."
DISCARDED = "اطلاعیه فرستاده نشد و کنار گذاشته شد."
NOT_DRAFT = "این اطلاعیه دیگر پیش‌نویس نیست."

# ---- admins: progress and control -------------------------------------------------------
STATE_NAMES: dict[str, str] = {
    "draft": "پیش‌نویس",
    "running": "در حال ارسال",
    "paused": "متوقف موقت",
    "cancelled": "لغو شده",
    "done": "پایان یافته",
}
PROGRESS = (
    "📣 اطلاعیه شماره {id} — {state}\n{bar} {percent}٪\n"
    "فرستاده: {sent} | ناموفق: {failed} | مسدودکرده: {blocked} | مانده: {left}"
)
PROGRESS_QUEUEING = "در حال آماده‌سازی فهرست گیرندگان…"
PROGRESS_ETA = "پایان تقریبی: {eta}"
REPORT = (
    "📣 گزارش پایانی اطلاعیه شماره {id} ({state})\n"
    "گیرندگان: {total}\nفرستاده: {sent}\nناموفق: {failed}\nمسدودکرده ربات: {blocked}\n"
    "فرستاده‌نشده: {left}"
)
BTN_PAUSE = "⏸ توقف موقت"
BTN_RESUME = _general.BTN_CONTINUE
BTN_STOP = "⏹ لغو ارسال"
LIST_TITLE = "📣 اطلاعیه‌های اخیر:"
LIST_ITEM = "• شماره {id} ({state}): {sent} از {total} — {preview}"
LIST_NONE = "هنوز اطلاعیه‌ای فرستاده نشده است."
PAUSED = "ارسال اطلاعیه شماره {id} متوقف شد."
RESUMED = "ارسال اطلاعیه شماره {id} ادامه یافت."
CANCELLED = "ارسال اطلاعیه شماره {id} لغو شد."
NOTHING_CHANGED = "وضعیت این اطلاعیه تغییری نکرد."
