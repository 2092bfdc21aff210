"""Every word the bot says to people, in one place: this package.

General texts live here; a feature with many texts has its own module beside this one
(``handlers/texts/apply.py``, ``handlers/texts/operator.py``), imported by that feature.

Button labels defined here are read both by the keyboards that show them and by the filters
that recognise them, so a label changed here changes everywhere. Texts with blanks use
``str.format`` fields; callers pass values already in Persian digits (see
:func:`handlers.render.fa`). Nothing else in the code base writes Persian to a chat.
"""

from __future__ import annotations

# ---- names written into other texts (each once) ------------------------------------------
PHONE_INCIDENTS = "۱۲۱"  # accidents and outages
PHONE_BILLING = "۱۵۲۱"  # debts, payments and anything staff cannot answer here
PHONE_ENERGY = "۱۴۲۱"  # energy advice
LABEL_NATIONAL_CODE = "کد ملی"
LABEL_BILL_ID = "شناسه قبض"
LABEL_MOBILE = "موبایل"
"""The identifiers' labels, shared by the citizen's summary and the staff's announcement."""
MESSENGER_NAMES: dict[str, str] = {"telegram": "تلگرام", "bale": "بله"}
"""Each messenger's Persian name (``bot.messengers`` reads it too)."""
NONE = "ندارد"
NO = "خیر"
DAYS = "{days} روز کاری"
INSTANT = "آنی"
SERVICE_ID_PENDING = "در حال ثبت"
HISTORY = "سابقه:"
DEADLINE = "مهلت انجام: {deadline}"

# ---- main menu (reply keyboard) -------------------------------------------------------
BTN_SEARCH = "🔎 جستجوی خدمت"
BTN_SERVICES = "📋 فهرست خدمات"
BTN_TRACK = "📌 پیگیری درخواست"
BTN_HELP = "❓ راهنما"
STAFF_CHAT = "گفتگو با کارشناس"
BTN_STAFF = f"👤 {STAFF_CHAT}"
MAIN_MENU_ROWS: tuple[tuple[str, ...], ...] = (
    (BTN_SEARCH, BTN_SERVICES),
    (BTN_TRACK, BTN_HELP),
    (BTN_STAFF,),
)
MENU_BUTTONS: frozenset[str] = frozenset(label for row in MAIN_MENU_ROWS for label in row)

# ---- inline buttons ----------------------------------------------------------------------
BTN_APPLY = "📝 ثبت درخواست"
BTN_BACK = "↩️ بازگشت"
BTN_HOME = "🏠 منوی اصلی"
BTN_CANCEL = "✖️ انصراف"
BTN_NONE_OF_THESE = "هیچ‌کدام"
BTN_CONTINUE = "▶️ ادامه"

# ---- greetings and help ------------------------------------------------------------------
WELCOME = (
    "سلام{name}! 🌱\n"
    "به میز خدمت الکترونیکی شرکت توزیع نیروی برق جنوب استان کرمان خوش آمدید.\n\n"
    "هر کاری با برق دارید، با زبان خودتان بنویسید؛ مثلاً «می‌خوام کنتورم سه‌فاز بشه» "
    "یا «قبضم زیاد اومده». یا از دکمه‌های پایین یکی را انتخاب کنید."
)
MAIN_MENU = "چه کاری برایتان انجام دهم؟ از دکمه‌های پایین انتخاب کنید یا درخواستتان را بنویسید."
HELP = (
    "راهنمای ربات میز خدمت برق جنوب کرمان:\n\n"
    "• درخواستتان را با زبان خودتان بنویسید تا خدمت مناسب را پیدا کنم.\n"
    "• «{services}»: همه خدمات به تفکیک موضوع، با شناسنامه هر خدمت.\n"
    "• «{track}»: وضعیت درخواستی که ثبت کرده‌اید، با کد رهگیری.\n"
    "• «{staff}»: پیام شما به کارشناسان می‌رسد.\n\n"
    "دستورها: /start شروع دوباره، /help راهنما، /cancel لغو کار نیمه‌تمام، "
    "/mydata داده‌هایی که از شما داریم، /forget پاک کردن داده‌های شما.\n\n"
    f"☎️ حوادث و خاموشی: {PHONE_INCIDENTS} — بدهی و پرداخت: {PHONE_BILLING} — "
    f"مشاوره انرژی: {PHONE_ENERGY}"
)

