"""The staff desk in the operator group: claim and release requests, find them, see the queue.

One module per idea, each importing only those above it:

* :mod:`.access` — who may use the desk and which request a press or command names
  (the operator chat, the presser's rights, the data's shape, the request on this
  messenger), checked on every press and command;
* :mod:`.claims` — «برعهده من» / «رها کردن» under a request's status message and
  ``/assign CODE OPERATOR_ID`` (admins);
* :mod:`.lookup` — ``/find CODE`` (or a tracking code typed in the group) with the
  request's history, documents and conversation, ``/queue [service]`` and ``/mine``.

Every action is a :class:`~models.desk.DeskAction` with its actor and time.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.desk.access import actor_of, load_request, pressed_request, staff_check
from handlers.operator import DESK

__all__ = ["actor_of", "load_request", "pressed_request", "register", "staff_check"]


def register(app: Application) -> None:  # type: ignore[type-arg]
    from handlers.desk.claims import assign_command, on_claim_button
    from handlers.desk.lookup import (
        find_command,
        mine_command,
        on_documents_button,
        on_group_text,
        queue_command,
    )

    groups = filters.ChatType.GROUPS
    app.add_handler(CallbackQueryHandler(on_claim_button, pattern=DESK.pattern("claim", "release")))
    app.add_handler(CallbackQueryHandler(on_documents_button, pattern=DESK.pattern("docs")))
    app.add_handler(CommandHandler("find", find_command, filters=groups))
    app.add_handler(CommandHandler("queue", queue_command, filters=groups))
    app.add_handler(CommandHandler("mine", mine_command, filters=groups))
    app.add_handler(CommandHandler("assign", assign_command, filters=groups))
    text_in_group = groups & filters.TEXT & ~filters.COMMAND & ~filters.REPLY
    app.add_handler(MessageHandler(text_in_group, on_group_text))
