"""/report in the operator group: a PNG chart of requests per service by status, with the
share done within the SLA, the median working days to done and the rating average, and
the same numbers as a CSV document. Numbers from ``models.report``; drawn here with
matplotlib's Agg backend (no display), Persian shaped and ordered right-to-left by
arabic-reshaper and python-bidi in DejaVu Sans, which ships with matplotlib."""

from __future__ import annotations

import asyncio
import io
import logging
import statistics

import arabic_reshaper
from bidi.algorithm import get_display
from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler, filters

from handlers import texts
from handlers.common import Context, message_of
from handlers.deps import deps
from handlers.desk import actor_of, staff_check
from handlers.render import fa
from handlers.texts import report as rtexts
from models import clock, desk
from models.report import STATUSES, Period, ServiceRow, build, parse_period, to_csv
from models.workdays import format_jalali_date

__all__ = ["register", "render_png"]

log = logging.getLogger(__name__)

COLORS = ("#9e9e9e", "#42a5f5", "#ffb300", "#7e57c2", "#43a047", "#e53935", "#6d4c41", "#bdbdbd")


def rtl(text: str) -> str:
    """Persian as matplotlib must draw it: letters joined, the line in visual order."""
    return get_display(arabic_reshaper.reshape(text))


def _share(value: float | None) -> str:
    return rtexts.NONE if value is None else fa(f"{round(value * 100)}٪")


def summary(rows: list[ServiceRow], period: Period) -> str:
    done = sum(r.done for r in rows)
    within = sum(r.within_sla for r in rows)
    days = sorted(d for r in rows for d in r.days_to_done)
    ratings = [x for r in rows for x in r.ratings]
    median = statistics.median(days) if days else None
    return rtexts.SUMMARY.format(
        start=format_jalali_date(period.start),
        end=format_jalali_date(period.end),
        total=fa(sum(r.total for r in rows)),
        sla=_share(within / done if done else None),
        median=rtexts.NONE if median is None else fa(f"{median:g}"),
        rating=rtexts.NONE if not ratings else fa(f"{sum(ratings) / len(ratings):.1f}"),
    )


def render_png(rows: list[ServiceRow], period: Period) -> bytes:
    """A horizontal stacked bar per service (statuses), and the summary beside it.

    matplotlib is imported here, on the first report: staff ask for a few a day, and
    imported with the module it held ~25 MB in every bot process from the start."""
    from matplotlib.figure import Figure  # without pyplot: drawn by Agg, no display

    height = 2.5 + 0.45 * len(rows)
    figure = Figure(figsize=(11, height), dpi=100)
    axes = figure.add_axes((0.05, 0.12, 0.55, 0.78))
    labels = [rtl(r.title) for r in rows]
    left = [0] * len(rows)
    for status, color in zip(STATUSES, COLORS, strict=True):
        values = [r.counts.get(status, 0) for r in rows]
        if not any(values):
            continue
        axes.barh(labels, values, left=left, color=color, label=rtl(texts.STATUS_LABELS[status]))
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.yaxis.tick_right()
    axes.invert_yaxis()
    axes.set_xlabel(rtl(rtexts.X_LABEL))
    axes.legend(loc="lower right", fontsize=8)
    start, end = format_jalali_date(period.start), format_jalali_date(period.end)
    axes.set_title(rtl(rtexts.TITLE.format(start=start, end=end)), fontsize=10)
    for y, row in enumerate(rows):
        axes.text(left[y], y, f" {row.total}", va="center", fontsize=8)
    for n, line in enumerate(summary(rows, period).splitlines()):
        figure.text(0.98, 0.9 - n * 0.07 * 4 / height, rtl(line), ha="right", fontsize=10)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def report_command(update: Update, context: Context) -> None:
    message = message_of(update)
    refusal = staff_check(update, context)
    if refusal is not None:
        await message.reply_text(refusal)
        return
    d = deps(context)
    period = parse_period(" ".join(context.args or []), clock.now())
    if period is None:
        await message.reply_text(rtexts.USAGE)
        return
    rows = await build(period, d.calendar)
    if not rows:
        await message.reply_text(rtexts.EMPTY)
        return
    user = update.effective_user
    await desk.record(actor_of(d, user.id if user else 0), "report")
    png = await asyncio.to_thread(render_png, rows, period)  # a few hundred ms of drawing
    await message.reply_photo(InputFile(png, filename="report.png"), caption=summary(rows, period))
    data = to_csv(rows).encode("utf-8-sig")  # the BOM lets spreadsheet programs read Persian
    csv_file = InputFile(data, filename=rtexts.CSV_NAME)
    await message.reply_document(csv_file, caption=rtexts.CAPTION_CSV)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("report", report_command, filters=filters.ChatType.GROUPS))