# ---- browsing and the identity card ------------------------------------------------------
CATEGORIES = "خدمات را به تفکیک موضوع ببینید. یک موضوع را انتخاب کنید:"
CATEGORY_SERVICES = "خدمات «{title}»:"
SERVICE_GONE = "این خدمت دیگر در فهرست نیست. از منوی اصلی دوباره انتخاب کنید."
CARD_TITLE = "📄 شناسنامه خدمت: {title}"
CARD_SERVICE_ID = "شناسه خدمت: {service_id}"
CARD_SERVICE_ID_PENDING = SERVICE_ID_PENDING
CARD_DESCRIPTION = "شرح خدمت: {description}"
CARD_AUDIENCE = "خدمت‌گیرندگان: {audience}"
CARD_DURATION = "مدت انجام: {duration}"
CARD_DURATION_DAYS = DAYS
CARD_DURATION_INSTANT = INSTANT
CARD_DURATION_NOTE = "{duration} ({note})"
CARD_DELIVERY = "نحوه ارائه: {mode}"
DELIVERY_MODE_NAMES: dict[str, str] = {
    "electronic": "الکترونیکی",
    "semi-electronic": "نیمه‌الکترونیکی",
    "in-person": "حضوری",
}
CARD_ANSWERING = "واحد پاسخگو: {unit}، تلفن {phone}"
CARD_VISITS = "مراجعه حضوری: {visits}"
CARD_VISITS_NONE = NONE
CARD_VISITS_N = "{n} بار"
CARD_CHANNELS = "راه‌های دسترسی: {channels}"
CARD_HOURS = "ساعات ارائه: {hours}"
CARD_DOCUMENTS = "مدارک لازم:"
CARD_DOCUMENT_ITEM = "  • {title}{optional}"
CARD_DOCUMENT_OPTIONAL = " (اختیاری)"
CARD_NO_DOCUMENTS = "مدارک لازم: ندارد"
CARD_COST = "هزینه: {cost}"
CARD_PISHKHAN_FEE = "کارمزد پیشخوان: دفاتر پیشخوان برای ثبت درخواست کارمزد جداگانه می‌گیرند."
CARD_LEGAL = "مبنای قانونی: {legal}"
CARD_ELECTRONIC = "مراحل الکترونیکی: {steps}"
CARD_NOTES = "ℹ️ {notes}"
CARD_ESTIMATED = "* برخی مقادیر این شناسنامه تخمینی است و ممکن است تغییر کند."
LIST_SEPARATOR = "، "
CHANNEL_NAMES: dict[str, str] = {
    "bot": "همین ربات",
    "website": "وب‌سایت شرکت",
    "pishkhan": "دفاتر پیشخوان",
    "phone-121": f"تلفن {PHONE_INCIDENTS}",
    "phone-1521": f"تلفن {PHONE_BILLING}",
    "phone-1421": f"تلفن {PHONE_ENERGY}",
    "in-person": "مراجعه حضوری",
    "app": "اپلیکیشن برق من",
}
INFO_SERVICE = "این خدمت نیاز به ثبت درخواست ندارد؛ راه دریافت آن در شناسنامه بالا آمده است."
URGENT_SERVICE = (
    f"⚠️ در موارد خطرناک همین حالا با {PHONE_INCIDENTS} تماس بگیرید و به سیم یا تجهیزات نزدیک نشوید."
)

# ---- free-text search ---------------------------------------------------------------------
SEARCH_PROMPT = "درخواستتان را در یک جمله بنویسید؛ مثلاً «کنتورم خراب شده» یا «برق کوچه قطعه»."
SEARCH_AMBIGUOUS = "منظورتان کدام‌یک از این خدمات است؟"
SEARCH_TWO_NEEDS = (
    "پیام شما دو درخواست جدا دارد. هر کدام را جداگانه پیگیری می‌کنیم؛ "
    "اول کدام را ببینیم؟ (بعد از اولی، دومی را هم از همین‌جا می‌توانید باز کنید.)"
)
SEARCH_NONE = (
    "متأسفم، منظورتان را متوجه نشدم یا این موضوع به خدمات برق مربوط نیست. "
    "می‌توانید دوباره با کلمات دیگر بنویسید، از «{services}» انتخاب کنید یا با کارشناس گفتگو کنید."
)
SEARCH_NONE_OF_THESE = "باشد. لطفاً کارتان را با کلمات دیگری بنویسید یا از فهرست خدمات انتخاب کنید."
TRACK_PROMPT = "کد رهگیری درخواستتان را بفرستید (کدی که هنگام ثبت درخواست دریافت کردید)."

