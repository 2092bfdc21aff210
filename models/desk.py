"""The staff desk's records: who has a request («برعهده من») and what staff did, when.

A :class:`Claim` says which operator is working on a request (one at most). Every desk
action (claim, release, reassign, reject with its reason, find, resend documents) is a
:class:`DeskAction` row with its actor and time, beside the status events the lifecycle
writes itself. The rules are plain functions here; the handlers only check rights and
answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

if TYPE_CHECKING:
    from models.request import ServiceRequest

__all__ = ["AlreadyClaimed", "Claim", "DeskAction", "claim", "record", "release"]


class AlreadyClaimed(Exception):
    """Another operator has the request; ``claim`` holds theirs."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(claim.operator_name)
        self.claim = claim


class Claim(Model):
    """The operator working on a request."""

    id = fields.IntField(primary_key=True)
    request: fields.OneToOneRelation[ServiceRequest] = fields.OneToOneField(
        "models.ServiceRequest", related_name="claim", on_delete=fields.CASCADE
    )
    messenger = fields.CharField(max_length=16)
    operator_id = fields.BigIntField(description="the operator's messenger user id")
    operator_name = fields.CharField(max_length=128, default="")
    claimed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "request_claim"
        indexes = (("messenger", "operator_id"),)


class DeskAction(Model):
    """One thing staff did at the desk, with who and when."""

    id = fields.BigIntField(primary_key=True)
    request: fields.ForeignKeyNullableRelation[ServiceRequest] = fields.ForeignKeyField(
        "models.ServiceRequest", related_name="desk_actions", null=True, on_delete=fields.CASCADE
    )
    actor = fields.CharField(max_length=64, description="operator:messenger:ID")
    action = fields.CharField(max_length=24, description="claim, release, reassign, reject…")
    detail = fields.TextField(default="", description="a reason, the new assignee…")
    message_id = fields.BigIntField(null=True, description="a prompt in the group, if any")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "desk_action"
        indexes = (("request_id",),)  # a request's history; its erasure


async def record(
    actor: str,
    action: str,
    request_id: int | None = None,
    detail: str = "",
    message_id: int | None = None,
) -> DeskAction:
    return await DeskAction.create(
        actor=actor, action=action, request_id=request_id, detail=detail, message_id=message_id
    )


async def claim(
    request_id: int,
    messenger: str,
    operator_id: int,
    name: str,
    *,
    actor: str,
    force: bool = False,
) -> Claim:
    """Give the request to ``operator_id``; refuses (AlreadyClaimed) if another has it,
    unless ``force`` (an admin's reassignment). Idempotent for the same operator."""
    async with in_transaction():
        current = await Claim.get_or_none(request_id=request_id)
        if current is not None and current.operator_id == operator_id:
            return current
        if current is not None and not force:
            raise AlreadyClaimed(current)
        if current is not None:
            await current.delete()
        try:
            async with in_transaction():
                made = await Claim.create(
                    request_id=request_id,
                    messenger=messenger,
                    operator_id=operator_id,
                    operator_name=name[:128],
                )
        except IntegrityError:  # someone claimed it in the same instant
            raise AlreadyClaimed(await Claim.get(request_id=request_id)) from None
        await record(
            actor,
            "reassign" if force and current is not None else "claim",
            request_id,
            detail=f"{messenger}:{operator_id}",
        )
        return made


async def release(request_id: int, *, actor: str) -> bool:
    async with in_transaction():
        gone = await Claim.filter(request_id=request_id).delete()
        if gone:
            await record(actor, "release", request_id)
    return bool(gone)
