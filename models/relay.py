"""The conversation relay: a citizen's thread with the operator group, and who wrote what.

A :class:`Relay` is one thread: its header in the group (masked identity, messenger, open
tracking codes, the relay's number) and every message under it. Each message, both ways,
is a :class:`RelayMessage` that remembers where it came from and where it landed in the
other chat, so an operator's *reply* in the group is mapped back to the citizen from the
database alone: any process, after any restart, and never from a forward origin (which a
citizen's privacy settings may hide).

Everything the bot relays is an outbox row (``handlers.relay`` registers the senders):
written in the transaction that records the message, so nothing a citizen sends is lost
while the group is unreachable.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models import clock
from models.workdays import TEHRAN, WorkCalendar

if TYPE_CHECKING:
    from models.citizen import Citizen
    from models.request import ServiceRequest

__all__ = [
    "Direction",
    "Relay",
    "RelayMessage",
    "close",
    "find_by_group_message",
    "next_opening",
    "open_relay",
]

PREVIEW_MAX = 300


class Direction(StrEnum):
    IN = "in"  # citizen → group
    OUT = "out"  # operator → citizen


class Relay(Model):
    """One conversation thread between a citizen and the operator group."""

    id = fields.IntField(primary_key=True)
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "models.Citizen", related_name="relays", on_delete=fields.CASCADE
    )
    request: fields.ForeignKeyNullableRelation[ServiceRequest] = fields.ForeignKeyField(
        "models.ServiceRequest", related_name="relays", null=True, on_delete=fields.SET_NULL
    )
    group_chat_id = fields.BigIntField(description="the operator group it is posted in")
    header_message_id = fields.BigIntField(null=True, description="the header in the group")
    open = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)

    messages: fields.ReverseRelation[RelayMessage]

    class Meta:
        table = "relay"
        indexes = (("citizen_id", "open"), ("request_id",))


class RelayMessage(Model):
    """One message of a thread, with its place in both chats."""

    id = fields.BigIntField(primary_key=True)
    relay: fields.ForeignKeyRelation[Relay] = fields.ForeignKeyField(
        "models.Relay", related_name="messages", on_delete=fields.CASCADE
    )
    direction = fields.CharEnumField(Direction, max_length=8)
    kind = fields.CharField(max_length=16, description="text, voice, photo, document, video…")
    source_chat_id = fields.BigIntField(description="the chat it was written in")
    source_message_id = fields.BigIntField()
    target_message_id = fields.BigIntField(null=True, description="its copy in the other chat")
    actor = fields.CharField(max_length=64, description="citizen:ID or operator:messenger:ID")
    preview = fields.CharField(max_length=PREVIEW_MAX, default="", description="for /find")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "relay_message"
        indexes = (("target_message_id",), ("relay_id",))


async def open_relay(citizen_id: int) -> Relay | None:
    """The citizen's open thread, if any."""
    return await Relay.filter(citizen_id=citizen_id, open=True).order_by("-id").first()


async def find_by_group_message(group_chat_id: int, message_id: int) -> Relay | None:
    """The thread a group message belongs to: its header, or a citizen message under it."""
    relay = await Relay.get_or_none(group_chat_id=group_chat_id, header_message_id=message_id)
    if relay is not None:
        return relay
    found = (
        await RelayMessage.filter(
            relay__group_chat_id=group_chat_id,
            direction=Direction.IN,
            target_message_id=message_id,
        )
        .order_by("-id")
        .first()
        .prefetch_related("relay")
    )
    return found.relay if found is not None else None


async def close(relay: Relay) -> None:
    relay.open = False
    relay.closed_at = clock.now()
    await relay.save(update_fields=["open", "closed_at"])


def next_opening(
    moment: datetime, calendar: WorkCalendar, window: tuple[time, time]
) -> datetime | None:
    """When staff next answer: None while the office is open, else the next opening
    (the start of ``window`` on the next working day, Tehran time)."""
    local = moment.astimezone(TEHRAN)
    start, end = window
    if calendar.is_working_day(local) and start <= local.time() < end:
        return None
    day = local.date()
    if not (calendar.is_working_day(local) and local.time() < start):
        day += timedelta(days=1)
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
    return datetime.combine(day, start, tzinfo=TEHRAN)
