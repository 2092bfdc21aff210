"""`skedbot run` as a real process: one process serves Telegram and Bale at once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
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


def _messenger_env(*standins: BotApiStandIn) -> dict[str, str]:
    """Token and Bot API URLs of each stand-in, under its messenger's setting names."""
    env: dict[str, str] = {}
    for standin in standins:
        prefix = f"SKEDBOT_{standin.profile.name.upper()}"
        env[f"{prefix}_TOKEN"] = standin.token
        env[f"{prefix}_BASE_URL"] = standin.base_url
        env[f"{prefix}_BASE_FILE_URL"] = standin.base_file_url
    return env


class RunningBot:
    """What a finished `skedbot run` process left: exit code and output."""

    returncode: int | None = None
    output: str = ""


@contextlib.asynccontextmanager
async def running_bot(env: dict[str, str]) -> AsyncIterator[RunningBot]:
    """`skedbot run` as a real process; stopped with SIGTERM on the way out, even on failure."""
    result = RunningBot()
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
        yield result
    finally:
        proc.terminate()
        out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        result.returncode, result.output = proc.returncode, out.decode() + err.decode()


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
        env = _env(database_url, tmp_path, **_messenger_env(telegram, bale))
        async with running_bot(env) as bot:
            for standin in (telegram, bale):
                person = standin.person(user_id=77, first_name="رضا")
                await person.send_command("/start")
                [welcome] = await person.wait_for_reply(timeout=30)
                assert "رضا" in welcome.text
                assert any(texts.BTN_SERVICES in row for row in welcome.reply_buttons)
        assert bot.returncode == 0, bot.output
        for secret in (telegram.token, bale.token):  # tokens never reach the process's output
            assert secret not in bot.output


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
        env = _env(database_url, tmp_path, **_messenger_env(bale))
        async with running_bot(env) as bot:
            person = bale.person(user_id=78, first_name="سارا")
            await person.send_text(texts.BTN_SERVICES)
            [categories] = await person.wait_for_reply(timeout=30)
            assert categories.text == texts.CATEGORIES
            assert sum(len(row) for row in categories.inline_buttons) >= 5
        assert bot.returncode == 0, bot.output


@pytest.mark.parametrize("fault", ["malformed getMe", "refused token", "unreachable"])
async def test_unusable_bot_api_is_a_clear_error(fault: str, tmp_path: Path) -> None:
    """A Bot API server that answers getMe in another shape, refuses the token or does not
    answer: a message on stderr and exit 3, no traceback, no token."""
    database_url = f"sqlite://{tmp_path / 'skedbot.sqlite3'}"
    async with BotApiStandIn(token="444:BALE", profile="bale") as bale:
        env = _env(database_url, tmp_path, **_messenger_env(bale))
        if fault == "malformed getMe":
            del bale.bot_user["first_name"]
        elif fault == "refused token":
            env["SKEDBOT_BALE_TOKEN"] = "444:WRONG"
        else:
            env["SKEDBOT_BALE_BASE_URL"] = "http://127.0.0.1:1/bot"
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot", "run"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "bale Bot API unusable" in result.stderr
    assert "Traceback" not in result.stderr
    assert "444:" not in result.stderr
