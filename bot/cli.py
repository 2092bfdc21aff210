"""The ``skedbot`` command: run, webhook, jobs, api, api-token create/revoke, local, migrate,
seed, catalog check, nlp-eval, nlp-misses, outages import."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Coroutine, Sequence
from typing import Any

from bot import modelcache
from bot.db import DatabaseUnavailable, close_db, describe, init_db, migrate
from bot.logs import setup_logging
from bot.messengers import BotApiUnavailable
from bot.settings import Settings

__all__ = ["main"]

log = logging.getLogger("skedbot")


def _run[R](main: Coroutine[Any, Any, R]) -> R:
    """Run a long-lived command's coroutine on uvloop where it is installed (a dependency
    everywhere but Windows): libuv's loop in C instead of asyncio's, written in Python.
    With orjson, 4-8% less CPU per update on SQLite in ``bench/e2e.py``, no difference on
    PostgreSQL (README, "Benchmarks"); the short commands keep asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return asyncio.run(main, loop_factory=uvloop.new_event_loop)


def _secrets(settings: Settings) -> list[str]:
    """What the log filter hides verbatim, whatever shape it has."""
    secrets = [settings.token(name) or "" for name in ("telegram", "bale")]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    if settings.api_tokens is not None:
        for entry in settings.api_tokens.get_secret_value().split(","):
            secrets.append(entry.strip().rpartition(":")[2])
    return secrets


async def _seed(settings: Settings) -> str:
    from models.catalog import load_catalog
    from models.seeding import seed_catalog

    await init_db(settings.database_url)
    try:
        report = await seed_catalog(load_catalog())
    finally:
        await close_db()
    return (
        f"catalog seeded: {report.created} created, {report.updated} updated, "
        f"{report.deactivated} deactivated"
    )


async def _nlp_misses(settings: Settings, limit: int) -> list[tuple[str, int, str]]:
    """(normalised text, times, the service staff tagged it with or "")."""
    from tortoise.functions import Count

    from models.querylog import QueryLog
    from models.tagging import taught

    await init_db(settings.database_url)
    try:
        rows = (
            await QueryLog.filter(decision="none")
            .annotate(n=Count("id"))
            .group_by("normalized")
            .order_by("-n", "normalized")
            .limit(limit)
            .values_list("normalized", "n")
        )
        tags = {text: code for code, texts in (await taught()).items() for text in texts}
    finally:
        await close_db()
    return [(text, n, tags.get(text, "")) for text, n in rows]


async def _create_token(settings: Settings, name: str, scope: str) -> str:
    from models.apitoken import create_token

    await init_db(settings.database_url)
    try:
        return await create_token(name, scope)
    finally:
        await close_db()


async def _revoke_token(settings: Settings, name: str) -> bool:
    from models.apitoken import revoke_token

    await init_db(settings.database_url)
    try:
        return await revoke_token(name)
    finally:
        await close_db()


def _api_token(settings: Settings, args: argparse.Namespace) -> int:
    from models.apitoken import TokenError

    if args.token_command == "revoke":
        if not asyncio.run(_revoke_token(settings, args.name)):
            print(f"skedbot api-token: no working token named {args.name!r}", file=sys.stderr)
            return 1
        print(f"token {args.name} revoked")
        return 0
    try:
        token = asyncio.run(_create_token(settings, args.name, args.scope))
    except TokenError as exc:
        print(f"skedbot api-token: {exc}", file=sys.stderr)
        return 1
    print(f"token {args.name} ({args.scope}), shown only this once:")
    print(token)
    return 0


async def _outages_import(settings: Settings, path: str) -> int:
    """Import a planned-outage CSV (all or nothing); the Persian report on stdout."""
    from handlers.outages import import_text
    from handlers.texts import outages as texts

    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        print(texts.IMPORT_NOT_TEXT, file=sys.stderr)
        return 1
    await init_db(settings.database_url)
    try:
        answer = await import_text(text)
    finally:
        await close_db()
    print(answer)
    return 0 if answer.startswith(texts.IMPORT_DONE.split("{", 1)[0]) else 1


def _nlp_eval(path: str) -> int:
    from bot.intents import build_matcher
    from models.catalog import load_catalog
    from nlp.eval import evaluate, format_report, timed_build

    catalog = load_catalog()
    matcher, build_s = timed_build(lambda: build_matcher(catalog))
    print(format_report(evaluate(matcher, path, build_s)))
    return 0


