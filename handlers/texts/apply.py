"""Every word of the application dialog («ثبت درخواست»): prompts, buttons, refusals, summary.

Blanks are ``str.format`` fields; callers pass numbers already in Persian digits.
"""

from __future__ import annotations

from handlers import texts as _general

BTN_BACK = _general.BTN_BACK
BTN_CANCEL = _general.BTN_CANCEL

# ---- buttons (reply keyboard during the dialog, inline on a file's receipt) ---------------
BTN_SEND_CONTACT = "📱 ارسال شماره موبایل"
BTN_SEND_LOCATION = "📍 ارسال موقعیت روی نقشه"
BTN_SAME = "همان {value}"
BTN_CHANGE = "✏️ تغییر"
BTN_SKIP = "⏭ رد شدن"
BTN_NEXT = "بعدی ⬅️"
BTN_MORE = "📷 عکس دیگر"
BTN_CONFIRM = "✅ تأیید و ارسال"

# ---- starting -------------------------------------------------------------------------------
INTRO = (
    "📝 ثبت درخواست «{title}»\n"
    "چند پرسش کوتاه می‌پرسم و مدارک را یکی‌یکی می‌گیرم. تا «{confirm}» را نزنید چیزی ثبت "
    "نمی‌شود. هر جا خواستید «{back}» یا «{cancel}» را بزنید."
)
URGENT_INTRO = (
    "⚠️ گزارش فوری «{title}»\n"
    f"در خطر جانی همین حالا با {_general.PHONE_INCIDENTS} تماس بگیرید و از سیم و تجهیزات فاصله بگیرید.\n"
    "نخست محل را بفرستید؛ فقط چند پرسش کوتاه در پیش است."
)
RESUMED = "درخواست نیمه‌تمام «{title}» را از همان جایی که ماند ادامه می‌دهیم."
REPLACED = "درخواست نیمه‌تمام «{title}» کنار گذاشته شد و درخواست تازه شروع می‌شود."
STEP_COUNTER = "مرحله {n} از {total}"
FIRST_STEP = "این نخستین پرسش است؛ برای خروج «{cancel}» را بزنید."
CANCELLED = "درخواست ثبت نشد و کنار گذاشته شد. هر وقت خواستید از نو شروع کنید."
DIALOG_MOVED = "این مرحله دیگر باز نیست؛ لطفاً پرسش آخر را پاسخ دهید."

# ---- who they are ---------------------------------------------------------------------------
ASK_MOBILE = (
    "شماره موبایلتان را با دکمه «{button}» (پایین صفحه) بفرستید تا کارشناسان بتوانند با شما "
    "تماس بگیرند."
)
ASK_MOBILE_REMEMBERED = "شماره موبایل {mobile} را از دفعه پیش داریم. با همین شماره ادامه می‌دهید؟"
ASK_NATIONAL_CODE = "کد ملی ۱۰ رقمی متقاضی را بنویسید."
ASK_NATIONAL_CODE_REMEMBERED = (
    "کد ملی {code} را از دفعه پیش داریم. همان را به کار ببرم؟ می‌توانید کد دیگری هم بنویسید."
)
ASK_BILL_ID = (
    "شناسه قبض برق را بنویسید (عدد ۶ تا ۱۳ رقمی که روی قبض با عنوان «شناسه قبض» آمده است)."
)
ASK_BILL_ID_REMEMBERED = "شناسه قبض {bill_id} را از دفعه پیش داریم. همان را به کار ببرم؟ می‌توانید شناسه دیگری هم بنویسید."
MOBILE_TYPED = (
    "برای اطمینان از درستی شماره، آن را با دکمه «{button}» بفرستید؛ شماره تایپ‌شده پذیرفته نمی‌شود."
)

