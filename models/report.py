"""The numbers of /report: requests per service by status, the share done within the SLA,
median working days to done, and the rating average (once requests carry a rating).

Pure reading of the database; ``handlers.report`` draws the chart and writes the CSV.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jdatetime

from models.digits import to_latin_digits
from models.request import RequestStatus, ServiceRequest
from models.workdays import TEHRAN, WorkCalendar

__all__ = ["CSV_COLUMNS", "Period", "ServiceRow", "build", "parse_period", "to_csv"]

STATUSES = tuple(s.value for s in RequestStatus)
CSV_COLUMNS = ("service", "title", "total", *STATUSES, "done_within_sla", "sla_share",
               "median_days_to_done", "rating_average")  # fmt: skip
_RANGE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})\s*[-–]\s*(\d{4})/(\d{1,2})/(\d{1,2})$")


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime  # inclusive
    end: datetime  # exclusive


@dataclass(slots=True)
class ServiceRow:
    code: str
    title: str
    counts: dict[str, int] = field(default_factory=dict)
    within_sla: int = 0
    days_to_done: list[int] = field(default_factory=list)
    ratings: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts.get(RequestStatus.DONE, 0)

    @property
    def sla_share(self) -> float | None:
        return self.within_sla / self.done if self.done else None

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days_to_done) if self.days_to_done else None

    @property
    def rating(self) -> float | None:
        return statistics.fmean(self.ratings) if self.ratings else None


def parse_period(text: str, now: datetime) -> Period | None:
    """``week`` (default), ``month``, or a Jalali range ``1405/09/01-1405/09/30``."""
    text = to_latin_digits(text.strip().lower()) or "week"
    if text in ("week", "هفته"):
        return Period(now - timedelta(days=7), now)
    if text in ("month", "ماه"):
        return Period(now - timedelta(days=30), now)
    match = _RANGE.match(text)
    if match is None:
        return None
    y1, m1, d1, y2, m2, d2 = (int(g) for g in match.groups())
    try:
        first = jdatetime.date(y1, m1, d1).togregorian()
        last = jdatetime.date(y2, m2, d2).togregorian()
    except ValueError:
        return None
    start = datetime.combine(first, datetime.min.time(), tzinfo=TEHRAN)
    end = datetime.combine(last, datetime.min.time(), tzinfo=TEHRAN) + timedelta(days=1)
    return Period(start, end) if start < end else None


def has_ratings() -> bool:
    return "rating" in ServiceRequest._meta.fields_map


async def build(period: Period, calendar: WorkCalendar) -> list[ServiceRow]:
    """One row per service with requests filed in ``period``."""
    rows: dict[str, ServiceRow] = {}
    requests = await ServiceRequest.filter(
        submitted_at__gte=period.start, submitted_at__lt=period.end
    ).prefetch_related("service")
    for request in requests:
        row = rows.setdefault(
            request.service.code, ServiceRow(request.service.code, request.service.title)
        )
        row.counts[request.status] = row.counts.get(request.status, 0) + 1
        if request.status == RequestStatus.DONE and request.closed_at is not None:
            row.days_to_done.append(
                calendar.working_days_between(request.submitted_at, request.closed_at)
            )
            if request.deadline is None or request.closed_at <= request.deadline:
                row.within_sla += 1
        rating = getattr(request, "rating", None)
        if rating is not None:
            row.ratings.append(float(rating))
    return sorted(rows.values(), key=lambda r: (-r.total, r.code))


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def to_csv(rows: list[ServiceRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([
            row.code, row.title, row.total, *(row.counts.get(s, 0) for s in STATUSES),
            row.within_sla, _number(row.sla_share), _number(row.median_days), _number(row.rating),
        ])  # fmt: skip
    return out.getvalue()
