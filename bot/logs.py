"""Logging for every command: one handler on the root logger, and nothing secret in it.

At DEBUG, python-telegram-bot logs every Bot API call with its parameters and every update
it receives, Tortoise logs every SQL statement with its values, and request URLs hold the
bot token. One filter on the root handler rewrites every record that reaches it, whoever
logged it, so no token, national code, mobile, bill ID or citizen's name reaches the output
at any level:

* the configured secrets (tokens, the webhook secret) wherever they appear;
* anything shaped like a bot token, bare or in a ``/bot<token>/`` URL path, and a
  database URL's password;
* the values of fields that hold a person's words or names (``first_name``, ``text``,
  ``phone_number``…) in JSON, dict reprs and PTB object reprs;
* numbers that are personal data, in any script, also in groups split by spaces or
  dashes: every run of ten or more digits (national codes, mobiles, postal codes, bill
  IDs, card numbers) and shorter ones that read as a national code, a mobile or a bill ID
  (:func:`models.identifiers.looks_personal`). Tracking codes are drawn never to read as
  one, so they stay, as do update ids (a number labelled ``update``/``update_id``),
  row and message ids, counts and dates;
* the parameter values of SQL logs (Tortoise, aiosqlite), which carry names by position.

``SKEDBOT_LOG_FORMAT=json`` writes one JSON object a line instead (time, level, logger,
message, and ``update_id`` / ``tracking_code`` when the line is about one), for a log
collector. It is the same handler with the same filter: only the formatter differs, so a
JSON line holds nothing a text line would not.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Literal

from models.identifiers import looks_personal
from models.logcontext import current

__all__ = ["JsonFormatter", "RedactingFilter", "redact", "setup_logging"]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HIDDEN = "‹hidden›"

_URL_TOKEN = re.compile(r"(/(?:file/)?bot)[^/\s'\"]+")
_BARE_TOKEN = re.compile(r"(?<![\w-])\d{3,}:[A-Za-z0-9_-]{8,}")
_URL_PASSWORD = re.compile(r"(://[^:/@\s'\"]+:)[^@\s'\"]+@")
_PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "username",
    "sender_user_name",
    "phone_number",
    "vcard",
    "text",
    "caption",
    "password",
)
_FIELD_NAMES = "|".join(_PERSONAL_FIELDS)
_FIELD_VALUE = re.compile(
    rf"""(?P<key>['"]?\b(?:{_FIELD_NAMES})\b['"]?\s*[:=]\s*)"""
    r"""(?P<q>['"])(?:\\.|(?!(?P=q)).)*(?P=q)""",
    re.DOTALL,
)
_DIGIT_GROUPS = re.compile(r"(?<!\d)\+?\d+(?:[ \-]\d+)*(?!\d)")
MIN_DIGITS = 6
"""Shorter numbers are never personal data (a bill ID has six digits or more)."""
LONG_DIGITS = 10
"""From this length a number is hidden whatever its check digits: nothing the logs need
is this long except update ids, which are kept by their label."""
_UPDATE_LABEL = re.compile(r"""\bupdate(?:_id)?['"]?\s*[:=]?\s*$""", re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2})?")
_SQL_LOGGERS = ("tortoise.db_client", "aiosqlite", "asyncpg")


def _is_personal(digits: str) -> bool:
    """Whether a number (ASCII digits, separators dropped) may be a person's data."""
    if len(digits) < MIN_DIGITS:
        return False
    return len(digits) >= LONG_DIGITS or looks_personal(digits)


def _numbers(text: str) -> str:
    """``text`` with every number that may be personal data hidden (see the module doc)."""

    def replace(match: re.Match[str]) -> str:
        found = match.group()
        digits = "".join(str(unicodedata.decimal(ch)) for ch in found if ch.isdecimal())
        if not _is_personal(digits):
            return found
        if _UPDATE_LABEL.search(text, max(0, match.start() - 24), match.start()):
            return found  # an update id, which operators need to follow an update
        if len(digits) < LONG_DIGITS + 2 and _DATE.fullmatch(found):
            return found  # 2026-11-30 (and the hour after it): a date, not a number
        return HIDDEN

    return _DIGIT_GROUPS.sub(replace, text)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with secrets and personal data replaced by :data:`HIDDEN`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    text = _URL_TOKEN.sub(rf"\1{HIDDEN}", text)
    text = _BARE_TOKEN.sub(HIDDEN, text)
    text = _URL_PASSWORD.sub(rf"\1{HIDDEN}@", text)
    text = _FIELD_VALUE.sub(rf"\g<key>\g<q>{HIDDEN}\g<q>", text)
    return _numbers(text)


class RedactingFilter(logging.Filter):
    """Rewrites each record in place (message, traceback, stack) before any output."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(_SQL_LOGGERS) and isinstance(record.args, tuple):
            # Tortoise logs "%s: %s" % (query, values), aiosqlite the call with its values:
            # the values are citizens' answers, by position. Only a query text is kept.
            record.args = tuple(
                arg if i == 0 and isinstance(arg, str) else HIDDEN
                for i, arg in enumerate(record.args)
            )
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class ContextFilter(logging.Filter):
    """Names the update and the request in hand on each record (``extra=`` values win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        update_id, tracking_code = current()
        if getattr(record, "update_id", None) is None:
            record.update_id = update_id
        if getattr(record, "tracking_code", None) is None:
            record.tracking_code = tracking_code
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line; the message and traceback as the filters left them."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("update_id", "tracking_code"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(
    level: str | int,
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
    log_format: Literal["text", "json"] = "text",
) -> logging.Handler:
    """Install the project's one root handler (replacing any earlier one) and return it."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "skedbot", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream)
    handler.skedbot = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter(secrets))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else getattr(logging, level.upper(), 20))
    # httpx logs every request URL at INFO; the filter hides the token, this the noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return handler
