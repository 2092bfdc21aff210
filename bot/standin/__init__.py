"""A local stand-in for the Telegram / Bale Bot API server, for tests, benchmarks and
the ``skedbot local`` terminal phone.

The bot talks to it through PTB's real HTTP stack::

    async with BotApiStandIn(token="123:ABC", profile="bale") as standin:
        app = (ApplicationBuilder().token(standin.token).base_url(standin.base_url)
               .base_file_url(standin.base_file_url).build())
        person = standin.person(user_id=1001, first_name="علی")
        await person.send_command("/start")
        [reply] = await person.wait_for_reply()
"""

from __future__ import annotations

from bot.standin.core import TIMEOUT, BotApiStandIn, LateAnswer
from bot.standin.errors import ApiError, ButtonNotFoundError
from bot.standin.files import StoredFile
from bot.standin.person import Person
from bot.standin.profiles import BALE, PROFILES, TELEGRAM, Profile, get_profile
from bot.standin.state import ApiCall, BotMessage, CallbackAnswer

__all__ = [
    "BALE",
    "PROFILES",
    "TELEGRAM",
    "TIMEOUT",
    "ApiCall",
    "ApiError",
    "BotApiStandIn",
    "BotMessage",
    "ButtonNotFoundError",
    "CallbackAnswer",
    "LateAnswer",
    "Person",
    "Profile",
    "StoredFile",
    "get_profile",
]
