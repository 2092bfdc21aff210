"""Every setting the bot reads, from the environment (prefix ``SKEDBOT_``) or a ``.env`` file.

The README's settings table is written from this class: a setting added here is documented
there in the same change. Secrets (tokens, webhook secret) are ``SecretStr`` so they never
appear in a repr or a log line.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["DEFAULT_DATABASE_URL", "Settings"]

DEFAULT_DATABASE_URL = "sqlite://data/skedbot.sqlite3"

IdList = Annotated[frozenset[int], NoDecode]
DateList = Annotated[frozenset[date], NoDecode]


def _split(value: object) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    if isinstance(value, int):
        return [str(value)]
    return [str(v) for v in value or ()]  # type: ignore[union-attr]


class Settings(BaseSettings):
    """The bot's configuration. Field names are the env names without ``SKEDBOT_``."""

    model_config = SettingsConfigDict(
        env_prefix="SKEDBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="Tortoise database URL: sqlite://PATH or postgres://user:pass@host:port/db",
    )
    telegram_token: SecretStr | None = Field(None, description="Telegram bot token")
    bale_token: SecretStr | None = Field(None, description="Bale bot token")
    telegram_base_url: str = Field(
        "https://api.telegram.org/bot", description="Telegram Bot API base URL"
    )
    telegram_base_file_url: str = Field(
        "https://api.telegram.org/file/bot", description="Telegram file download base URL"
    )
    bale_base_url: str = Field("https://tapi.bale.ai/bot", description="Bale Bot API base URL")
    bale_base_file_url: str = Field(
        "https://tapi.bale.ai/file/bot", description="Bale file download base URL"
    )
    telegram_operator_chat_id: int | None = Field(
        None, description="Telegram group where staff receive requests"
    )
    bale_operator_chat_id: int | None = Field(
        None, description="Bale group where staff receive requests"
    )
    telegram_admin_ids: IdList = Field(
        frozenset(),
        description="Telegram user ids of admins, comma-separated (broadcasts, operator powers)",
    )
    bale_admin_ids: IdList = Field(
        frozenset(),
        description="Bale user ids of admins, comma-separated (broadcasts, operator powers)",
    )
    telegram_operator_ids: IdList = Field(
        frozenset(),
        description="Telegram user ids of operators, comma-separated (admins are operators too)",
    )
    bale_operator_ids: IdList = Field(
        frozenset(),
        description="Bale user ids of operators, comma-separated (admins are operators too)",
    )
    storage_dir: Path = Field(Path("data/documents"), description="Folder for document files")
    model_cache_dir: str = Field(
        "~/.cache/skedbot",
        description="Folder where the trained search model is kept between starts (a start"
        " that finds it skips the training); empty: none",
    )
    webhook_host: str = Field("127.0.0.1", description="Address the webhook server binds")
    webhook_port: int = Field(8080, description="Port the webhook server binds")
    webhook_public_url: str | None = Field(
        None, description="Public https URL of the webhook server, as messengers reach it"
    )
    webhook_secret: SecretStr | None = Field(
        None, description="Secret in the webhook path (and Telegram's secret header)"
    )
    max_text_length: int = Field(2000, description="Longest text message the bot reads")
    max_image_mb: float = Field(10, description="Largest document photo, MB")
    max_pdf_mb: float = Field(20, description="Largest PDF document, MB")
    dialog_timeout_minutes: int = Field(
        120, description="Idle minutes after which an unfinished dialog expires"
    )
    dialog_reminder_minutes: int = Field(
        60, description="Idle minutes after which an unfinished dialog gets one reminder"
    )
    extra_closed_weekdays: IdList = Field(
        frozenset(),
        description="Extra closed weekdays for the SLA clock, comma-separated (0=Mon … 3=Thu)",
    )
    extra_closed_dates: DateList = Field(
        frozenset(),
        description="Extra closed dates for the SLA clock, comma-separated YYYY-MM-DD (Gregorian)",
    )
    documents_wait_days: int = Field(
        7, description="Working days a citizen has to send documents asked for, then خاتمه"
    )
    documents_reminder_days: int = Field(
        1, description="Working days before that last day when the citizen is reminded"
    )
    digest_hour: int = Field(
        8, description="Hour (Asia/Tehran) of the staff's daily digest on working days, 24 = none"
    )
    flood_limit: int = Field(
        30,
        description="Messages and button presses per user per minute, counted when they "
        "arrive and shared by every process; past it one slow-down notice, then silence",
    )
    office_hours: str = Field(
        "07:00-14:30",
        description="Staff office hours on working days, Tehran time, HH:MM-HH:MM "
        "(outside them citizens are told when to expect an answer)",
    )
    log_level: str = Field("INFO", description="Logging level")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="Log lines as text, or json (one object a line: time, level, logger, "
        "message, update_id, tracking_code)",
    )
    webhook_jobs: bool = Field(
        True,
        description="Whether `skedbot webhook` also runs the shared jobs (outbox, SLA, "
        "broadcasts, outages, dialog expiry); false where a `skedbot jobs` worker runs them",
    )
    jobs_host: str = Field(
        "127.0.0.1", description="Address `skedbot jobs` serves /healthz, /readyz, /metrics on"
    )
    jobs_port: int = Field(
        8082, description="Port `skedbot jobs` serves /healthz, /readyz, /metrics on"
    )
    ready_bot_api_seconds: float = Field(
        300,
        description="/readyz fails when a messenger's Bot API has not answered this process "
        "for this many seconds (it is asked getMe every minute)",
    )
    ready_outbox_backlog: int = Field(
        500,
        description="/readyz fails at this many due, unsent replies and notices (broadcasts "
        "not counted); 0 = no outbox check",
    )
    http_client: Literal["aiohttp", "httpx"] = Field(
        "aiohttp", description="HTTP client under the Bot API calls: aiohttp or httpx"
    )
    bot_api_timeout: float = Field(
        5.0,
        gt=0,
        description="Seconds a Bot API call may take to connect, to send and to be answered, "
        "each (uploads get four times as long to send); a call past it counts as timed out "
        "and is tried again",
    )
    telegram_rate: float = Field(
        25, description="Messages a second one Telegram bot token may send, all processes together"
    )
    bale_rate: float = Field(
        20, description="Messages a second one Bale bot token may send, all processes together"
    )
    rate_reserve: float = Field(
        0.2, description="Share of a second's budget broadcasts leave for replies and notices"
    )
    broadcast_progress_seconds: float = Field(
        5, description="Seconds between edits of a running broadcast's progress message"
    )
    api_host: str = Field("127.0.0.1", description="Address `skedbot api` binds")
    api_port: int = Field(8081, description="Port `skedbot api` binds")
    api_tokens: SecretStr | None = Field(
        None,
        description="Back-office API tokens, comma-separated name:scope:token "
        "(scope read or write; token may be sha256=HEX)",
    )
    outage_evening_hour: int = Field(
        20, description="Hour (Asia/Tehran) of the evening-before notice of a planned outage"
    )
    outage_soon_minutes: int = Field(
        60, description="Minutes before a planned outage when subscribers are told again"
    )
    incident_window_minutes: int = Field(
        30, description="Minutes within which outage reports from one area make one incident"
    )
    document_retention_days: int = Field(
        90,
        description="Days after a request is closed (done, rejected, خاتمه, cancelled) when its "
        "stored documents are deleted, the request keeping a note; 0 = kept forever",
        ge=0,
    )

    @field_validator(
        "telegram_admin_ids",
        "bale_admin_ids",
        "telegram_operator_ids",
        "bale_operator_ids",
        "extra_closed_weekdays",
        mode="before",
    )
    @classmethod
    def _int_list(cls, value: object) -> frozenset[int]:
        return frozenset(int(part) for part in _split(value))

    @field_validator("extra_closed_dates", mode="before")
    @classmethod
    def _date_list(cls, value: object) -> frozenset[date]:
        return frozenset(date.fromisoformat(part) for part in _split(value))

    @field_validator("telegram_token", "bale_token", "webhook_secret", "api_tokens", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("office_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        start, _, end = value.partition("-")
        if not (time.fromisoformat(start.strip()) < time.fromisoformat(end.strip())):
            raise ValueError("office hours must be HH:MM-HH:MM, the start before the end")
        return value

    def model_cache(self) -> Path | None:
        """:attr:`model_cache_dir` as a path (``~`` expanded), None when set empty."""
        return Path(self.model_cache_dir).expanduser() if self.model_cache_dir.strip() else None

    def office_window(self) -> tuple[time, time]:
        start, _, end = self.office_hours.partition("-")
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())

    def token(self, messenger: str) -> str | None:
        secret: SecretStr | None = getattr(self, f"{messenger}_token")
        return secret.get_secret_value() if secret else None

    def operator_chat_id(self, messenger: str) -> int | None:
        return getattr(self, f"{messenger}_operator_chat_id")

    def admin_ids(self, messenger: str) -> frozenset[int]:
        return getattr(self, f"{messenger}_admin_ids")

    def operator_ids(self, messenger: str) -> frozenset[int]:
        """Who may press the operator group's status buttons: operators and admins."""
        return getattr(self, f"{messenger}_operator_ids") | self.admin_ids(messenger)

    def rate(self, messenger: str) -> float:
        """Sends a second for one bot token of ``messenger`` (shared by every process)."""
        return float(getattr(self, f"{messenger}_rate"))

    def base_urls(self, messenger: str) -> tuple[str, str]:
        return getattr(self, f"{messenger}_base_url"), getattr(self, f"{messenger}_base_file_url")
