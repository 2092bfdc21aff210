"""The SLA clock: which days count, when a request is due, how dates are shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.workdays import (
    TEHRAN,
    WorkCalendar,
    format_jalali_date,
    format_jalali_datetime,
)

CALENDAR = WorkCalendar()
THURSDAY = 3


def tehran(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in Tehran time."""
    return datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


def end_of(year: int, month: int, day: int) -> datetime:
    """The last second of a Tehran day: when a deadline on that day expires."""
    return datetime(year, month, day, 23, 59, 59, tzinfo=TEHRAN)


# ------------------------------------------------------------------- working days


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 28), True),  # an ordinary Saturday (7 آذر ۱۴۰۵)
        (date(2026, 11, 26), True),  # Thursday: a (short) working day by default
        (date(2026, 11, 27), False),  # Friday: the weekend
        (date(2026, 3, 21), False),  # Nowruz, 1 Farvardin 1405
        (date(2026, 3, 22), False),  # Nowruz, 2 Farvardin
        (date(2026, 3, 23), False),  # Nowruz, 3 Farvardin
        (date(2026, 3, 24), False),  # Nowruz, 4 Farvardin
        (date(2026, 3, 25), True),  # 5 Farvardin: offices reopen
        (date(2026, 4, 1), False),  # 12 Farvardin, Islamic Republic Day
        (date(2026, 4, 2), False),  # 13 Farvardin, Nature Day
        (date(2026, 6, 25), False),  # Ashura 1405 (lunar, confirmed date)
        (date(2026, 5, 27), False),  # Eid al-Adha 2026 (lunar, confirmed date)
        (date(2027, 3, 22), False),  # Nowruz 1406: data exists for 2027 too
        (date(2027, 3, 25), True),  # 4 Farvardin 1406 is a Thursday working day
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert CALENDAR.is_working_day(day) is working


@pytest.mark.parametrize(
    ("calendar", "day", "working"),
    [
        # Thursdays closed by the province: an ordinary Thursday no longer counts
        (WorkCalendar(extra_closed_weekdays={THURSDAY}), date(2026, 11, 26), False),
        # ... but the Wednesday before it still does
        (WorkCalendar(extra_closed_weekdays={THURSDAY}), date(2026, 11, 25), True),
        # a one-off closure (heat wave) declared for a Tuesday
        (WorkCalendar(extra_closed_dates={date(2026, 7, 14)}), date(2026, 7, 14), False),
        # the admin reopens a day the holidays package lists (wrong lunar estimate)
        (WorkCalendar(extra_open_dates={date(2026, 6, 25)}), date(2026, 6, 25), True),
        # the admin's open date wins over their own closed weekday too
        (
            WorkCalendar(extra_closed_weekdays={THURSDAY}, extra_open_dates={date(2026, 11, 26)}),
            date(2026, 11, 26),
            True,
        ),
        # Friday stays closed whatever else is configured
        (WorkCalendar(extra_closed_weekdays={THURSDAY}), date(2026, 11, 27), False),
    ],
)
def test_admin_closures(calendar: WorkCalendar, day: date, working: bool) -> None:
    assert calendar.is_working_day(day) is working


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        # 20:00 UTC on Thursday is already 23:30 Thursday in Tehran: working
        (datetime(2026, 11, 26, 20, 0, tzinfo=UTC), True),
        # 21:00 UTC on Thursday is 00:30 Friday in Tehran: the weekend
        (datetime(2026, 11, 26, 21, 0, tzinfo=UTC), False),
    ],
)
def test_is_working_day_counts_tehran_day(moment: datetime, working: bool) -> None:
    assert CALENDAR.is_working_day(moment) is working


def test_holidays_data_covers_2026_and_2027() -> None:
    # lunar holidays are confirmed for 2026 and estimated for 2027; both years have data
    assert CALENDAR.is_official_holiday(date(2026, 3, 21))  # Nowruz 1405
    assert CALENDAR.is_official_holiday(date(2027, 3, 21))  # Nowruz 1406
    assert CALENDAR.is_official_holiday(date(2026, 6, 25))  # Ashura 2026


# ---------------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    ("start", "days", "deadline"),
    [
        # Wednesday afternoon, 1 working day: due at the end of Thursday
        (tehran(2026, 11, 25, 14, 30), 1, end_of(2026, 11, 26)),
        # Thursday, 1 working day: Friday is skipped, due Saturday
        (tehran(2026, 11, 26), 1, end_of(2026, 11, 28)),
        # filed on a Friday: the first working day after it is Saturday
        (tehran(2026, 11, 27), 1, end_of(2026, 11, 28)),
        # Wednesday + 5 working days crosses one Friday: due the next Tuesday
        (tehran(2026, 11, 25), 5, end_of(2026, 12, 1)),
        # Wednesday 27 Esfand + 2: Thursday, then Friday and Nowruz pass, due 5 Farvardin
        (tehran(2026, 3, 18), 2, end_of(2026, 3, 25)),
        # 7 working days from 27 Esfand: Thursday, then 5–11 Farvardin less Friday the 7th
        (tehran(2026, 3, 18), 7, end_of(2026, 3, 31)),
        # one more: 12 and 13 Farvardin and a Friday follow, so due 15 Farvardin
        (tehran(2026, 3, 18), 8, end_of(2026, 4, 4)),
        # filed late at night Tehran time (UTC evening): counts from the Tehran day
        (datetime(2026, 11, 25, 21, 0, tzinfo=UTC), 1, end_of(2026, 11, 28)),
    ],
)
def test_add_working_days(start: datetime, days: int, deadline: datetime) -> None:
    assert CALENDAR.add_working_days(start, days) == deadline


