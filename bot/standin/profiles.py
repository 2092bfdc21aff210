"""Platform profiles: every Telegram-vs-Bale difference of the stand-in lives here.

Bale copies the Telegram Bot API but not all of it. Keeping the differences in one
dataclass means a test can say ``profile="bale"`` and get *all* known quirks at once,
and a newly found quirk is added in one place (and maybe as one field).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.standin.errors import ApiError

MB = 1024 * 1024


@dataclass(frozen=True)
class Profile:
    """Behaviour switches and limits of one platform's Bot API server."""

    name: str
    #: lower-cased method names the platform does not implement
    unsupported_methods: frozenset[str] = field(default_factory=frozenset)
    unsupported_status: int = 400
    unsupported_description: str = "Bad Request: method not supported"
    #: Telegram sends ``X-Telegram-Bot-Api-Secret-Token``; Bale ignores ``secret_token``
    webhook_secret_header: bool = True
    #: Telegram answers flood with 429 + ``retry_after``; Bale with 400 "bot limit exceed"
    rate_limit_has_retry_after: bool = True
    max_upload_bytes: int = 50 * MB
    max_download_bytes: int = 20 * MB
    max_photo_bytes: int = 10 * MB
    max_text_length: int = 4096
    max_caption_length: int = 1024
    max_callback_data_bytes: int = 64

    def rate_limit_error(self, retry_after: int) -> ApiError:
        """The flood-control answer of this platform."""
        if self.rate_limit_has_retry_after:
            return ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        return ApiError(400, "bot limit exceed")

    def unsupported_error(self) -> ApiError:
        """The answer for a method this platform lacks."""
        return ApiError(self.unsupported_status, self.unsupported_description)

    def supports(self, method: str) -> bool:
        """Whether ``method`` (any case) is implemented on this platform."""
        return method.lower() not in self.unsupported_methods


TELEGRAM = Profile(name="telegram")

BALE = Profile(
    name="bale",
    unsupported_methods=frozenset({"setmycommands", "deletemycommands", "getmycommands"}),
    webhook_secret_header=False,
    rate_limit_has_retry_after=False,
)

PROFILES: dict[str, Profile] = {p.name: p for p in (TELEGRAM, BALE)}


def get_profile(profile: str | Profile) -> Profile:
    """Accept a profile name or a (possibly customised) :class:`Profile`."""
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile.lower()]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; known: {sorted(PROFILES)}") from None
