"""`skedbot outages import FILE` as staff run it: a real process on a real database.

A good file is imported and reported; a file with bad lines is refused whole, each problem
named with its line number, the exit status says so (scripts and cron see it), and not
even its good lines are kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import jdatetime

from handlers.render import fa
from handlers.texts import outages as texts
from models.outage import PlannedOutage
from models.workdays import TEHRAN
from tests.e2e.workers import in_database


def jalali(days: int) -> str:
    """The Tehran date ``days`` from now as staff write it (the process runs on real time)."""
    day = (datetime.now(TEHRAN) + timedelta(days=days)).date()
    j = jdatetime.date.fromgregorian(date=day)
    return fa(f"{j.year}/{j.month:02d}/{j.day:02d}")


def import_file(
    database_url: str, tmp_path: Path, name: str, data: bytes
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / name
    path.write_bytes(data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKEDBOT_")}
    env.update(SKEDBOT_DATABASE_URL=database_url, SKEDBOT_LOG_LEVEL="WARNING")
    return subprocess.run(
        [sys.executable, "-m", "bot", "outages", "import", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def outages() -> list[tuple[str, str]]:
    return sorted(await PlannedOutage.all().values_list("area", "reason"))


async def test_import_keeps_a_good_file_and_refuses_a_bad_one_whole(
    database_url: str, tmp_path: Path
) -> None:
    good = (
        "منطقه,تاریخ,از,تا,علت\n"
        f"جیرفت,{jalali(2)},10:00,12:00,تعمیرات شبکه\n"
        f"kahnuj,{jalali(3)},۰۸:۰۰-۰۹:۳۰,مدیریت بار\n"
    )
    done = import_file(database_url, tmp_path, "good.csv", good.encode())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == texts.IMPORT_DONE.format(count=fa(2))
    kept = [("jiroft", "تعمیرات شبکه"), ("kahnuj", "مدیریت بار")]
    assert await in_database(database_url, outages) == kept

    bad = (
        f"فاریاب,{jalali(4)},10:00,12:00,تعویض ترانس\n"  # good, but the file is refused
        f"آتلانتیس,{jalali(4)},10:00,12:00,تعمیرات\n"  # unknown area
        f"kahnuj,{jalali(5)},14:00,11:00,تعمیرات\n"  # ends before it starts
        "منوجان,فقط چهار ستون,10:00\n"  # too few columns
    )
    refused = import_file(database_url, tmp_path, "bad.csv", bad.encode())
    assert refused.returncode != 0
    lines = refused.stdout.strip().splitlines()
    assert lines[0] == texts.IMPORT_REFUSED
    assert lines[1].startswith("سطر ۲:") and "آتلانتیس" in lines[1]
    assert lines[2].startswith("سطر ۳:") and "پایان" in lines[2]
    assert lines[3].startswith("سطر ۴:") and "ستون" in lines[3]
    assert len(lines) == 4
    assert await in_database(database_url, outages) == kept  # not even فاریاب's line


async def test_a_file_that_is_not_utf8_text_is_refused(database_url: str, tmp_path: Path) -> None:
    result = import_file(database_url, tmp_path, "schedule.xlsx", b"PK\x03\x04\xff\xfe\x00binary")
    assert result.returncode != 0
    assert texts.IMPORT_NOT_TEXT in result.stderr
    assert await in_database(database_url, outages) == []
