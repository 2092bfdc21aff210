"""The registry of dialogs whose state lives in :class:`models.dialog.DialogState`.

A feature that keeps a citizen in a multi-step dialog registers one function for its flow
name; the router hands it every message the citizen sends while that flow is open. The
state is read from the database on every update, so any process can answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from handlers.common import Context, sender_of
from handlers.deps import deps
from models.dialog import DialogState
from models.visit import read_visit

__all__ = ["FlowHandler", "begin", "current", "flow_handler", "register_flow"]

FlowHandler = Callable[[Update, Context, DialogState], Awaitable[None]]

_FLOWS: dict[str, FlowHandler] = {}
RESUMABLE: dict[str, FlowHandler] = {}
"""Flows that can re-ask their current step (after «ادامه»)."""


def register_flow(name: str, handler: FlowHandler, *, resume: FlowHandler | None = None) -> None:
    _FLOWS[name] = handler
    if resume is not None:
        RESUMABLE[name] = resume


def flow_handler(name: str) -> FlowHandler | None:
    return _FLOWS.get(name)


async def current(update: Update, context: Context) -> DialogState | None:
    """The citizen's open dialog, read with their row and the service it names (kept in
    ``context`` for :func:`~handlers.common.citizen_of` and the filing's turn)."""
    user = update.effective_user
    if user is None:
        return None
    visit = await read_visit(deps(context).messenger, user.id)
    context.read_with(visit)
    return visit.state


async def begin(
    update: Update, context: Context, flow: str, step: str, data: dict | None = None
) -> DialogState:
    user, chat = sender_of(update)
    return await DialogState.begin(
        deps(context).messenger, user.id, chat.id, flow, step, data or {}
    )