# ---- service-specific fields ----------------------------------------------------------------
FIELD_PROMPTS: dict[str, str] = {
    "address": "نشانی کامل محل را بنویسید: شهر یا روستا، خیابان، کوچه و پلاک.",
    "location": (
        "موقعیت محل را روی نقشه بفرستید: دکمه «{location}» را بزنید. اگر نمی‌توانید، نشانی "
        "محل را بنویسید."
    ),
    "postal_code": "کد پستی ۱۰ رقمی ملک را بنویسید. اگر ندارید «{skip}» را بزنید.",
    "amperage": (
        "قدرت درخواستی را انتخاب کنید یا بنویسید (آمپر، و تک‌فاز یا سه‌فاز)؛ مثلاً «۴۰ آمپر سه‌فاز»."
    ),
    "tariff": "تعرفه درخواستی را انتخاب کنید:",
    "usage": "نوع مصرف را انتخاب کنید:",
    "duration": "مدت لازم را بنویسید؛ مثلاً «۳ ماه» یا «از ۱ تا ۱۰ مهر».",
    "description": "شرح کوتاهی از درخواستتان بنویسید (حداکثر {limit} نویسه).",
}
URGENT_DESCRIPTION = (
    "در یک جمله بگویید چه دیده‌اید؛ مثلاً «سیم افتاده روی زمین» یا «برق کل کوچه رفته». "
    "اگر چیزی برای افزودن ندارید «{skip}» را بزنید."
)
FIELD_NAMES: dict[str, str] = {
    "address": "نشانی",
    "location": "موقعیت",
    "postal_code": "کد پستی",
    "amperage": "قدرت درخواستی",
    "tariff": "تعرفه درخواستی",
    "usage": "نوع مصرف",
    "duration": "مدت",
    "description": "شرح",
}
CHOICES: dict[str, str] = {
    "residential": "خانگی",
    "commercial": "تجاری",
    "agricultural": "کشاورزی",
    "industrial": "صنعتی",
    "public": "عمومی",
}
"""Tariff groups and usage types: key stored in the request, label shown and typed."""
PHASE_NAMES: dict[int, str] = {1: "تک‌فاز", 3: "سه‌فاز"}
PHASE_WORDS: dict[int, tuple[str, ...]] = {
    1: (PHASE_NAMES[1], "تک فاز", "تک", "یک فاز", "1 فاز", "۱ فاز"),
    3: (PHASE_NAMES[3], "سه فاز", "سه", "3 فاز", "۳ فاز"),
}
"""What people type for the phase; matched with spaces and half-spaces ignored."""
AMPERAGE_OPTIONS: tuple[tuple[int, int], ...] = ((25, 1), (32, 1), (25, 3), (32, 3), (50, 3))
AMPERAGE_VALUE = "{amps} آمپر {phase}"
LOCATION_SHARED = "روی نقشه ({lat}، {lon})"
POSTAL_CODE_DOUBTFUL = (
    "⚠️ این کد پستی کمی غیرعادی است؛ اگر از روی قبض یا سند خوانده‌اید اشکالی ندارد و "
    "کارشناس بررسی می‌کند."
)

# ---- documents ------------------------------------------------------------------------------
ASK_DOCUMENT = "📎 {title}\nعکس واضح یا فایل PDF آن را بفرستید: {hint}."
ASK_DOCUMENT_TIPS = (
    "عکس در نور کافی و با همه گوشه‌ها در کادر بگیرید؛ اگر چند صفحه دارد، همه را بفرستید."
)
ASK_DOCUMENT_OPTIONAL = "این مدرک اختیاری است؛ اگر ندارید «{skip}» را بزنید."
ASK_DOCUMENT_SO_FAR = (
    "تا اینجا {n} فایل برای این مدرک رسیده است؛ فایل دیگری بفرستید یا «{next}» را بزنید."
)
FILE_WORD_PHOTO = "تصویر"
FILE_WORD_PDF = "فایل PDF"
RECEIVED = (
    "✅ {what} {n} {title} دریافت شد.\nاگر صفحه یا روی دیگری دارد بفرستید؛ وگرنه «{next}» را بزنید."
)
RECEIVED_ALBUM = (
    "✅ {count} تصویر {title} دریافت شد (روی هم {total} فایل برای این مدرک).\n"
    "اگر صفحه دیگری مانده بفرستید؛ وگرنه «{next}» را بزنید."
)
MORE_HINT = "تصویر بعدی را بفرستید."
DUPLICATE_FILE = "این فایل را قبلاً برای «{title}» فرستاده بودید؛ دوباره شمرده نشد."
TOO_MANY_FILES = "برای «{title}» {limit} فایل کافی است؛ «{next}» را بزنید."
NEED_FILE_FIRST = "برای «{title}» دست‌کم یک عکس یا فایل PDF لازم است."

