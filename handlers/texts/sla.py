"""Texts of life after filing: the documents round trip, the SLA clock, خاتمه, warnings,
the daily digest, tracking, cancelling and rating.

Citizens read dates as Jalali dates and numbers in Persian digits; callers pass values
formatted already. Staff texts show citizens masked.
"""

from __future__ import annotations

from handlers import texts as _general

# ---- staff: which documents («نیاز به مدرک») --------------------------------------------
PICK_DOCUMENTS = (
    "📎 درخواست {code}: کدام مدارک از شهروند خواسته شود؟\n"
    "مدارک را انتخاب کنید و «{confirm}» را بزنید. تا تأیید نکنید چیزی تغییر نمی‌کند."
)
PICK_NOTE = "مدرک دیگر: {note}"
BTN_PICKED = "☑️ {title}"
BTN_UNPICKED = "⬜️ {title}"
BTN_OTHER = "✏️ مدرک دیگر"
BTN_OTHER_SET = "✏️ مدرک دیگر: {note}"
BTN_PICK_CONFIRM = "✅ درخواست این مدارک"
BTN_PICK_CANCEL = _general.BTN_CANCEL
OTHER_PROMPT = "{name}، نام مدرک دیگر برای درخواست {code} را در پاسخ به همین پیام بنویسید."
OTHER_SAVED = "ثبت شد."
PICK_NOTHING = "دست‌کم یک مدرک را انتخاب کنید."
PICK_CANCELLED = "درخواست مدرک برای {code} انجام نشد."
PICK_DONE = "📎 از شهروند خواسته شد ({code}):\n{items}\nمهلت: {due}"
PICK_ITEM = "  • {title}"
OTHER_DOCUMENT = "مدرک دیگر"

# ---- citizen: the notice asking for documents -----------------------------------------
NEEDS_DOCUMENTS = (
    "📎 برای ادامه رسیدگی به درخواست {code} ({service})، کارشناس این مدارک را خواسته است:\n"
    "{items}\n"
    "دلیل: بدون این مدارک بررسی درخواست ممکن نیست.\n"
    "مهلت فرستادن: {due}\n"
    "تا رسیدن مدارک، زمان انجام درخواست شما شمرده نمی‌شود. "
    "دکمه «{button}» را بزنید و مدارک را بفرستید."
)
NEEDS_DOCUMENTS_ITEM = "  • {title}"
BTN_SEND_DOCUMENTS = "📎 ارسال مدارک"

# ---- citizen: the «ارسال مدارک» dialog ------------------------------------------------
UPLOAD_PROMPT = (
    "مدارک درخواست {code} را بفرستید (عکس، فایل تصویر یا PDF؛ چند عکس با هم هم می‌شود):\n"
    "{items}\n"
    "پس از فرستادن همه، «{done}» را بزنید."
)
UPLOAD_RECEIVED = (
    "✅ دریافت شد ({count} فایل تا اینجا). اگر مدرک دیگری مانده بفرستید، وگرنه «{done}»."
)
UPLOAD_DUPLICATE = "این فایل را قبلاً فرستاده بودید."
UPLOAD_NEED_MORE = "هنوز {missing} مدرک دیگر لازم است ({count} از {wanted} رسیده). لطفاً بفرستید."
UPLOAD_WANT_FILE = "لطفاً مدارک را به صورت عکس یا فایل PDF بفرستید، یا «{done}» را بزنید."
UPLOAD_TOO_MANY = "بیش از {limit} فایل نمی‌شود. «{done}» را بزنید."
UPLOAD_SENT = (
    "✅ مدارک درخواست {code} رسید و برای کارشناس فرستاده شد. "
    "زمان انجام درخواست دوباره شمرده می‌شود؛ مهلت تازه: {deadline}."
)
UPLOAD_NOT_WAITING = "این درخواست اکنون منتظر مدرک نیست."
UPLOAD_CANCELLED = "ارسال مدارک لغو شد. تا پایان مهلت می‌توانید دوباره «{button}» را بزنید."
BTN_UPLOAD_DONE = "✅ پایان و ارسال مدارک"
BTN_UPLOAD_CANCEL = _general.BTN_CANCEL

# ---- staff: the documents arrived ------------------------------------------------------
DOCUMENTS_ARRIVED = "📎 مدارک تکمیلی درخواست {code} رسید ({count} فایل). وضعیت: {status}"
DOCUMENT_CAPTION = "{title} — مدرک تکمیلی {code}"