# ---- contact staff ------------------------------------------------------------------------
STAFF_PROMPT = (
    "پیامتان را بنویسید تا برای کارشناسان فرستاده شود. پاسخ در همین گفتگو به شما می‌رسد.\n"
    f"برای موارد فوری حوادث با {PHONE_INCIDENTS} تماس بگیرید."
)
STAFF_SENT = "✅ پیام شما برای کارشناسان فرستاده شد."
STAFF_UNAVAILABLE = (
    f"در حال حاضر ارتباط با کارشناس از این راه ممکن نیست؛ لطفاً با {PHONE_BILLING} تماس بگیرید."
)

# ---- dialogs ------------------------------------------------------------------------------
CANCELLED = "کار نیمه‌تمام لغو شد. هر وقت خواستید از نو شروع کنید."
NOTHING_TO_CANCEL = "کار نیمه‌تمامی ندارید."
DIALOG_OPEN = "یک کار نیمه‌تمام دارید. ادامه می‌دهید یا لغو کنم؟"
DIALOG_STALE = "این پیام همزمان با پیام دیگری از شما رسید؛ لطفاً دوباره بفرستید."

# ---- bad input ----------------------------------------------------------------------------
UNKNOWN_COMMAND = "این دستور را نمی‌شناسم. /help راهنمای ربات است."
TEXT_TOO_LONG = (
    "پیامتان خیلی طولانی است ({length} نویسه). لطفاً کوتاه‌تر، حداکثر {limit} نویسه بنویسید."
)
NOT_TEXT = (
    "لطفاً درخواستتان را به صورت متن بنویسید؛ استیکر، صدا، فیلم و فایل را اینجا نمی‌توانم بخوانم."
)
EXPIRED_BUTTON = "این دکمه دیگر معتبر نیست. لطفاً از منوی اصلی دوباره شروع کنید."
EDIT_IGNORED = (
    "✏️ ویرایش پیام‌ها خوانده نمی‌شود. اگر چیزی را اشتباه فرستاده‌اید، درستش را در پیامی تازه بفرستید."
)
FLOOD = "پیام‌ها خیلی پشت سر هم رسید. لطفاً چند ثانیه صبر کنید و دوباره بفرستید."
INTERNAL_ERROR = "متأسفم، مشکلی پیش آمد و کارتان انجام نشد. لطفاً چند لحظه دیگر دوباره تلاش کنید."

# ---- bot commands menu (Telegram only) ---------------------------------------------------
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "شروع و منوی اصلی"),
    ("help", "راهنما"),
    ("cancel", "لغو کار نیمه‌تمام"),
    ("track", "پیگیری درخواست"),
    ("mydata", "داده‌های من نزد شما"),
    ("forget", "پاک کردن داده‌های من"),
)

# ---- tracking -----------------------------------------------------------------------------
STATUS_LABELS: dict[str, str] = {
    "submitted": "ثبت شده، در انتظار بررسی",
    "in_review": "در حال بررسی مدارک",
    "needs_documents": "نیاز به مدارک تکمیلی",
    "in_progress": "در حال انجام",
    "done": "انجام شد",
    "rejected": "رد شد",
    "closed": "خاتمه یافت (مدارک خواسته‌شده نرسید)",
    "cancelled": "لغو شد",
}
TRACK_NOT_FOUND = (
    "درخواستی با کد {code} در میان درخواست‌های شما پیدا نشد. لطفاً کد را دوباره بررسی کنید."
)
TRACK_BAD_CODE = (
    "کد {code} درست به نظر نمی‌رسد (یک رقم اشتباه است یا جابه‌جا شده). لطفاً دوباره بفرستید."
)
TRACK_LIST = "درخواست‌های اخیر شما:"
TRACK_LIST_ITEM = "• {code} — {service}: {status}"
TRACK_NONE = "هنوز درخواستی از این حساب ثبت نکرده‌اید."