def _catalog_check(directory: str | None, strict: bool) -> int:
    """Print what staff must still confirm; with ``strict``, fail while anything is left."""
    from bot.catalog_check import format_check
    from models.catalog import load_catalog
    from models.catalog.check import check_catalog

    checks = check_catalog(load_catalog(directory))
    print(format_check(checks))
    return 1 if strict and not all(c.confirmed for c in checks) else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skedbot", description="South Kerman electricity e-service desk bot"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    local = sub.add_parser("local", help="run the whole bot in this terminal, no token needed")
    local.add_argument("--messenger", choices=["bale", "telegram"], default="bale")
    local.add_argument("--user-id", type=int, default=1001, help="the citizen you play")
    local.add_argument("--name", default="شهروند", help="the citizen's first name")
    sub.add_parser("run", help="long polling on Telegram and/or Bale")
    sub.add_parser("webhook", help="aiohttp server receiving both messengers' updates")
    sub.add_parser(
        "jobs", help="the job worker: outbox, SLA, broadcasts, outages, expiry; no webhook"
    )
    sub.add_parser("api", help="the back-office HTTP API alone (also served by webhook)")
    api_token = sub.add_parser("api-token", help="back-office API tokens")
    token_sub = api_token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="make a token; printed once, stored hashed")
    create.add_argument("name", help="shown as the actor api:NAME of its writes")
    create.add_argument("--scope", choices=["read", "write"], default="read")
    revoke = token_sub.add_parser("revoke", help="stop a token working, in every process")
    revoke.add_argument("name")
    sub.add_parser("migrate", help="create or update the database schema")
    sub.add_parser("seed", help="load the service catalog into the database")
    catalog = sub.add_parser("catalog", help="staff tools for the service catalog files")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    check = catalog_sub.add_parser(
        "check", help="list every estimated value and every card without a source"
    )
    check.add_argument("--dir", help="catalog folder (default: the shipped models/catalog)")
    check.add_argument(
        "--strict", action="store_true", help="exit 1 while anything is left to confirm"
    )
    nlp_eval = sub.add_parser("nlp-eval", help="score the intent matcher on a labelled TSV")
    nlp_eval.add_argument("file")
    misses = sub.add_parser("nlp-misses", help="most frequent unmatched queries")
    misses.add_argument("--limit", type=int, default=30)
    outages = sub.add_parser("outages", help="staff tools for planned outages")
    outages_sub = outages.add_subparsers(dest="outages_command", required=True)
    schedule = outages_sub.add_parser(
        "import", help="import the schedule CSV (area, Jalali date, from, to, reason)"
    )
    schedule.add_argument("file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    modelcache.use(settings.model_cache())
    setup_logging(
        settings.log_level if args.command != "local" else "WARNING",
        _secrets(settings),
        log_format=settings.log_format if args.command != "local" else "text",
    )
    try:
        if args.command == "migrate":
            asyncio.run(migrate(settings.database_url))
            print(f"migrated {describe(settings.database_url)}")
        elif args.command == "seed":
            print(asyncio.run(_seed(settings)))
        elif args.command == "run":
            from bot.runtime import serve_polling

            _run(serve_polling(settings))
        elif args.command == "webhook":
            from bot.webhook import serve_webhook

            _run(serve_webhook(settings))
        elif args.command == "jobs":
            from bot.jobs import serve_jobs

            _run(serve_jobs(settings))
        elif args.command == "api":
            from bot.api import serve_api

            _run(serve_api(settings))
        elif args.command == "api-token":
            return _api_token(settings, args)
        elif args.command == "local":
            from bot.local import run_local

            return asyncio.run(run_local(settings, args.messenger, args.user_id, args.name))
        elif args.command == "catalog":
            return _catalog_check(args.dir, args.strict)
        elif args.command == "outages":
            return asyncio.run(_outages_import(settings, args.file))
        elif args.command == "nlp-eval":
            return _nlp_eval(args.file)
        elif args.command == "nlp-misses":
            for text, n, code in asyncio.run(_nlp_misses(settings, args.limit)):
                print(f"{n}\t{text}\t🏷 {code}" if code else f"{n}\t{text}")
    except DatabaseUnavailable as exc:
        print(f"skedbot: database unavailable: {exc}", file=sys.stderr)
        return 2
    except BotApiUnavailable as exc:
        print(f"skedbot: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    return 0
