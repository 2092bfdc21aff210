"""Bearer tokens of the back-office HTTP API: a name, a scope, and only a hash stored.

A token is 32 random bytes (url-safe base64) handed out once by ``skedbot api-token
create``; the database keeps its sha256, so a copy of the database grants nothing. Tokens
may also come from the environment (``SKEDBOT_API_TOKENS``, see :func:`parse_env_tokens`).
A presented token is hashed and looked up by hash; environment tokens are compared hash to
hash with :func:`hmac.compare_digest`, so neither path leaks a token through timing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

__all__ = [
    "ApiToken",
    "Caller",
    "Scope",
    "TokenError",
    "authenticate",
    "create_token",
    "hash_token",
    "parse_env_tokens",
    "revoke_token",
]

NAME = re.compile(r"[A-Za-z0-9_.-]{1,48}")
"""Token names end up in actors (``api:<name>``): short, plain, no separators."""


class Scope(StrEnum):
    READ = "read"  # GET only
    WRITE = "write"  # GET and every change


class TokenError(ValueError):
    """A token name, scope or environment entry that cannot be used."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who holds the presented token."""

    name: str
    scope: Scope

    @property
    def actor(self) -> str:
        return f"api:{self.name}"

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.WRITE


class ApiToken(Model):
    """A back-office API token made by ``skedbot api-token create``, kept as its hash only."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=48, unique=True, description="shown as actor api:NAME")
    scope = fields.CharEnumField(Scope, max_length=8)
    token_hash = fields.CharField(max_length=64, unique=True, description="sha256 hex of it")
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True, description="set to stop the token working")

    class Meta:
        table = "api_token"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _check(name: str, scope: str) -> Scope:
    if not NAME.fullmatch(name):
        raise TokenError(f"token name {name!r}: 1-48 of A-Z a-z 0-9 _ . -")
    try:
        return Scope(scope)
    except ValueError:
        raise TokenError(f"token scope {scope!r}: read or write") from None


def parse_env_tokens(value: str) -> dict[str, Caller]:
    """``name:scope:token`` entries, comma-separated, into {sha256: caller}.

    The token part may be ``sha256=<hex>`` to keep only the hash in the environment too."""
    callers: dict[str, Caller] = {}
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        name, _, rest = entry.partition(":")
        scope, _, token = rest.partition(":")
        if not token:
            raise TokenError("SKEDBOT_API_TOKENS entries are name:scope:token")
        caller = Caller(name, _check(name, scope))
        digest = token[7:].lower() if token.startswith("sha256=") else hash_token(token)
        callers[digest] = caller
    return callers


async def create_token(name: str, scope: str) -> str:
    """Store a new token's hash under ``name``; returns the token, which is never stored."""
    checked = _check(name, scope)
    if await ApiToken.exists(name=name):
        raise TokenError(f"a token named {name!r} exists already")
    token = secrets.token_urlsafe(32)
    await ApiToken.create(name=name, scope=checked, token_hash=hash_token(token))
    return token


async def revoke_token(name: str) -> bool:
    """Stop the token named ``name`` working (False: none such, or revoked already).

    The row stays, so its name keeps meaning something in the actors of past writes; every
    process looks tokens up in the database per request, so the next call is refused."""
    from models import clock

    return bool(await ApiToken.filter(name=name, revoked_at=None).update(revoked_at=clock.now()))


async def authenticate(token: str, env_tokens: dict[str, Caller]) -> Caller | None:
    """The caller holding ``token``, from the environment or the database; None if nobody."""
    digest = hash_token(token)
    found: Caller | None = None
    for known, caller in env_tokens.items():  # every entry compared, found or not
        if hmac.compare_digest(known, digest):
            found = caller
    if found is not None:
        return found
    row = await ApiToken.get_or_none(token_hash=digest, revoked_at=None)
    return Caller(row.name, Scope(row.scope)) if row is not None else None
