"""``skedbot local`` as a person uses it: a real subprocess, lines piped in, stdout read back.

The numbers typed are the ones the terminal shows (its numbered buttons: the newest inline
keyboard, then the reply keyboard), worked out from the catalog file so that a catalog
change moves the test with it.
"""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto

from bot.local import TerminalPhone
from bot.standin import BotApiStandIn
from handlers import texts
from handlers.render import fa
from handlers.texts import relay as relay_texts
from models.catalog import load_catalog

SERVICE_CODE = "meter-relocation"
TIMEOUT = 90


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKEDBOT_")}
    env["SKEDBOT_DATABASE_URL"] = database_url
    env["SKEDBOT_STORAGE_DIR"] = str(tmp_path / "documents")
    return env


def skedbot_local(
    tmp_path: Path, database_url: str, lines: list[str], *args: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot local`` with ``lines`` piped in (cwd: no developer .env read)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "local", *args],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(tmp_path, database_url),
        cwd=tmp_path,
        timeout=TIMEOUT,
    )


def card_session() -> tuple[list[str], str, str]:
    """Input reaching SERVICE_CODE's card by numbers, its title and شناسه خدمت (Latin)."""
    catalog = load_catalog()
    service = next(s for s in catalog.services if s.code == SERVICE_CODE)
    used = {s.category for s in catalog.services}
    categories = [c.key for c in catalog.categories if c.key in used]
    siblings = [s.code for s in catalog.services if s.category == service.category]
    services_button = 1 + [b for row in texts.MAIN_MENU_ROWS for b in row].index(texts.BTN_SERVICES)
    lines = [
        "/start",
        str(services_button),
        str(1 + categories.index(service.category)),
        str(1 + siblings.index(service.code)),
    ]
    return lines, service.title, service.service_id


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite://{tmp_path / 'local.sqlite3'}"


def test_piped_sessions_reach_a_service_card_and_seed_once(tmp_path: Path) -> None:
    """Bale then Telegram on one SQLite file: the card both times, the catalog seeded once."""
    lines, title, service_id = card_session()
    for messenger in ("bale", "telegram"):
        run = skedbot_local(tmp_path, sqlite_url(tmp_path), lines, "--messenger", messenger)
        assert run.returncode == 0, run.stderr
        out = run.stdout
        assert texts.CARD_TITLE.format(title=title) in out
        assert fa(service_id) in out and service_id not in out  # Persian digits only
        assert "(ویرایش شد)" in out  # the category list is edited into its services
        assert texts.BTN_APPLY in out

    with contextlib.closing(sqlite3.connect(tmp_path / "local.sqlite3")) as conn:
        total, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT code) FROM service"
        ).fetchone()
        categories = conn.execute("SELECT COUNT(*) FROM service_category").fetchone()[0]
    catalog = load_catalog()
    assert total == distinct == len(catalog.services)
    assert categories == len(catalog.categories)


def test_relay_both_ways(tmp_path: Path) -> None:
    """«گفتگو با کارشناس»: the citizen's message in the group, `/op TEXT` back to them."""
    staff_button = 1 + [b for row in texts.MAIN_MENU_ROWS for b in row].index(texts.BTN_STAFF)
    lines = ["/start", str(staff_button), "برق کوچه ما ضعیف است", "/op همکاران فردا می‌آیند"]
    run = skedbot_local(tmp_path, sqlite_url(tmp_path), lines)
    assert run.returncode == 0, run.stderr
    group_part = run.stdout.split("[گروه کارشناسان]", 1)[1]
    assert "برق کوچه ما ضعیف است" in group_part
    answer = run.stdout.rsplit("/op همکاران فردا می‌آیند", 1)[1]
    assert relay_texts.ANSWER_LABEL in answer and "همکاران فردا می‌آیند" in answer


def test_media_commands_and_the_operator_group(tmp_path: Path) -> None:
    """Stickers and photos get the bot's answer; «گفتگو با کارشناس» shows up in the group."""
    picture = tmp_path / "meter.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    staff_button = 1 + [b for row in texts.MAIN_MENU_ROWS for b in row].index(texts.BTN_STAFF)
    lines = [
        "/start",
        "/sticker",
        f"/photo {picture}",
        "/file /no/such/file.pdf",
        str(staff_button),
        "برق کوچه ما از دیشب قطع است",
    ]
    run = skedbot_local(tmp_path, sqlite_url(tmp_path), lines)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.count(texts.NOT_TEXT) >= 1
    assert "/no/such/file.pdf" in out  # a clear local warning, nothing sent
    assert "[گروه کارشناسان]" in out
    group_part = out.split("[گروه کارشناسان]", 1)[1]
    assert "برق کوچه ما از دیشب قطع است" in group_part
    assert relay_texts.SENT.format(end=relay_texts.BTN_END) in out


def test_runs_on_the_suites_backend(tmp_path: Path, database_url: str) -> None:
    """The same session on the fixture database (PostgreSQL when the suite runs on it)."""
    lines, title, _ = card_session()
    run = skedbot_local(tmp_path, database_url, lines, "--messenger", "telegram")
    assert run.returncode == 0, run.stderr
    assert texts.CARD_TITLE.format(title=title) in run.stdout


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    run = skedbot_local(tmp_path, "postgres://postgres@127.0.0.1:1/x", ["/start"])
    assert run.returncode == 2
    assert "database unavailable" in run.stderr
    assert "127.0.0.1:1" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""


async def test_terminal_shows_media_edits_and_the_operator_group() -> None:
    """What the bot may send besides text, drawn the way the terminal promises."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    group = -100123
    async with BotApiStandIn(token="1:T", profile="bale") as standin:
        out = io.StringIO()
        citizen = standin.person(1001, "مریم")
        operator = standin.person(1001, "مریم", chat_id=group)
        phone = TerminalPhone(standin, citizen, operator, out)
        async with Bot("1:T", base_url=standin.base_url) as bot:
            await bot.send_photo(1001, png, caption="رسید")
            await bot.send_document(1001, b"%PDF-1.4\n", filename="form.pdf")
            await bot.send_media_group(1001, [InputMediaPhoto(png) for _ in range(3)])
            sent = await bot.send_message(1001, "پیش‌نویس")
            await bot.edit_message_text("نهایی", chat_id=1001, message_id=sent.message_id)
            buttons = InlineKeyboardMarkup([[InlineKeyboardButton("بررسی", callback_data="x:y:1")]])
            await bot.send_message(group, "درخواست تازه", reply_markup=buttons)
        await phone.handle("/op 1")

    text = out.getvalue()
    for expected in ("[عکس]", "رسید", "[سند: form.pdf]", "[آلبوم: ۳ عکس]", "(ویرایش شد)"):
        assert expected in text
    assert "[گروه کارشناسان]\n   درخواست تازه\n   ⟦1: بررسی⟧" in text
    [press] = [u for u in standin.updates.take_all() if "callback_query" in u]
    assert press["callback_query"]["data"] == "x:y:1"
    assert press["callback_query"]["message"]["chat"]["id"] == group
