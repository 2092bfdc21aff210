"""`skedbot run` as a real process: one process serves Telegram and Bale at once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.standin import BotApiStandIn
from handlers import texts


def _env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKEDBOT_")}
    env.update(
        SKEDBOT_DATABASE_URL=database_url,
        SKEDBOT_STORAGE_DIR=str(tmp_path / "docs"),
        SKEDBOT_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


async def test_one_process_serves_both_messengers(database_url: str, tmp_path: Path) -> None:
    seed = subprocess.run(
        [sys.executable, "-m", "bot", "seed"],
        env=_env(database_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seed.returncode == 0, seed.stderr
    async with (
        BotApiStandIn(token="111:TG", profile="telegram") as telegram,
        BotApiStandIn(token="222:BALE", profile="bale") as bale,
    ):
        env = _env(
            database_url,
            tmp_path,
            SKEDBOT_TELEGRAM_TOKEN=telegram.token,
            SKEDBOT_TELEGRAM_BASE_URL=telegram.base_url,
            SKEDBOT_TELEGRAM_BASE_FILE_URL=telegram.base_file_url,
            SKEDBOT_BALE_TOKEN=bale.token,
            SKEDBOT_BALE_BASE_URL=bale.base_url,
            SKEDBOT_BALE_BASE_FILE_URL=bale.base_file_url,
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            for standin in (telegram, bale):
                person = standin.person(user_id=77, first_name="رضا")
                await person.send_command("/start")
                [welcome] = await person.wait_for_reply(timeout=30)
                assert "رضا" in welcome.text
                assert any(texts.BTN_SERVICES in row for row in welcome.reply_buttons)
                # The token never reaches the process's output.
        finally:
            proc.terminate()
            out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        assert proc.returncode == 0, err.decode()
        for secret in (telegram.token, bale.token):
            assert secret not in out.decode() + err.decode()


@pytest.mark.parametrize("command", ["run", "seed", "migrate"])
def test_unreachable_database_is_a_clear_error(command: str, tmp_path: Path) -> None:
    env = _env(
        "postgres://postgres:hunter2@127.0.0.1:1/nowhere", tmp_path, SKEDBOT_BALE_TOKEN="1:X"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "database unavailable" in result.stderr
    assert "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr


async def test_run_on_a_fresh_database_migrates_and_seeds_itself(tmp_path: Path) -> None:
    """Started from outside with only a token and a Bot API URL: no separate migrate/seed."""
    database_url = f"sqlite://{tmp_path / 'fresh' / 'skedbot.sqlite3'}"
    async with BotApiStandIn(token="333:BALE", profile="bale") as bale:
        env = _env(
            database_url,
            tmp_path,
            SKEDBOT_BALE_TOKEN=bale.token,
            SKEDBOT_BALE_BASE_URL=bale.base_url,
            SKEDBOT_BALE_BASE_FILE_URL=bale.base_file_url,
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            person = bale.person(user_id=78, first_name="سارا")
            await person.send_text(texts.BTN_SERVICES)
            [categories] = await person.wait_for_reply(timeout=30)
            assert categories.text == texts.CATEGORIES
            assert sum(len(row) for row in categories.inline_buttons) >= 5
        finally:
            proc.terminate()
            _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        assert proc.returncode == 0, err.decode()
