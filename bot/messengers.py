"""Telegram and Bale: the one place where their differences are written down.

Bale speaks the Telegram Bot API (python-telegram-bot reaches it through ``base_url``), but
with known differences (``../shared/catalog/service-facts.md``): no setMyCommands, no
``secret_token`` on setWebhook (the secret goes in the webhook path instead), and rate
limiting reported as HTTP 400 "bot limit exceed" without ``retry_after``. Everything else in
the bot is messenger-agnostic and asks this module when it must differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.texts import MESSENGER_NAMES

__all__ = ["BALE", "MESSENGERS", "TELEGRAM", "BotApiUnavailable", "Messenger", "messenger"]


class BotApiUnavailable(RuntimeError):
    """A messenger's Bot API cannot be used at start-up; the message says which and why
    (never the token). ``skedbot`` reports it on stderr and exits 3."""


@dataclass(frozen=True, slots=True)
class Messenger:
    """What the bot must know about one messenger's flavour of the Bot API."""

    name: str
    title_fa: str
    supports_bot_commands: bool
    supports_webhook_secret_header: bool
    rate_limit_markers: tuple[str, ...]


TELEGRAM = Messenger(
    name="telegram",
    title_fa=MESSENGER_NAMES["telegram"],
    supports_bot_commands=True,
    supports_webhook_secret_header=True,
    rate_limit_markers=("too many requests", "retry after"),
)

BALE = Messenger(
    name="bale",
    title_fa=MESSENGER_NAMES["bale"],
    supports_bot_commands=False,
    supports_webhook_secret_header=False,
    rate_limit_markers=("bot limit exceed", "too many requests"),
)

MESSENGERS: dict[str, Messenger] = {m.name: m for m in (BALE, TELEGRAM)}


def messenger(name: str) -> Messenger:
    """The profile for ``name`` (``telegram`` or ``bale``); ValueError for anything else."""
    try:
        return MESSENGERS[name]
    except KeyError:
        raise ValueError(
            f"unknown messenger {name!r}; expected one of {sorted(MESSENGERS)}"
        ) from None
