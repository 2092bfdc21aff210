"""Messages the bot sends a citizen on its own, not as an answer: status notices (the
outbox, ``bot.outbox``) and reminders about an unfinished dialog (``bot.expiry``)."""

from __future__ import annotations

# ---- status notices ------------------------------------------------------------------------
STATUS_NOTICE = (
    "🔔 وضعیت درخواست شما تغییر کرد\nکد رهگیری: {code}\nخدمت: {service}\nوضعیت جدید: {status}"
)
STATUS_UPDATED = "به‌روز شد"
"""Label for a status value this version does not know (a back-office SLA event, say)."""
STATUS_NOTE = "توضیح کارشناس: {note}"
NEEDS_DOCUMENTS_HINT = (
    "📎 لطفاً مدارک خواسته‌شده را آماده کنید و برای هماهنگی فرستادن آن‌ها، "
    "با «{staff}» پیام بدهید و کد رهگیری را هم بنویسید."
)

# ---- unfinished dialogs --------------------------------------------------------------------
DIALOG_REMINDER = (
    "درخواست نیمه‌تمام شما هنوز ثبت نشده است و منتظر پاسخ شماست. ادامه می‌دهید یا لغو کنم؟"
)
DIALOG_EXPIRED = (
    "درخواست نیمه‌تمام شما چون مدتی بی‌پاسخ ماند منقضی شد و ثبت نشد. "
    "هر وقت خواستید می‌توانید از نو شروع کنید."
)
