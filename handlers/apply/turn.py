"""Where the dialog stands for one update, and how it moves: ask, refuse, answer, go back.

Every move is a change of the saved draft through :func:`models.draft.change_draft`, never
a write of what this update read: another process may be saving the same dialog (an
album's items arrive together), and its save must not be lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Message, Update

from handlers import texts as general
from handlers.apply.prompts import prompt
from handlers.common import Context, citizen_of, send, send_main_menu
from handlers.render import fa
from handlers.texts import apply as texts
from models.application import FILING_FLOWS, Step, StepKind, step_named, steps_for
from models.catalog import ServiceCard
from models.citizen import Citizen
from models.dialog import DialogMoved, DialogState
from models.draft import Draft, Edit, change_draft
from models.service import Service

__all__ = [
    "Turn",
    "answer",
    "ask",
    "back",
    "cancel",
    "forward",
    "load_turn",
    "offer_change",
    "reask_current_step",
    "refuse",
]


@dataclass(slots=True)
class Turn:
    """One update's view of the dialog: its row, the service, and where it stands.

    The draft is read from the row each time, so after a move it is the draft as saved."""

    state: DialogState
    service: Service
    card: ServiceCard
    steps: tuple[Step, ...]
    _citizen: Citizen | None = None

    async def citizen(self, update: Update, context: Context) -> Citizen:
        """The citizen, read once per update: a step that looks at what they gave last time
        and the question after it both need them."""
        if self._citizen is None:
            self._citizen = await citizen_of(update, context)
        return self._citizen

    @property
    def draft(self) -> Draft:
        return Draft.from_data(self.state.data)

    @property
    def step(self) -> Step:
        step = step_named(self.steps, self.state.step)
        return step if step is not None else self.steps[0]


async def load_turn(update: Update, context: Context, state: DialogState) -> Turn | None:
    """The dialog as this update finds it; None (and the citizen told) if its service left."""
    code = Draft.from_data(state.data).service
    service = context.take_service(code) or await Service.offered(code)
    if service is None or service.flow not in FILING_FLOWS:
        await state.finish()
        await send_main_menu(update, context, general.SERVICE_GONE)
        return None
    card = service.to_card()
    return Turn(state, service, card, steps_for(card))


async def ask(update: Update, context: Context, turn: Turn, before: str = "") -> None:
    """Send the current step's question, after ``before`` (an explanation or a warning)."""
    citizen = await turn.citizen(update, context)
    text, keyboard = prompt(turn, citizen)
    if turn.step.kind is not StepKind.CONFIRM:
        numbered = [s for s in turn.steps if s.kind is not StepKind.CONFIRM]
        position = next(i for i, s in enumerate(numbered, 1) if s.name == turn.step.name)
        counter = texts.STEP_COUNTER.format(n=fa(position), total=fa(len(numbered)))
        text = f"{counter}\n{text}"
    if before:
        text = f"{before}\n\n{text}"
    await send(update, context, text, keyboard)


async def reask_current_step(update: Update, context: Context, state: DialogState) -> None:
    """«ادامه» after an interruption: the same question again."""
    turn = await load_turn(update, context, state)
    if turn is not None:
        await ask(update, context, turn)


async def refuse(update: Update, context: Context, turn: Turn, message: Message, why: str) -> None:
    """Explain and ask again; an album refused at this step is explained once, not per item.

    Its items may reach several processes, so which albums were told is kept in the draft."""
    group = message.media_group_id
    if group is not None:
        try:
            first = await change_draft(turn.state, lambda edit: edit.draft.refuse_album(group))
        except DialogMoved:
            return  # the step it was refused at is gone: nothing left to explain
        if not first:
            return
    await ask(update, context, turn, why)


async def answer(
    update: Update, context: Context, turn: Turn, value: Any, before: str = ""
) -> None:
    """Take ``value`` as the current step's answer, save, and ask the next step."""
    await _pass(update, context, turn, {turn.step.name: value}, before)


async def forward(update: Update, context: Context, turn: Turn, before: str = "") -> None:
    """Leave the current step as it stands (its files received, or skipped) for the next."""
    await _pass(update, context, turn, {}, before)


async def _pass(
    update: Update, context: Context, turn: Turn, answers: dict[str, Any], before: str
) -> None:
    step = turn.step

    def passed(edit: Edit) -> None:
        edit.draft.answers.update(answers)
        edit.step = edit.draft.forward(turn.steps, step.name).name

    await change_draft(turn.state, passed)
    await ask(update, context, turn, before)


async def back(update: Update, context: Context, turn: Turn) -> None:
    """«بازگشت»: the previous step, asked afresh; at the first step, say how to leave."""
    if not turn.draft.history:
        await ask(update, context, turn, texts.FIRST_STEP.format(cancel=texts.BTN_CANCEL))
        return
    step = turn.step

    def went_back(edit: Edit) -> None:
        previous = edit.draft.back(turn.steps, step.name)
        if previous is not None:
            edit.step = previous.name

    await change_draft(turn.state, went_back)
    await ask(update, context, turn)


async def cancel(update: Update, context: Context, turn: Turn) -> None:
    """«انصراف»: the dialog ends, nothing is filed."""
    await turn.state.finish()
    await send_main_menu(update, context, texts.CANCELLED)


async def offer_change(update: Update, context: Context, turn: Turn) -> None:
    """«تغییر»: ask the step again without offering the remembered value."""
    step = turn.step

    def changing(edit: Edit) -> None:
        edit.draft.changing = step.name

    await change_draft(turn.state, changing)
    await ask(update, context, turn)
