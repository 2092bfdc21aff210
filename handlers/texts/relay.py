"""Texts of the conversation relay: what the citizen and the operator group read.

Values come in Persian digits already (:func:`handlers.render.fa`), dates as Jalali dates.
"""

from __future__ import annotations

from handlers import texts as _general

# ---- the citizen's side -------------------------------------------------------------------
BTN_END = "⏹ پایان گفتگو"
BTN_SEND_TO_STAFF = "👤 ارسال همین پیام برای کارشناس"
OFFER_MEDIA = (
    "این پیام را نمی‌توانم بخوانم؛ اگر می‌خواهید، همین پیام را برای کارشناسان می‌فرستم "
    "تا در همین گفتگو پاسخ دهند."
)
OFFER_TEXT = "اگر می‌خواهید، همین پیام را برای کارشناسان می‌فرستم تا در همین گفتگو پاسخ دهند."
SENT = (
    "✅ پیام شما برای کارشناسان فرستاده شد؛ پاسخ در همین گفتگو می‌رسد. "
    "می‌توانید باز هم بنویسید، صدا یا عکس بفرستید. برای پایان، «{end}» را بزنید."
)
SENT_AGAIN = "✅ رسید."
AFTER_HOURS = (
    "🕐 اکنون خارج از ساعت کاری است؛ پیامتان به کارشناسان رسیده و از {when} پاسخ داده می‌شود."
)
ENDED = "گفتگو با کارشناس پایان یافت. هر وقت خواستید دوباره «{staff}» را بزنید."
NOT_RELAYABLE = "این نوع پیام را نمی‌توانم برای کارشناس بفرستم؛ لطفاً متن، صدا، عکس یا فایل بفرستید."
ANSWER_LABEL = "💬 پاسخ کارشناس:"

# ---- the group's side ---------------------------------------------------------------------
HEADER = (
    "💬 گفتگوی شماره {number}\n"
    "شهروند: {name} ({messenger}){mobile}\n"
    "درخواست‌های باز: {codes}\n"
    "برای پاسخ، روی همین پیام یا پیام‌های زیر آن «پاسخ» (Reply) بزنید."
)
HEADER_MOBILE = "، تلفن {mobile}"
NO_CODES = _general.NONE
GROUP_ENDED = "⏹ گفتگوی شماره {number} را شهروند پایان داد."
REPLY_NOT_OPERATOR = "فقط کارشناسان میز خدمت می‌توانند به شهروند پاسخ دهند."
REPLY_NOT_RELAYABLE = "این نوع پیام برای شهروند فرستاده نمی‌شود؛ متن، صدا، عکس یا فایل بفرستید."
