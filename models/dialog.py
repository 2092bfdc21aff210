"""Dialog state in the database, so any bot process can take the citizen's next update.

python-telegram-bot's ConversationHandler keeps state in one process's memory; our
deployments run several webhook workers on one PostgreSQL, and a restart must lose nothing.
A dialog is a row keyed by (messenger, user id): which flow, which step, and the answers so
far. ``version`` grows on every save so that two workers racing on one citizen's updates
cannot silently overwrite each other (the loser re-reads and retries).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise import fields, timezone
from tortoise.models import Model

from models import rawsql

__all__ = ["DialogMoved", "DialogState", "StaleDialog"]


class StaleDialog(RuntimeError):
    """Another worker saved this dialog after we read it."""


class DialogMoved(StaleDialog):
    """The dialog was ended, replaced or moved to another step after we read it.

    A :class:`StaleDialog` that re-reading cannot mend: what the update answered is no
    longer asked (see :func:`models.draft.change_draft`)."""


class DialogState(Model):
    id = fields.IntField(primary_key=True)
    messenger = fields.CharField(max_length=16)
    user_id = fields.BigIntField()
    chat_id = fields.BigIntField()
    flow = fields.CharField(max_length=32, description="e.g. search, apply")
    step = fields.CharField(max_length=64)
    data: dict[str, Any] = fields.JSONField(default=dict)
    version = fields.IntField(default=0)
    reminded = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "dialog_state"
        unique_together = (("messenger", "user_id"),)

    @classmethod
    async def current(cls, messenger: str, user_id: int) -> DialogState | None:
        """Read on every citizen update, so written as SQL (see ``models.rawsql``)."""
        return await rawsql.first(cls, '"messenger"=? AND "user_id"=?', [messenger, user_id])

    @classmethod
    async def begin(
        cls, messenger: str, user_id: int, chat_id: int, flow: str, step: str, data: dict
    ) -> DialogState:
        """Start a flow, replacing whatever dialog this citizen had open."""
        await cls.filter(messenger=messenger, user_id=user_id).delete()
        return await cls.create(
            messenger=messenger, user_id=user_id, chat_id=chat_id, flow=flow, step=step, data=data
        )

    async def advance(self, step: str, data: dict[str, Any] | None = None) -> None:
        """Save the next step (and answers) if nobody else moved this dialog since we read it."""
        new_data = self.data if data is None else data
        now = timezone.now()
        encoded = self._meta.fields_map["data"].to_db_value(new_data, self)
        updated = await rawsql.execute(  # on most updates, so as SQL (see ``models.rawsql``)
            DialogState,
            'UPDATE "dialog_state" SET "step"=?,"data"=?,"version"=?,"reminded"=?,"updated_at"=?'
            ' WHERE "id"=? AND "version"=?',
            [step, encoded, self.version + 1, False, now, self.id, self.version],
        )
        if not updated:
            raise StaleDialog(f"dialog {self.id} changed under us")
        self.step, self.data, self.version, self.reminded = step, new_data, self.version + 1, False
        self.updated_at = now

    async def finish(self) -> None:
        await DialogState.filter(id=self.id).delete()

    def idle_for(self, now: datetime | None = None) -> timedelta:
        return (now or timezone.now()) - self.updated_at
