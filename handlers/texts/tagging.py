"""Texts of tagging a relayed message with the service it asked for (``handlers.tagging``)."""

from __future__ import annotations

BTN_TAG = "🏷 برچسب"
BTN_UNDO = "↩️ برگرداندن برچسب"
PICK = "این پیام کدام خدمت را می‌خواست؟"
SAVED = "🏷 برچسب «{title}» ثبت شد؛ ربات از این پس چنین پیامی را این‌طور می‌فهمد."
UNDONE = "↩️ برچسب «{title}» برگردانده شد."
NOT_OPERATOR = "فقط کارشناسان میز خدمت می‌توانند برچسب بزنند."
NO_TEXT = "فقط پیام متنی برچسب می‌خورد."
UNPLACED = "💬 پیش از این درخواست، شهروند نوشته بود و ربات خدمتی برایش نیافت:"
"""Above a citizen's «none» message shown with their filing's announcement (digits masked)."""
