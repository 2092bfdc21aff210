"""Planned outages (خاموشی‌های برنامه‌ریزی‌شده): the schedule staff import, the citizens
subscribed to each area, and when each of them is owed a notice.

**Import.** Staff send the schedule as CSV, one outage a line: ``area, Jalali date, from,
to, reason`` (or ``area, date, from-to, reason``; a header line is allowed). The file is
checked whole (:func:`parse_schedule`); any bad line refuses the whole file, each problem
with its line number, and a good file is written in one transaction (:func:`import_schedule`):
all or nothing. An outage already known (same area and start) is updated, not doubled.

**Notices.** Each subscriber of an outage's area is told twice: the evening before (a fixed
Tehran hour) and shortly before it starts. Each is claimed once per outage with a
conditional UPDATE of ``eve_queued`` / ``soon_queued`` in the transaction that writes the
outbox rows (dedup keys ``outage-eve:<id>:<citizen>`` / ``outage-soon:<id>:<citizen>``), so
however many processes run the job, and however often, each goes once. A citizen who
subscribes after an outage's notice went out gets the next one.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

import jdatetime
from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.areas import Area, find_area
from models.citizen import Citizen
from models.digits import to_latin_digits
from models.workdays import TEHRAN

__all__ = [
    "AreaSubscription",
    "Notice",
    "OutageRow",
    "PlannedOutage",
    "Problem",
    "RowProblem",
    "claim_notice",
    "due_notices",
    "import_schedule",
    "parse_schedule",
    "subscribe",
    "subscribed_areas",
    "subscribers",
    "unsubscribe",
    "upcoming",
]

REASON_MAX = 200
_HEADER_WORDS = {"area", "منطقه", "ناحیه"}
_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*$")
_DATE = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")


class PlannedOutage(Model):
    """One scheduled outage of one area."""

    id = fields.BigIntField(primary_key=True)
    area = fields.CharField(max_length=48, description="areas.toml key")
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    reason = fields.CharField(max_length=REASON_MAX, default="")
    eve_queued = fields.BooleanField(default=False, description="evening-before notices owed")
    soon_queued = fields.BooleanField(default=False, description="shortly-before notices owed")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "planned_outage"
        unique_together = (("area", "starts_at"),)
        indexes = (("starts_at",),)


class AreaSubscription(Model):
    """A citizen who wants the planned outages of an area."""

    id = fields.BigIntField(primary_key=True)
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "models.Citizen", related_name="area_subscriptions", on_delete=fields.CASCADE
    )
    area = fields.CharField(max_length=48, description="areas.toml key")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "area_subscription"
        unique_together = (("citizen", "area"),)
        indexes = (("area",),)  # an area's subscribers, told of its outages


# --------------------------------------------------------------------------- import


class Problem(StrEnum):
    """Why a schedule line was refused; the handler says it in Persian."""

    COLUMNS = "columns"
    AREA = "area"
    DATE = "date"
    TIME = "time"
    ORDER = "order"
    PAST = "past"
    DUPLICATE = "duplicate"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    problem: Problem
    value: str = ""


@dataclass(frozen=True, slots=True)
class OutageRow:
    line: int
    area: Area
    starts_at: datetime
    ends_at: datetime
    reason: str


def _parse_date(text: str) -> date | None:
    found = _DATE.match(to_latin_digits(text))
    if found is None:
        return None
    try:
        return jdatetime.date(*(int(g) for g in found.groups())).togregorian()
    except ValueError:
        return None


def _parse_time(text: str) -> time | None:
    found = _TIME.match(to_latin_digits(text))
    if found is None:
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    if hour == 24 and minute == 0:
        return time(23, 59, 59)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=TEHRAN).astimezone(UTC)


def parse_schedule(text: str, now: datetime) -> tuple[list[OutageRow], list[RowProblem]]:
    """Every outage of the file, and every problem (line by line); import only if none."""
    rows: list[OutageRow] = []
    problems: list[RowProblem] = []
    seen: set[tuple[str, datetime]] = set()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for cells in reader:
        line = reader.line_num
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if not rows and not problems and not seen and cells[0].lower() in _HEADER_WORDS:
            continue
        if len(cells) == 4 and "-" in to_latin_digits(cells[2]):
            start_text, _, end_text = to_latin_digits(cells[2]).partition("-")
            cells = [cells[0], cells[1], start_text, end_text, cells[3]]
        if len(cells) != 5:
            problems.append(RowProblem(line, Problem.COLUMNS, str(len(cells))))
            continue
        area_text, date_text, start_text, end_text, reason = cells
        area = find_area(area_text)
        day = _parse_date(date_text)
        start, end = _parse_time(start_text), _parse_time(end_text)
        if area is None:
            problems.append(RowProblem(line, Problem.AREA, area_text))
        if day is None:
            problems.append(RowProblem(line, Problem.DATE, date_text))
        if start is None or end is None:
            bad = start_text if start is None else end_text
            problems.append(RowProblem(line, Problem.TIME, bad))
        if not reason:
            problems.append(RowProblem(line, Problem.EMPTY))
        if area is None or day is None or start is None or end is None or not reason:
            continue
        starts_at, ends_at = _moment(day, start), _moment(day, end)
        if ends_at <= starts_at:
            problems.append(RowProblem(line, Problem.ORDER, f"{start_text}-{end_text}"))
        elif starts_at <= now:
            problems.append(RowProblem(line, Problem.PAST, date_text))
        elif (area.key, starts_at) in seen:
            problems.append(RowProblem(line, Problem.DUPLICATE))
        else:
            seen.add((area.key, starts_at))
            rows.append(OutageRow(line, area, starts_at, ends_at, reason[:REASON_MAX]))
    return rows, problems


async def import_schedule(rows: list[OutageRow]) -> int:
    """Write every row in one transaction (an outage already known is updated)."""
    async with in_transaction():
        for row in rows:
            try:
                async with in_transaction():  # a savepoint: a known outage is updated below
                    await PlannedOutage.create(
                        area=row.area.key,
                        starts_at=row.starts_at,
                        ends_at=row.ends_at,
                        reason=row.reason,
                    )
            except IntegrityError:
                await PlannedOutage.filter(area=row.area.key, starts_at=row.starts_at).update(
                    ends_at=row.ends_at, reason=row.reason
                )
    return len(rows)


# --------------------------------------------------------------------------- subscriptions


async def subscribe(citizen: Citizen, area: Area) -> bool:
    """True if the citizen was not subscribed to ``area`` yet."""
    try:
        async with in_transaction():
            await AreaSubscription.create(citizen=citizen, area=area.key)
    except IntegrityError:
        return False
    return True


async def unsubscribe(citizen: Citizen, area_key: str) -> bool:
    return bool(await AreaSubscription.filter(citizen=citizen, area=area_key).delete())


def subscribers(area_key: str) -> QuerySet[Citizen]:
    """Whom an area's planned-outage notices reach: its subscribers who have not blocked
    the bot (a broadcast to the area, ``models.broadcast``, also leaves out who opted out)."""
    return Citizen.filter(
        blocked_bot=False,
        id__in=Subquery(AreaSubscription.filter(area=area_key).values("citizen_id")),
    )


async def subscribed_areas(citizen: Citizen) -> list[str]:
    return list(
        await AreaSubscription.filter(citizen=citizen).order_by("id").values_list("area", flat=True)
    )


async def upcoming(area_keys: list[str], now: datetime, days: int = 7) -> list[PlannedOutage]:
    """Outages of these areas not yet over, within ``days``, soonest first."""
    return list(
        await PlannedOutage.filter(
            area__in=area_keys, ends_at__gt=now, starts_at__lt=now + timedelta(days=days)
        ).order_by("starts_at", "area")
    )


# --------------------------------------------------------------------------- notices


class Notice(StrEnum):
    EVE = "eve"  # the evening before
    SOON = "soon"  # shortly before it starts


def eve_moment(outage: PlannedOutage, evening_hour: int) -> datetime:
    """The evening before the outage's Tehran day, at ``evening_hour`` Tehran time."""
    day = outage.starts_at.astimezone(TEHRAN).date() - timedelta(days=1)
    return _moment(day, time(min(max(evening_hour, 0), 23)))


async def due_notices(
    now: datetime, evening_hour: int, soon: timedelta
) -> list[tuple[PlannedOutage, Notice]]:
    """Notices owed now and not yet claimed (the later one only, once both are due)."""
    found: list[tuple[PlannedOutage, Notice]] = []
    pending = await PlannedOutage.filter(starts_at__gt=now, starts_at__lte=now + timedelta(days=2))
    for outage in pending:
        if now >= outage.starts_at - soon:
            if not outage.soon_queued:
                found.append((outage, Notice.SOON))
        elif now >= eve_moment(outage, evening_hour) and not outage.eve_queued:
            found.append((outage, Notice.EVE))
    return found


async def claim_notice(outage: PlannedOutage, notice: Notice) -> bool:
    """Take the notice for this process (call in the transaction that queues it)."""
    flag = "eve_queued" if notice is Notice.EVE else "soon_queued"
    updates = {flag: True}
    if notice is Notice.SOON:
        updates["eve_queued"] = True  # too late for the evening's: never send it after
    return bool(await PlannedOutage.filter(id=outage.id, **{flag: False}).update(**updates))
