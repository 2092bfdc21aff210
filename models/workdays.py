"""Iran's working-day calendar: the clock behind "N روز کاری" service times.

Service identity cards promise times in working days, so a request's deadline depends on
Fridays, official holidays and the days a province closes offices. This module answers
three questions, all in Tehran time:

* is this day a working day?
* when is the deadline of a request filed now with an N-working-day SLA?
* how many working days lie between two moments (how late is a request)?

Official holidays come from the ``holidays`` package (country ``IR``), which covers the
Solar Hijri holidays and the lunar ones; its lunar dates are confirmed up to 2026 and
*estimated* after that (their names end in «(تخمینی)»), since the real dates depend on
moon sighting. Extra closures (the province shuts offices on Thursdays to save energy, a
heat wave, a day of mourning) are an admin setting given to ``WorkCalendar``; so are
dates to treat as working days anyway, to correct an estimate that turned out wrong.

It also formats dates the Jalali way for messages (``format_jalali_date``), with
Persian digits and month names, because that is how citizens read dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import jdatetime

from models.digits import to_persian_digits

__all__ = [
    "FRIDAY",
    "JALALI_MONTHS",
    "TEHRAN",
    "WorkCalendar",
    "format_jalali_date",
    "format_jalali_datetime",
]

TEHRAN = ZoneInfo("Asia/Tehran")
"""Iran's zone; since 2022 without daylight saving (zoneinfo knows the history)."""

FRIDAY = 4
"""``date.weekday()`` of Friday, Iran's weekend. Weekday numbers follow Python: Mon = 0."""

JALALI_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
"""Persian month names, kept here rather than borrowed from jdatetime's locale tables so
the spelling users see cannot change with a library upgrade."""

_HOUR_WORD = "ساعت"
"""The one other word of the date vocabulary: «۵ آذر ۱۴۰۵، ساعت ۱۴:۳۰»."""

# Deadlines end at 23:59:59, not at time.max: databases that keep milliseconds (or
# seconds) would round 23:59:59.999999 up to the next day's midnight.
_END_OF_DAY = time(23, 59, 59)


def _tehran_date(moment: date | datetime) -> date:
    """The Tehran calendar day of ``moment``; a plain date is taken as it is."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("naive datetime: give an aware datetime for the SLA clock")
        return moment.astimezone(TEHRAN).date()
    return moment


class WorkCalendar:
    """Which days Iranian offices work, and working-day arithmetic over them.

    A day is a working day unless it is a Friday, an official holiday, one of
    ``extra_closed_dates`` or falls on one of ``extra_closed_weekdays`` (``date.weekday()``
    numbers, e.g. ``{3}`` when the province closes Thursdays). ``extra_open_dates``
    override all of these: the admin's word on a particular day is final, which is how a
    wrongly estimated lunar holiday is corrected before the ``holidays`` package is.

    Instances are immutable once built; build a new one when the admin settings change.
    """

    __slots__ = ("_closed_dates", "_closed_weekdays", "_official", "_open_dates")

    def __init__(
        self,
        extra_closed_dates: Iterable[date] = frozenset(),
        extra_closed_weekdays: Iterable[int] = frozenset(),
        *,
        extra_open_dates: Iterable[date] = frozenset(),
    ) -> None:
        closed_weekdays = frozenset(extra_closed_weekdays) | {FRIDAY}
        if not closed_weekdays <= set(range(7)):
            raise ValueError(f"weekday numbers must be 0..6, got {sorted(closed_weekdays)}")
        if len(closed_weekdays) == 7:
            # Deadlines would never arrive and add_working_days would loop forever.
            raise ValueError("every weekday is closed; at least one must be a working day")
        self._closed_weekdays = closed_weekdays
        self._closed_dates = frozenset(extra_closed_dates)
        self._open_dates = frozenset(extra_open_dates)
        # The holidays object fills in years lazily on lookup, so one instance serves
        # any date without listing years up front.
        self._official = holidays.country_holidays("IR")

    def is_official_holiday(self, day: date) -> bool:
        """Tell whether ``day`` is an official holiday according to ``holidays``."""
        return day in self._official

    def is_working_day(self, day: date | datetime) -> bool:
        """Tell whether offices work on ``day`` (an aware datetime counts by Tehran day)."""
        day = _tehran_date(day)
        if day in self._open_dates:
            return True
        return not (
            day.weekday() in self._closed_weekdays
            or day in self._closed_dates
            or day in self._official
        )

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Return the deadline of an ``days``-working-day promise made at ``start``.

        The deadline is the end (23:59:59 Tehran time) of the ``days``-th working day
        *after* the start day, so a request filed at 13:55 on a Wednesday with a 1-day
        SLA is due on Saturday evening, not at 13:55 on Saturday: citizens and staff
        both count "روز کاری" in whole days. The start day itself never counts, whether
        or not it is a working day. ``days == 0`` ("آنی", instant) returns ``start``
        itself, expressed in Tehran time.

        Raises ``ValueError`` for a naive ``start`` (it would be read in the server's
        zone, which is usually UTC) or a negative ``days``.
        """
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        day = _tehran_date(start)
        if days == 0:
            return start.astimezone(TEHRAN)
        remaining = days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return datetime.combine(day, _END_OF_DAY, tzinfo=TEHRAN)

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Count working days after ``a``'s day up to and including ``b``'s day.

        It is the inverse of ``add_working_days``:
        ``working_days_between(t, add_working_days(t, n)) == n`` for n ≥ 1, so "how many
        working days has this request waited" and "how late is it" use the same rule.
        Negative when ``b`` is before ``a``. Aware datetimes count by their Tehran day.
        """
        first, last = _tehran_date(a), _tehran_date(b)
        if last < first:
            return -self.working_days_between(last, first)
        return sum(
            self.is_working_day(first + timedelta(days=offset))
            for offset in range(1, (last - first).days + 1)
        )


def _to_jalali(moment: date | datetime) -> jdatetime.date | jdatetime.datetime:
    """Convert to jdatetime, aware datetimes first moved to Tehran time."""
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(TEHRAN)
        return jdatetime.datetime.fromgregorian(datetime=moment)
    return jdatetime.date.fromgregorian(date=moment)


def format_jalali_date(moment: date | datetime) -> str:
    """Return «۵ آذر ۱۴۰۵» for 2026-11-26: Jalali day, month name, year, Persian digits.

    Aware datetimes are shown on their Tehran day (a deadline stored in UTC may fall on
    the previous UTC day); naive datetimes and dates are taken as Tehran-local already.
    """
    jalali = _to_jalali(moment)
    return to_persian_digits(f"{jalali.day} {JALALI_MONTHS[jalali.month - 1]} {jalali.year}")


def format_jalali_datetime(moment: datetime) -> str:
    """Return «۵ آذر ۱۴۰۵، ساعت ۱۴:۳۰»: the date as above and the Tehran wall time."""
    jalali = _to_jalali(moment)
    clock = to_persian_digits(f"{jalali.hour:02d}:{jalali.minute:02d}")
    return f"{format_jalali_date(moment)}، {_HOUR_WORD} {clock}"
