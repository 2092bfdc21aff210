"""«ثبت درخواست»: from a service's identity card to a filed request and its tracking code.

The dialog's rules live in :mod:`models.application` and its draft in :mod:`models.draft`;
this package turns messages into calls to them and answers in Persian. Every step is saved
in :class:`~models.dialog.DialogState` before the citizen is answered, and every received
file is stored and written into the dialog at once, so a restart, or the next update
landing on another process, loses nothing.

Buttons: the step's choices, «بازگشت» and «انصراف» are a reply keyboard (typed labels work
the same); a file's receipt has inline «عکس دیگر» / «بعدی» whose data names the dialog row
and step, so a button from an older dialog or step is refused.

One module per idea, each importing only those above it:

* :mod:`.prompts` — each step's question and keyboard, the summary (rendering only);
* :mod:`.turn` — where the dialog stands for one update, and how it moves;
* :mod:`.documents` — receiving files and albums at document steps;
* :mod:`.filing` — the confirmed draft becomes a request;
* :mod:`.steps` — every message while the dialog is open, by step;
* :mod:`.buttons` — «ثبت درخواست» on a card and the receipts' inline buttons.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler

from handlers import flows, keyboards
from handlers.apply.buttons import on_button
from handlers.apply.steps import on_message
from handlers.apply.turn import reask_current_step
from models.application import FLOW

__all__ = ["on_message", "reask_current_step", "register"]


def register(app: Application) -> None:  # type: ignore[type-arg]
    """The dialog's messages come through the router (flow ``apply``); its buttons here."""
    flows.register_flow(FLOW, on_message, resume=reask_current_step)
    app.add_handler(CallbackQueryHandler(on_button, pattern=keyboards.APP.pattern()))