# ---- the summary and filing -----------------------------------------------------------------
SUMMARY_TITLE = "📋 خلاصه درخواست؛ لطفاً بررسی کنید:"
SUMMARY_SERVICE = "خدمت: {title}"
SUMMARY_URGENT = "⚠️ گزارش فوری"
SUMMARY_MOBILE = _general.LABEL_MOBILE + ": {mobile}"
SUMMARY_NATIONAL_CODE = _general.LABEL_NATIONAL_CODE + ": {code}"
SUMMARY_BILL_ID = _general.LABEL_BILL_ID + ": {bill_id}"
SUMMARY_FIELD = "{name}: {value}"
SUMMARY_SKIPPED = "—"
SUMMARY_DOCUMENTS = "مدارک:"
SUMMARY_DOCUMENT = "  • {title}: {count} فایل"
SUMMARY_FOOTER = (
    "اگر درست است «{confirm}» را بزنید؛ تا آن زمان چیزی ثبت نشده است. برای اصلاح «{back}» را بزنید."
)
CONFIRM_USE_BUTTON = "برای ثبت نهایی «{confirm}» را بزنید، یا برای اصلاح «{back}»."
INCOMPLETE = "بخشی از درخواست کامل نیست؛ آن را دوباره می‌پرسم."
FILED = (
    "✅ درخواست «{title}» ثبت شد.\n"
    "کد رهگیری: {code}\n"
    "{deadline}\n\n"
    "این کد را نگه دارید؛ با «{track}» وضعیت درخواست را ببینید. کارشناسان مدارک را بررسی "
    "می‌کنند و هر خبری، از جمله نیاز به مدرک دیگر یا پرداخت، در همین گفتگو به شما می‌رسد."
)
FILED_URGENT = (
    "✅ گزارش شما ثبت و همین حالا برای کارشناسان حوادث فرستاده شد.\n"
    "کد رهگیری: {code}\n\n"
    "گروه اتفاقات به ترتیب اولویت اعزام می‌شود و ممکن است برای یافتن محل با شما تماس بگیرد. "
    f"در خطر جانی با {_general.PHONE_INCIDENTS} تماس بگیرید و از محل فاصله بگیرید."
)
DEADLINE_DAYS = "مهلت انجام: تا پایان {deadline} ({days} روز کاری)"
DEADLINE_INSTANT = "مهلت انجام: آنی (همین امروز)"

