"""Texts of /report (the operator group's chart and CSV)."""

from __future__ import annotations

USAGE = "نحوه استفاده: /report [week|month|1405/09/01-1405/09/30]"
EMPTY = "در این بازه درخواستی ثبت نشده است."
TITLE = "درخواست‌ها به تفکیک خدمت و وضعیت — {start} تا {end}"
SUMMARY = (
    "گزارش {start} تا {end}\n"
    "درخواست‌ها: {total}\n"
    "انجام‌شده در مهلت: {sla}\n"
    "میانه روزهای کاری تا انجام: {median}\n"
    "میانگین امتیاز: {rating}"
)
NONE = "—"
X_LABEL = "تعداد درخواست"
CSV_NAME = "report.csv"
CAPTION_CSV = "همین اعداد به صورت CSV"
