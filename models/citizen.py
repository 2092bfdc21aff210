"""Citizens: one row per (messenger, user id), with what they chose to tell us."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models import rawsql

if TYPE_CHECKING:
    from models.request import ServiceRequest

__all__ = ["Citizen"]


class Citizen(Model):
    """A person writing to the bot. The same human on Telegram and Bale is two citizens:
    messengers give no shared identity, and we must not guess one."""

    id = fields.IntField(primary_key=True)
    messenger = fields.CharField(max_length=16, description="telegram or bale")
    user_id = fields.BigIntField(description="the messenger's user id")
    chat_id = fields.BigIntField(description="private chat to write to")
    first_name = fields.CharField(max_length=128, default="")
    mobile = fields.CharField(max_length=11, null=True, description="09xxxxxxxxx, shared contact")
    national_code = fields.CharField(max_length=10, null=True, description="کد ملی, validated")
    bill_id = fields.CharField(max_length=13, null=True, description="last شناسه قبض used")
    blocked_bot = fields.BooleanField(default=False, description="the bot can no longer write")
    spam_answered_at = fields.DatetimeField(
        null=True, description="when an advertisement got its one answer (later ones are ignored)"
    )
    unplaced = fields.CharField(
        max_length=500,
        null=True,
        description="last message answered «none», normalised, digits masked (for staff tags)",
    )
    unplaced_at = fields.DatetimeField(null=True, description="when that «none» was answered")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    requests: fields.ReverseRelation[ServiceRequest]

    class Meta:
        table = "citizen"
        unique_together = (("messenger", "user_id"),)

    def __str__(self) -> str:
        return f"{self.messenger}:{self.user_id}"

    @classmethod
    async def of(cls, messenger: str, user_id: int, chat_id: int, first_name: str) -> Citizen:
        """The citizen, created on first contact. Read on every citizen update, so the usual
        case (they wrote before) is one SQL statement (see ``models.rawsql``)."""
        found = await rawsql.first(cls, '"messenger"=? AND "user_id"=?', [messenger, user_id])
        if found is not None:
            return found
        # first contact, in a burst the common case: one INSERT (a transaction with a look
        # and an insert before); another process that wrote them meanwhile wins
        citizen = cls(
            messenger=messenger, user_id=user_id, chat_id=chat_id, first_name=first_name[:128]
        )
        if await rawsql.insert_unless_taken(citizen, "messenger", "user_id"):
            return citizen
        return await cls.of(messenger, user_id, chat_id, first_name)  # theirs, read now
