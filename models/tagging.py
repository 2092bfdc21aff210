"""Messages staff tagged with the service they asked for: the matcher learns from them.

An operator tags a citizen's message relayed to the group («🏷 برچسب» → a service). The
text is kept normalised with every digit run masked (no ids or phone numbers), becomes one
more example of that service for the matcher's learned scorer, and bumps the one
:class:`MatcherVersion` counter in the same transaction. Every process compares the counter
with the version its matcher was built from and rebuilds in the background when they differ
(``bot.learning``), so a tag reaches all workers without a restart. Undoing a tag marks it
undone and bumps the counter again.
"""

from __future__ import annotations

from collections import defaultdict

from tortoise import fields
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.transactions import in_transaction

__all__ = [
    "MatcherVersion",
    "TaggedMessage",
    "bump_matcher_version",
    "matcher_version",
    "tag",
    "taught",
    "untag",
]

_VERSION_ROW = 1


class TaggedMessage(Model):
    """One citizen message and the service staff said it asks for."""

    id = fields.BigIntField(primary_key=True)
    normalized = fields.CharField(max_length=500, description="normalised, digits masked")
    code = fields.CharField(max_length=48, description="service code (or track / none)")
    actor = fields.CharField(max_length=64, description="operator:<messenger>:<user id>")
    undone = fields.BooleanField(default=False, description="the tag was taken back")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "tagged_message"


class MatcherVersion(Model):
    """One row: bumped by every change to what the matcher learns from the database."""

    id = fields.IntField(primary_key=True)
    version = fields.IntField(default=0)

    class Meta:
        table = "matcher_version"


async def matcher_version() -> int:
    """The current version (0 before the first tag)."""
    row = await MatcherVersion.get_or_none(id=_VERSION_ROW)
    return row.version if row is not None else 0


async def _bump() -> None:
    """Inside the caller's transaction: the counter moves by one."""
    if not await MatcherVersion.filter(id=_VERSION_ROW).update(version=F("version") + 1):
        await MatcherVersion.get_or_create(id=_VERSION_ROW, defaults={"version": 0})
        await MatcherVersion.filter(id=_VERSION_ROW).update(version=F("version") + 1)


async def bump_matcher_version() -> int:
    """Every process rebuilds its matcher (e.g. the catalog was reloaded); the new version."""
    async with in_transaction():
        await _bump()
        return await matcher_version()


async def tag(normalized: str, code: str, actor: str) -> TaggedMessage:
    """Record a tag (text already normalised and masked) and move the version."""
    async with in_transaction():
        item = await TaggedMessage.create(normalized=normalized[:500], code=code, actor=actor)
        await _bump()
    return item


async def untag(tag_id: int) -> TaggedMessage | None:
    """Take a tag back (None: no such tag, or undone already)."""
    async with in_transaction():
        item = await TaggedMessage.get_or_none(id=tag_id, undone=False)
        if item is None:
            return None
        item.undone = True
        await item.save(update_fields=["undone", "updated_at"])
        await _bump()
    return item


async def taught() -> dict[str, list[str]]:
    """code -> the texts tagged with it, oldest first (undone tags left out)."""
    out: dict[str, list[str]] = defaultdict(list)
    for text, code in (
        await TaggedMessage.filter(undone=False).order_by("id").values_list("normalized", "code")
    ):
        out[code].append(text)
    return dict(out)
