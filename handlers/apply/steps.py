"""Every message while the dialog is open: «انصراف», «بازگشت», then the current step's answer.

Whether an answer is acceptable is :mod:`models.application`'s decision; this module only
picks the message's part that the step asks for and says what went wrong.
"""

from __future__ import annotations

from telegram import Message, Update

from handlers import keyboards
from handlers.apply.documents import on_document
from handlers.apply.filing import file_request_of
from handlers.apply.prompts import problem_text, same_label
from handlers.apply.turn import Turn, answer, ask, back, cancel, load_turn, offer_change, refuse
from handlers.common import Context, NotForUs, message_of, send
from handlers.texts import apply as texts
from models.application import (
    InvalidAnswer,
    StepKind,
    Vocabulary,
    check_contact,
    check_location,
    check_text,
    remembered_value,
)
from models.dialog import DialogState

__all__ = ["on_message"]

VOCABULARY = Vocabulary(choices=texts.CHOICES, phases=texts.PHASE_WORDS)
REFUSED_MEDIA = ("sticker", "voice", "audio", "video", "video_note", "animation")


def _kind(message: Message) -> str:
    """What the citizen sent, as the dialog cares about it."""
    if message.animation is not None:  # also carries .document: check it first
        return "animation"
    for kind in ("sticker", "voice", "audio", "video", "video_note", "photo", "document"):
        if getattr(message, kind):
            return kind
    if message.contact is not None:
        return "contact"
    if message.location is not None:
        return "location"
    if message.text is not None:
        return "text"
    return "other"


async def on_message(update: Update, context: Context, state: DialogState) -> None:
    """Every message while the dialog is open (the router hands them here)."""
    message = message_of(update)
    turn = await load_turn(update, context, state)
    if turn is None:
        return
    text, kind = message.text, _kind(message)
    if text == texts.BTN_CANCEL:
        await cancel(update, context, turn)
        return
    if text == texts.BTN_BACK:
        await back(update, context, turn)
        return
    if kind in REFUSED_MEDIA or kind == "other":
        await refuse(update, context, turn, message, texts.MEDIA_REFUSED[kind])
        return
    if message.forward_origin is not None and kind in ("photo", "document", "contact"):
        await refuse(update, context, turn, message, texts.FORWARDED_REFUSED)
        return
    step = turn.step
    if step.kind is StepKind.MOBILE:
        await _on_mobile(update, context, turn, message, kind)
    elif step.kind in (StepKind.NATIONAL_CODE, StepKind.BILL_ID):
        await _on_identifier(update, context, turn, message, kind)
    elif step.kind is StepKind.FIELD:
        await _on_field(update, context, turn, message, kind)
    elif step.kind is StepKind.DOCUMENT:
        await on_document(update, context, turn, message, kind)
    else:
        await _on_confirm(update, context, turn, text)


async def _on_mobile(
    update: Update, context: Context, turn: Turn, message: Message, kind: str
) -> None:
    """The mobile number comes only as the citizen's own shared contact (or «همان …»)."""
    citizen = await turn.citizen(update, context)
    same = None if turn.draft.changing == turn.step.name else same_label(turn.step, citizen)
    if kind == "contact":
        if message.contact is None or message.from_user is None:
            raise NotForUs("a contact step without a contact")
        try:
            checked = check_contact(
                message.contact.phone_number, message.contact.user_id, message.from_user.id
            )
        except InvalidAnswer as error:
            await ask(update, context, turn, problem_text(error))
            return
        await answer(update, context, turn, checked.value)
    elif same is not None and message.text == same:
        await answer(update, context, turn, citizen.mobile)
    elif message.text == texts.BTN_CHANGE:
        await offer_change(update, context, turn)
    elif kind == "text":
        await ask(update, context, turn, texts.MOBILE_TYPED.format(button=texts.BTN_SEND_CONTACT))
    else:
        await refuse(update, context, turn, message, texts.WANT_CONTACT)


async def _on_identifier(
    update: Update, context: Context, turn: Turn, message: Message, kind: str
) -> None:
    """National code or bill ID: typed, or «همان …» for the one given last time."""
    if kind != "text" or message.text is None:
        await refuse(update, context, turn, message, texts.WANT_TEXT)
        return
    citizen = await turn.citizen(update, context)
    same = None if turn.draft.changing == turn.step.name else same_label(turn.step, citizen)
    if same is not None and message.text == same:
        await answer(update, context, turn, remembered_value(turn.step, citizen))
        return
    if message.text == texts.BTN_CHANGE:
        await offer_change(update, context, turn)
        return
    try:
        checked = check_text(turn.step, message.text, VOCABULARY)
    except InvalidAnswer as error:
        await ask(update, context, turn, problem_text(error))
        return
    await answer(update, context, turn, checked.value)


async def _on_field(
    update: Update, context: Context, turn: Turn, message: Message, kind: str
) -> None:
    """A card field: typed text, a shared location, or «رد شدن» when optional."""
    step = turn.step
    if step.optional and message.text == texts.BTN_SKIP:
        await answer(update, context, turn, None)
        return
    if kind == "location" and step.field == "location":
        if message.location is None:
            raise NotForUs("a location step without a location")
        try:
            checked = check_location(message.location.latitude, message.location.longitude)
        except InvalidAnswer as error:
            await ask(update, context, turn, problem_text(error))
            return
        await answer(update, context, turn, checked.value)
        return
    if kind != "text" or message.text is None:
        why = texts.WANT_LOCATION if step.field == "location" else texts.WANT_TEXT
        await refuse(update, context, turn, message, why)
        return
    try:
        checked = check_text(step, message.text, VOCABULARY)
    except InvalidAnswer as error:
        await ask(update, context, turn, problem_text(error))
        return
    warning = texts.POSTAL_CODE_DOUBTFUL if checked.warning == "postal_code_doubtful" else ""
    await answer(update, context, turn, checked.value, warning)


async def _on_confirm(update: Update, context: Context, turn: Turn, text: str | None) -> None:
    """The summary: only «تأیید و ارسال» files (or «بازگشت», handled before)."""
    if text == texts.BTN_CONFIRM:
        await file_request_of(update, context, turn)
        return
    await send(
        update,
        context,
        texts.CONFIRM_USE_BUTTON.format(confirm=texts.BTN_CONFIRM, back=texts.BTN_BACK),
        keyboards.dialog_step([[texts.BTN_CONFIRM]]),
    )