# ---- خاتمه --------------------------------------------------------------------------------
DOCUMENTS_REMINDER = (
    "⏳ یادآوری: مدارک خواسته‌شده برای درخواست {code} ({service}) هنوز نرسیده است.\n"
    "{items}\n"
    "آخرین مهلت: {due}. اگر تا آن روز نرسد، درخواست طبق توافق‌نامه خاتمه می‌یابد."
)
CLOSED_NOTICE = (
    "درخواست {code} ({service}) خاتمه یافت.\n"
    "طبق توافق‌نامه سطح خدمت، اگر مدارک خواسته‌شده تا {days} روز کاری نرسد، "
    "رسیدگی به درخواست پایان می‌یابد و پرونده بسته می‌شود.\n"
    "هر وقت مدارک آماده بود، می‌توانید از «فهرست خدمات» همین خدمت را دوباره ثبت کنید."
)
CLOSED_STAFF = "🔒 درخواست {code} ({service}، {citizen}) خاتمه یافت: مدارک در مهلت نرسید."

# ---- staff: warnings and digest ---------------------------------------------------------
WARN_75 = "⚠️ ۷۵٪ مهلت درخواست {code} گذشت — {service}، {citizen}؛ {left} روز کاری مانده."
WARN_BREACH = "🚨 مهلت درخواست {code} گذشت — {service}، {citizen}؛ {late} روز کاری تأخیر."
DIGEST_TITLE = "🗓 گزارش روزانه درخواست‌های باز — {date}\n(به ترتیب ثبت؛ به همین ترتیب رسیدگی شود)"
DIGEST_EMPTY = "🗓 گزارش روزانه {date}: درخواست بازی نیست."
DIGEST_SERVICE = "\n▪️ {service} ({count}):"
DIGEST_LATE = "  {n}. ⏰ {code} — {late} روز کاری تأخیر — {status}"
DIGEST_ITEM = "  {n}. {code} — {left} روز کاری مانده — {status}"
DIGEST_PAUSED = "  {n}. {code} — منتظر مدرک شهروند — {status}"
DIGEST_NO_DEADLINE = "  {n}. {code} — {status}"

# ---- citizen: tracking ------------------------------------------------------------------
TRACK_HEAD = "📌 درخواست {code}\nخدمت: {service}\nوضعیت: {status}\nتاریخ ثبت: {submitted}"
TRACK_DEADLINE = _general.DEADLINE
TRACK_LEFT = "روزهای کاری باقی‌مانده: {days}"
TRACK_TODAY = "مهلت انجام: امروز"
TRACK_LATE = "{days} روز کاری از مهلت گذشته است."
TRACK_PAUSED = "⏸ تا رسیدن مدارک شما زمان شمرده نمی‌شود (مهلت فرستادن: {due})."
TRACK_QUEUE = "نوبت شما: {n}"
TRACK_TERMS = "شرایط ثبت‌شده: {duration}؛ هزینه: {cost}"
TRACK_TERMS_DAYS = _general.DAYS
TRACK_TERMS_INSTANT = _general.INSTANT
TRACK_TERMS_DOCUMENTS = "مدارک: {documents}"
TRACK_HISTORY = _general.HISTORY
TRACK_HISTORY_ITEM = "  • {when}: {status}"
TRACK_RATING = "امتیاز شما: {stars}"
TRACK_CHOOSE = "درخواست‌های شما (باز‌ها اول). یکی را انتخاب کنید یا کد رهگیری را بفرستید:"
TRACK_BUTTON = "{code} — {service}"
BTN_CANCEL_REQUEST = "🚫 انصراف از درخواست"
CANCEL_CONFIRM = "درخواست {code} ({service}) لغو شود؟ پس از لغو، رسیدگی به آن ادامه نمی‌یابد."
BTN_CANCEL_YES = "بله، لغو شود"
BTN_CANCEL_NO = _general.NO
CANCEL_DONE = "درخواست {code} لغو شد. هر وقت خواستید می‌توانید دوباره ثبت کنید."
CANCEL_KEPT = "درخواست {code} سر جایش ماند."
CANCEL_TOO_LATE = "این درخواست دیگر قابل لغو نیست (وضعیت: {status})."
CANCELLED_STAFF = "🚫 شهروند درخواست {code} ({service}، {citizen}) را لغو کرد."

# ---- rating -------------------------------------------------------------------------------
RATE_ASK = "درخواست {code} ({service}) انجام شد. از ۱ تا ۵ به خدمت ما چه امتیازی می‌دهید؟"
RATE_THANKS = (
    "سپاس از امتیاز شما ({stars}). اگر توضیحی دارید در یک پیام بنویسید، وگرنه «{skip}» را بزنید."
)
BTN_RATE_SKIP = "بدون توضیح"
RATE_ALREADY = "امتیاز این درخواست قبلاً ثبت شده است."
RATE_COMMENT_THANKS = "توضیح شما ثبت شد. سپاس."
RATE_DONE = "سپاس."
RATED_STAFF = "⭐️ امتیاز شهروند به درخواست {code} ({service}): {stars}"
RATE_COMMENT_STAFF = "💬 توضیح شهروند درباره درخواست {code}: {comment}"
