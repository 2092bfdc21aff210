"""Labels of ``skedbot catalog check``: the staff's list of what to confirm in the catalog.

Staff read this in a terminal, so numbers stay in Latin digits (IDs and URLs are copied
from it). «منبع» appears here and nowhere a citizen reads.
"""

from __future__ import annotations

from handlers import texts as _general

CARD = "[{code}] {title} — شناسه خدمت: {service_id}"
SERVICE_ID_PENDING = _general.SERVICE_ID_PENDING
EMPTY_VALUE = "(خالی)"
ESTIMATE = "  برآوردی: {field} = {value}"
SOURCE = "  منبع: {url}"
NO_SOURCE = "  منبع: ندارد"
STAFF_NOTES = "  یادداشت: {notes}"
UNSOURCED = "خدمات بدون منبع ({count}): {codes}"
TOTAL = "جمع: {estimates} مقدار برآوردی در {cards} خدمت؛ {unsourced} خدمت بدون منبع."
ALL_CONFIRMED = "همه شناسنامه‌ها منبع دارند و مقدار برآوردی ندارند."