def test_deadline_with_thursdays_closed() -> None:
    # Wednesday + 1 with Thursdays closed by the province: due Saturday, not Thursday
    calendar = WorkCalendar(extra_closed_weekdays={THURSDAY})
    assert calendar.add_working_days(tehran(2026, 11, 25), 1) == end_of(2026, 11, 28)


@pytest.mark.parametrize(
    "start",
    [
        tehran(2026, 11, 25, 14, 30),  # Tehran time
        datetime(2026, 11, 25, 11, 0, tzinfo=UTC),  # UTC, as stored by the database
        tehran(2026, 11, 27),  # even on a Friday
    ],
)
def test_instant_service_is_due_at_once(start: datetime) -> None:
    deadline = CALENDAR.add_working_days(start, 0)
    assert deadline == start  # same instant ("آنی")
    assert deadline.tzinfo == TEHRAN  # shown in Tehran time


def test_deadline_is_in_tehran_time() -> None:
    deadline = CALENDAR.add_working_days(datetime(2026, 11, 25, 11, 0, tzinfo=UTC), 3)
    assert deadline.tzinfo == TEHRAN


@pytest.mark.parametrize(
    ("call", "message"),
    [
        # a naive datetime would be read in the server's zone: refused
        (lambda: CALENDAR.add_working_days(datetime(2026, 11, 25, 10), 1), "naive"),
        # a negative SLA is a configuration error
        (lambda: CALENDAR.add_working_days(tehran(2026, 11, 25), -1), "days"),
        # every day closed: deadlines would never come
        (lambda: WorkCalendar(extra_closed_weekdays=range(7)), "every weekday"),
        # weekday numbers are Python's 0..6
        (lambda: WorkCalendar(extra_closed_weekdays={7}), "0..6"),
    ],
)
def test_invalid_input_is_refused(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


# ------------------------------------------------------------ working days between


@pytest.mark.parametrize(
    ("a", "b", "count"),
    [
        # Wednesday to Saturday: Thursday and Saturday count, Friday does not
        (date(2026, 11, 25), date(2026, 11, 28), 2),
        # same day: nothing has passed
        (date(2026, 11, 25), date(2026, 11, 25), 0),
        # across Nowruz: 19 Mar and 25 Mar are the only working days
        (date(2026, 3, 18), date(2026, 3, 25), 2),
        # backwards: negative, so "days late" can be read off directly
        (date(2026, 11, 28), date(2026, 11, 25), -2),
        # aware datetimes count by their Tehran day
        (tehran(2026, 11, 25, 23, 0), datetime(2026, 11, 27, 21, 0, tzinfo=UTC), 2),
    ],
)
def test_working_days_between(a: date | datetime, b: date | datetime, count: int) -> None:
    assert CALENDAR.working_days_between(a, b) == count


@pytest.mark.parametrize(
    "start",
    [
        tehran(2026, 11, 25, 14, 30),  # ordinary Wednesday
        tehran(2026, 3, 15),  # the week before Nowruz
        tehran(2026, 6, 20),  # before Tasua and Ashura
        tehran(2026, 11, 27),  # a Friday
    ],
)
@pytest.mark.parametrize("days", [1, 2, 5, 7, 10, 30])
def test_between_is_the_inverse_of_adding(start: datetime, days: int) -> None:
    # "how many working days has it been" agrees with the deadline the citizen was given
    deadline = CALENDAR.add_working_days(start, days)
    assert CALENDAR.working_days_between(start, deadline) == days


# -------------------------------------------------------------------- Jalali text


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (date(2026, 11, 26), "۵ آذر ۱۴۰۵"),  # the example from the brief
        (date(2026, 3, 21), "۱ فروردین ۱۴۰۵"),  # Nowruz: first day of the year
        (date(2026, 3, 20), "۲۹ اسفند ۱۴۰۴"),  # last day of 1404
        (date(2025, 3, 20), "۳۰ اسفند ۱۴۰۳"),  # 1403 is a leap year: 30 Esfand exists
        (tehran(2026, 11, 26, 14, 30), "۵ آذر ۱۴۰۵"),  # a Tehran datetime: its date
        # 21:00 UTC on 25 Nov is already 26 Nov (5 Azar) in Tehran
        (datetime(2026, 11, 25, 21, 0, tzinfo=UTC), "۵ آذر ۱۴۰۵"),
    ],
)
def test_format_jalali_date(moment: date | datetime, expected: str) -> None:
    assert format_jalali_date(moment) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (tehran(2026, 11, 26, 14, 30), "۵ آذر ۱۴۰۵، ساعت ۱۴:۳۰"),  # the brief's example
        (tehran(2026, 11, 26, 9, 5), "۵ آذر ۱۴۰۵، ساعت ۰۹:۰۵"),  # minutes zero-padded
        # UTC from the database is shown in Tehran time (UTC+3:30)
        (datetime(2026, 11, 26, 11, 0, tzinfo=UTC), "۵ آذر ۱۴۰۵، ساعت ۱۴:۳۰"),
        # a naive datetime is taken as Tehran wall time
        (datetime(2026, 11, 26, 14, 30), "۵ آذر ۱۴۰۵، ساعت ۱۴:۳۰"),
        # a deadline reads as the end of its day
        (end_of(2026, 11, 28), "۷ آذر ۱۴۰۵، ساعت ۲۳:۵۹"),
    ],
)
def test_format_jalali_datetime(moment: datetime, expected: str) -> None:
    assert format_jalali_datetime(moment) == expected