# ---- bad input ------------------------------------------------------------------------------
PROBLEMS: dict[str, str] = {
    "not_digits": "فقط عدد بنویسید (با ارقام فارسی یا انگلیسی).",
    "national_code_length": "کد ملی باید ۱۰ رقم باشد؛ تعداد رقم‌هایی که نوشتید درست نیست.",
    "national_code_check": (
        "این کد ملی معتبر نیست: رقم کنترل آن نمی‌خواند. احتمالاً یک رقم اشتباه تایپ شده است؛ "
        "آن را با کارت ملی مقایسه کنید."
    ),
    "bill_id_length": "شناسه قبض باید ۶ تا ۱۳ رقم باشد؛ تعداد رقم‌هایی که نوشتید درست نیست.",
    "bill_id_check": (
        "این شناسه قبض معتبر نیست: رقم کنترل آن نمی‌خواند. آن را دوباره از روی قبض بخوانید."
    ),
    "bill_id_not_electricity": (
        "این شناسه قبض برق نیست (شاید شناسه قبض آب، گاز یا تلفن باشد). شناسه را از روی قبض برق بنویسید."
    ),
    "postal_code_length": "کد پستی باید ۱۰ رقم باشد.",
    "too_short": "کمی کامل‌تر بنویسید (دست‌کم {limit} نویسه).",
    "too_long": "متن طولانی است؛ حداکثر {limit} نویسه بنویسید.",
    "amperage_missing": "مقدار آمپر را ننوشته‌اید؛ مثلاً «۳۲ آمپر تک‌فاز».",
    "amperage_range": "این مقدار آمپر درست به نظر نمی‌رسد؛ یکی از گزینه‌ها را انتخاب کنید.",
    "phase_missing": "بنویسید تک‌فاز است یا سه‌فاز؛ مثلاً «۳۲ آمپر سه‌فاز».",
    "unknown_choice": "لطفاً یکی از گزینه‌های دکمه‌ها را انتخاب کنید.",
    "location_outside": "این موقعیت بیرون از ایران است؛ لطفاً موقعیت محل را دوباره بفرستید.",
    "contact_not_own": "فقط شماره موبایل خودتان پذیرفته می‌شود، نه شماره دیگران.",
    "mobile_not_iranian": (
        "این شماره موبایل ایران نیست؛ با سیم‌کارت ایرانی ثبت‌نام کنید یا با "
        f"{_general.PHONE_BILLING} تماس بگیرید."
    ),
}
MEDIA_REFUSED: dict[str, str] = {
    "sticker": "استیکر را نمی‌توانم اینجا بپذیرم.",
    "voice": "پیام صوتی را نمی‌توانم اینجا بپذیرم.",
    "audio": "فایل صوتی را نمی‌توانم اینجا بپذیرم.",
    "video": "فیلم را نمی‌توانم به جای عکس مدرک بپذیرم.",
    "animation": "گیف و تصویر متحرک را نمی‌توانم به جای عکس مدرک بپذیرم.",
    "other": "این نوع پیام را اینجا نمی‌توانم بپذیرم.",
}
MEDIA_REFUSED["video_note"] = MEDIA_REFUSED["video"]  # a round video is still a video
FORWARDED_REFUSED = "پیام بازارسال‌شده (فوروارد) پذیرفته نمی‌شود؛ لطفاً خودتان مستقیم بفرستید."
WANT_TEXT = "اینجا پاسخ نوشتاری لازم است."
WANT_CONTACT = "اینجا شماره موبایل لازم است."
WANT_LOCATION = "اینجا موقعیت محل یا نشانی نوشتاری لازم است."
WANT_FILE = "اینجا عکس یا فایل PDF «{title}» لازم است."
NEW_NEED = (
    "به نظر می‌رسد کار تازه‌ای دارید: «{new}».\n"
    "درخواست «{title}» هنوز نیمه‌کاره است. ادامه می‌دهید یا سراغ کار تازه برویم؟"
)
BTN_STAY = "↩️ ادامه همین درخواست"
BTN_LEAVE = "➡️ رفتن سراغ «{new}»"
LEFT_DIALOG = "درخواست نیمه‌کاره بسته شد."
FILE_UNSUPPORTED = (
    "این فایل عکس یا PDF نیست (نوع فایل از محتوای آن تشخیص داده می‌شود، نه از نامش). "
    "فقط عکس (JPG، PNG، HEIC) یا PDF بفرستید."
)
FILE_TOO_LARGE = (
    "حجم این فایل {size} مگابایت است و بیشترین حجم مجاز {limit} مگابایت. "
    "لطفاً عکس کوچک‌تر یا PDF فشرده‌تری بفرستید."
)
FILE_DOWNLOAD_FAILED = "دریافت فایل از پیام‌رسان ممکن نشد؛ لطفاً دوباره بفرستید."
